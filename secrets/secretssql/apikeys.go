package secretssql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/secrets"
)

func (s *Store) insertKey(ctx context.Context, x execer, k secrets.APIKey) error {
	scopes, err := json.Marshal(k.Scopes)
	if err != nil {
		return err
	}
	if k.Scopes == nil {
		scopes = []byte("[]")
	}
	_, err = x.ExecContext(ctx, s.q.insertKey, k.ID, k.OrganizationID,
		string(k.Owner.Type), k.Owner.ID,
		k.Name, string(scopes), k.Hint, k.Hash, s.db.Time(k.CreatedAt), s.db.Time(k.ExpiresAt),
		s.db.Time(k.RevokedAt), s.db.Time(k.LastUsedAt), k.RotatedFrom)
	if sqlkit.IsUniqueViolation(err) {
		return fmt.Errorf("secretssql: API key %s: %w", k.ID, secrets.ErrVersionConflict)
	}
	return err
}

// CreateAPIKey implements [secrets.APIKeyStore].
func (s *Store) CreateAPIKey(ctx context.Context, k secrets.APIKey, ev secrets.Event) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := s.insertKey(ctx, tx, k); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, ev)
	})
}

func scanKey(sc interface{ Scan(...any) error }) (secrets.APIKey, error) {
	var k secrets.APIKey
	var owner string
	var scopes []byte
	var created, expires, revoked, used sqlkit.Time
	err := sc.Scan(&k.ID, &k.OrganizationID, &owner, &k.Owner.ID, &k.Name,
		&scopes, &k.Hint, &k.Hash,
		&created, &expires, &revoked, &used, &k.RotatedFrom)
	if err != nil {
		return k, err
	}
	k.Owner.Type = secrets.OwnerType(owner)
	k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt = created.T, expires.T, revoked.T, used.T
	if err := json.Unmarshal(scopes, &k.Scopes); err != nil {
		return k, fmt.Errorf("decoding scopes: %w", err)
	}
	return k, nil
}

func (s *Store) oneKey(row *sql.Row) (secrets.APIKey, error) {
	k, err := scanKey(row)
	if errors.Is(err, sql.ErrNoRows) {
		return secrets.APIKey{}, secrets.ErrNotFound
	}
	if err != nil {
		return secrets.APIKey{}, fmt.Errorf("secretssql: reading an API key: %w", err)
	}
	return k, nil
}

// APIKeyByHash implements [secrets.APIKeyStore], through the unique
// index on the hash.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (secrets.APIKey, error) {
	return s.oneKey(s.byHash.QueryRowContext(ctx, hash))
}

// APIKey implements [secrets.APIKeyStore].
func (s *Store) APIKey(ctx context.Context, org, id string) (secrets.APIKey, error) {
	return s.oneKey(s.db.QueryRowContext(ctx, s.q.key, org, id))
}

// ListAPIKeys implements [secrets.APIKeyStore].
func (s *Store) ListAPIKeys(ctx context.Context, org string,
	opts secrets.APIKeyListOptions) ([]secrets.APIKey, error) {
	limit := max(opts.Limit, 1)
	var rows *sql.Rows
	var err error
	if opts.Owner.ID != "" {
		rows, err = s.db.QueryContext(ctx, s.q.listOwnerKeys, org,
			string(opts.Owner.Type), opts.Owner.ID,
			opts.After, limit)
	} else {
		rows, err = s.db.QueryContext(ctx, s.q.listKeys, org, opts.After, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("secretssql: listing API keys: %w", err)
	}
	out, err := sqlkit.Collect(rows, func(r *sql.Rows) (secrets.APIKey, error) { return scanKey(r) })
	if err != nil {
		return nil, fmt.Errorf("secretssql: listing API keys: %w", err)
	}
	return out, nil
}

// RotateAPIKey implements [secrets.APIKeyStore]. The old key is locked
// by the update that shortens it, before the new key is stored, so a
// revocation running at the same time either comes first (and the
// rotation fails) or waits.
func (s *Store) RotateAPIKey(ctx context.Context, org, oldID string, oldExpires time.Time,
	next secrets.APIKey, ev secrets.Event) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		t := s.db.Time(oldExpires)
		res, err := tx.ExecContext(ctx, s.q.shortenKey, t, t, org, oldID)
		if err := rowsAffected(res, err, secrets.ErrNotFound); err != nil {
			return s.whyNotActive(ctx, tx, org, oldID, err)
		}
		if err := s.insertKey(ctx, tx, next); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, ev)
	})
}

// whyNotActive tells a revoked key from a missing one.
func (s *Store) whyNotActive(ctx context.Context, tx *sql.Tx, org, id string, err error) error {
	if !errors.Is(err, secrets.ErrNotFound) {
		return err
	}
	var exists int
	if e := tx.QueryRowContext(ctx, s.q.keyExists, org, id).Scan(&exists); e == nil && exists > 0 {
		return secrets.ErrKeyRevoked
	}
	return err
}

// RevokeAPIKey implements [secrets.APIKeyStore].
func (s *Store) RevokeAPIKey(ctx context.Context, org, id string, at time.Time,
	ev secrets.Event) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.revokeKey, s.db.Time(at), org, id)
		err = rowsAffected(res, err, secrets.ErrNotFound)
		if errors.Is(err, secrets.ErrNotFound) {
			var exists int
			e := tx.QueryRowContext(ctx, s.q.keyExists, org, id).Scan(&exists)
			if e == nil && exists > 0 {
				return nil // revoked already
			}
		}
		if err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, ev)
	})
}

// RevokeOwnerAPIKeys implements [secrets.APIKeyStore].
func (s *Store) RevokeOwnerAPIKeys(ctx context.Context, org string,
	owner secrets.Owner, at time.Time,
	ev secrets.Event) (int, error) {
	var n int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.revokeOwner, s.db.Time(at), org,
			string(owner.Type), owner.ID)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		ev.Data.Count = int(n)
		return s.appendEvent(ctx, tx, ev)
	})
	if err != nil {
		return 0, fmt.Errorf("secretssql: revoking API keys: %w", err)
	}
	return int(n), nil
}

// TouchAPIKey implements [secrets.APIKeyStore]. It writes only when the
// stored time is older, so racing verifications do not move it back.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	t := s.db.Time(at)
	if _, err := s.db.ExecContext(ctx, s.q.touchKey, t, id, t); err != nil {
		return fmt.Errorf("secretssql: recording API key use: %w", err)
	}
	return nil
}
