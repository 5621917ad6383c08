package scim

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/ids"
)

// minImportedSecret is the shortest secret, after the prefix, that
// [Service.ImportToken] accepts: 43 base64url characters hold 256 bits.
const minImportedSecret = 43

// ErrWeakToken means a secret given to [Service.ImportToken] is not in the
// form of the tokens the package issues, or is too short to be one.
var ErrWeakToken = errors.New("scim: a token must start with " + tokenPrefix +
	" and have at least 43 characters after it")

// ImportToken stores a bearer token whose secret the host made elsewhere,
// such as one kept in a deployment's configuration, so that it keeps
// working when the app is set up again. The secret must look like the
// ones [Service.IssueToken] makes: the prefix ghscim_ followed by at
// least 43 characters.
//
// SAFETY: only a hash of the secret is stored, and a fast one (SHA-256),
// which is sound only for random secrets. The caller MUST generate the
// secret from at least 256 random bits; prefer IssueToken, which does.
func (s *Service) ImportToken(ctx context.Context, organizationID, directoryID, name,
	secret string) (*Token, error) {
	rest, ok := strings.CutPrefix(secret, tokenPrefix)
	if !ok || len(rest) < minImportedSecret || !looksLikeToken(secret) || strings.ContainsAny(rest, " \t\r\n") {
		return nil, ErrWeakToken
	}
	d, err := s.directory(ctx, organizationID, directoryID)
	if err != nil {
		return nil, fmt.Errorf("scim: importing a token: %w", err)
	}
	t := &Token{ID: ids.New("tok"), DirectoryID: d.ID, OrganizationID: d.OrganizationID,
		Name: name, Hash: hashToken(secret), Hint: tokenHint(Secret{secret}), Created: s.stamp()}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return nil, fmt.Errorf("scim: importing a token: %w", err)
	}
	return t, nil
}
