package scim

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/ids"
)

// AddFederatedIssuer makes a directory of the organization trust the
// signed JWTs of an issuer (see [FederatedIssuer]), for example a
// customer's Entra ID tenant. An Issuer, Audience and Subject that
// another directory trusts already is refused with an error wrapping
// ErrUniqueness.
func (s *Service) AddFederatedIssuer(ctx context.Context, organizationID string, f FederatedIssuer) (*FederatedIssuer, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	if _, err := s.directory(ctx, organizationID, f.DirectoryID); err != nil {
		return nil, fmt.Errorf("scim: adding a federated issuer: %w", err)
	}
	f.ID, f.Created = ids.New("fed"), s.stamp()
	if err := s.store.CreateFederatedIssuer(ctx, &f); err != nil {
		return nil, fmt.Errorf("scim: adding a federated issuer: %w", err)
	}
	return &f, nil
}

// FederatedIssuers lists the stored trusts of a directory of the
// organization.
func (s *Service) FederatedIssuers(ctx context.Context, organizationID, directoryID string) ([]*FederatedIssuer, error) {
	if _, err := s.directory(ctx, organizationID, directoryID); err != nil {
		return nil, fmt.Errorf("scim: listing federated issuers: %w", err)
	}
	return s.store.FederatedIssuers(ctx, "", directoryID)
}

// RemoveFederatedIssuer ends a directory's trust in an issuer.
func (s *Service) RemoveFederatedIssuer(ctx context.Context, organizationID, directoryID, id string) error {
	if _, err := s.directory(ctx, organizationID, directoryID); err != nil {
		return fmt.Errorf("scim: removing a federated issuer: %w", err)
	}
	if err := s.store.DeleteFederatedIssuer(ctx, directoryID, id); err != nil {
		return fmt.Errorf("scim: removing a federated issuer: %w", err)
	}
	return nil
}
