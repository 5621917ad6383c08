package scimsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/scim"
)

const tokenColumns = `id, directory_id, organization_id, name, hash, hint, created, expires_at,
	revoked_at, last_used, kind, client_id`

// CreateToken implements [scim.Store].
func (s *Store) CreateToken(ctx context.Context, t *scim.Token) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO scim_tokens (`+tokenColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		t.ID, t.DirectoryID, t.OrganizationID, t.Name, t.Hash, t.Hint, s.db.Time(t.Created),
		s.db.Time(t.ExpiresAt), s.db.Time(t.RevokedAt), s.db.Time(t.LastUsed), string(kindOf(t)), t.ClientID)
	if sqlkit.IsForeignKeyViolation(err) {
		return scim.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("scimsql: creating token: %w", err)
	}
	return nil
}

func scanToken(row interface{ Scan(...any) error }) (*scim.Token, error) {
	t := &scim.Token{}
	var created, expires, revoked, used sqlkit.Time
	var kind string
	err := row.Scan(&t.ID, &t.DirectoryID, &t.OrganizationID, &t.Name, &t.Hash, &t.Hint,
		&created, &expires, &revoked, &used, &kind, &t.ClientID)
	if err != nil {
		return nil, err
	}
	t.Kind = scim.TokenKind(kind)
	t.Created, t.ExpiresAt, t.RevokedAt, t.LastUsed = created.T, expires.T, revoked.T, used.T
	return t, nil
}

// TokenByHash implements [scim.Store]; the lookup uses the unique index
// on the hash.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (*scim.Token, error) {
	var t *scim.Token
	err := (&tx{s: s}).queryRow(ctx, `SELECT `+tokenColumns+` FROM scim_tokens WHERE hash = ?`,
		[]any{hash}, func(row *sql.Row) error {
			var err error
			t, err = scanToken(row)
			return err
		})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, scim.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("scimsql: reading token: %w", err)
	}
	return t, nil
}

// Tokens implements [scim.Store].
func (s *Store) Tokens(ctx context.Context, dir string) ([]*scim.Token, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(
		`SELECT `+tokenColumns+` FROM scim_tokens WHERE directory_id = ? ORDER BY id`), dir)
	if err != nil {
		return nil, fmt.Errorf("scimsql: listing tokens: %w", err)
	}
	defer rows.Close()
	var out []*scim.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("scimsql: listing tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// UpdateToken implements [scim.Store].
func (s *Store) UpdateToken(ctx context.Context, t *scim.Token) error {
	res, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE scim_tokens
		SET expires_at = ?, revoked_at = ?, last_used = ? WHERE id = ? AND directory_id = ?`),
		s.db.Time(t.ExpiresAt), s.db.Time(t.RevokedAt), s.db.Time(t.LastUsed), t.ID, t.DirectoryID)
	if err != nil {
		return fmt.Errorf("scimsql: updating token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return scim.ErrNotFound
	}
	return nil
}

func kindOf(t *scim.Token) scim.TokenKind {
	if t.Kind == "" {
		return scim.TokenBearer
	}
	return t.Kind
}

// DeleteExpiredAccessTokens implements [scim.Store].
func (s *Store) DeleteExpiredAccessTokens(ctx context.Context, dir string, before time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM scim_tokens
		WHERE directory_id = ? AND kind = 'access' AND expires_at < ?`), dir, s.db.Time(before))
	if err != nil {
		return 0, fmt.Errorf("scimsql: deleting expired tokens: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
