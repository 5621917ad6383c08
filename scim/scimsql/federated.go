package scimsql

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/scim"
)

// CreateFederatedIssuer implements [scim.Store].
func (s *Store) CreateFederatedIssuer(ctx context.Context, f *scim.FederatedIssuer) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO scim_federated_issuers
		(id, directory_id, issuer, jwks_url, audience, subject, created) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		f.ID, f.DirectoryID, f.Issuer, f.JWKSURL, f.Audience, f.Subject, s.db.Time(f.Created))
	switch {
	case sqlkit.IsUniqueViolation(err):
		return scim.ErrUniqueness
	case sqlkit.IsForeignKeyViolation(err):
		return scim.ErrNotFound
	case err != nil:
		return fmt.Errorf("scimsql: storing a federated issuer: %w", err)
	}
	return nil
}

// FederatedIssuers implements [scim.Store]; the lookup by issuer uses the
// unique index that starts with it.
func (s *Store) FederatedIssuers(ctx context.Context, issuer, dir string) ([]*scim.FederatedIssuer, error) {
	q := `SELECT id, directory_id, issuer, jwks_url, audience, subject, created
		FROM scim_federated_issuers WHERE `
	arg := issuer
	if issuer != "" {
		q += `issuer = ? ORDER BY id`
	} else {
		q += `directory_id = ? ORDER BY id`
		arg = dir
	}
	rows, done, err := (&tx{s: s}).queryRows(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("scimsql: reading federated issuers: %w", err)
	}
	defer done()
	defer rows.Close()
	var out []*scim.FederatedIssuer
	for rows.Next() {
		f := &scim.FederatedIssuer{}
		var created sqlkit.Time
		if err := rows.Scan(&f.ID, &f.DirectoryID, &f.Issuer, &f.JWKSURL, &f.Audience, &f.Subject,
			&created); err != nil {
			return nil, fmt.Errorf("scimsql: reading federated issuers: %w", err)
		}
		f.Created = created.T
		if dir == "" || f.DirectoryID == dir {
			out = append(out, f)
		}
	}
	return out, rows.Err()
}

// DeleteFederatedIssuer implements [scim.Store].
func (s *Store) DeleteFederatedIssuer(ctx context.Context, dir, id string) error {
	res, err := s.db.ExecContext(ctx, s.db.Rebind(
		`DELETE FROM scim_federated_issuers WHERE directory_id = ? AND id = ?`), dir, id)
	if err != nil {
		return fmt.Errorf("scimsql: deleting a federated issuer: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return scim.ErrNotFound
	}
	return nil
}
