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

// PutVersion implements [secrets.Store]. The version check is a
// compare-and-set on latest_version, so concurrent writers of one secret
// cannot both win on either dialect.
func (s *Store) PutVersion(ctx context.Context, sec secrets.Secret,
	v secrets.SealedVersion, keep int,
	ev secrets.Event) error {
	meta, err := json.Marshal(sec.Metadata)
	if err != nil {
		return fmt.Errorf("secretssql: encoding metadata: %w", err)
	}
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := s.advance(ctx, tx, sec, v.Version, meta); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q.insertVersion, v.OrganizationID,
			v.Name, v.Version, v.KeyID,
			v.WrappedKey, v.Ciphertext, s.db.Time(v.CreatedAt))
		if sqlkit.IsUniqueViolation(err) {
			return secrets.ErrVersionConflict
		}
		if err != nil {
			return err
		}
		if keep > 0 {
			if _, err := tx.ExecContext(ctx, s.q.pruneVersions, sec.OrganizationID, sec.Name,
				v.Version-keep); err != nil {
				return err
			}
		}
		return s.appendEvent(ctx, tx, ev)
	})
	if err != nil && !errors.Is(err,
		secrets.ErrVersionConflict) && !errors.Is(err, secrets.ErrDeleted) {
		return fmt.Errorf("secretssql: writing version %d of %q: %w", v.Version, sec.Name, err)
	}
	return err
}

// advance creates the secret at version 1 or moves it from version-1 to
// version.
func (s *Store) advance(ctx context.Context, tx *sql.Tx, sec secrets.Secret,
	version int, meta []byte) error {
	if version == 1 {
		res, err := tx.ExecContext(ctx, s.q.insertSecret, sec.OrganizationID,
			sec.Name, string(meta), 1,
			s.db.Time(sec.CreatedAt), s.db.Time(sec.UpdatedAt))
		return rowsAffected(res, err, secrets.ErrVersionConflict)
	}
	res, err := tx.ExecContext(ctx, s.q.updateSecret, string(meta), version,
		s.db.Time(sec.UpdatedAt),
		sec.OrganizationID, sec.Name, version-1)
	err = rowsAffected(res, err, secrets.ErrVersionConflict)
	if !errors.Is(err, secrets.ErrVersionConflict) {
		return err
	}
	// Tell a deleted secret from a lost race.
	var deleted sqlkit.Time
	var latest int
	row := tx.QueryRowContext(ctx, s.q.lockSecret, sec.OrganizationID, sec.Name)
	if e := row.Scan(&latest, &deleted); e == nil && !deleted.T.IsZero() {
		return secrets.ErrDeleted
	}
	return err
}

// SetMetadata implements [secrets.Store].
func (s *Store) SetMetadata(ctx context.Context, org, name string, meta secrets.Metadata,
	at time.Time, ev secrets.Event) error {
	doc, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("secretssql: encoding metadata: %w", err)
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.setMetadata, string(doc), s.db.Time(at), org, name)
		if err := rowsAffected(res, err, secrets.ErrNotFound); err != nil {
			sec, serr := scanSecret(tx.QueryRowContext(ctx, s.q.secret, org, name))
			if serr == nil && !sec.DeletedAt.IsZero() {
				return secrets.ErrDeleted
			}
			return err
		}
		return s.appendEvent(ctx, tx, ev)
	})
}

func scanSecret(sc interface{ Scan(...any) error }) (secrets.Secret, error) {
	var sec secrets.Secret
	var meta []byte
	var created, updated, deleted sqlkit.Time
	err := sc.Scan(&sec.OrganizationID, &sec.Name, &meta, &sec.LatestVersion,
		&created, &updated, &deleted)
	if err != nil {
		return sec, err
	}
	if err := json.Unmarshal(meta, &sec.Metadata); err != nil {
		return sec, fmt.Errorf("decoding metadata: %w", err)
	}
	sec.CreatedAt, sec.UpdatedAt, sec.DeletedAt = created.T, updated.T, deleted.T
	return sec, nil
}

// Secret implements [secrets.Store].
func (s *Store) Secret(ctx context.Context, org, name string) (secrets.Secret, error) {
	sec, err := scanSecret(s.db.QueryRowContext(ctx, s.q.secret, org, name))
	if errors.Is(err, sql.ErrNoRows) {
		return secrets.Secret{}, secrets.ErrNotFound
	}
	if err != nil {
		return secrets.Secret{}, fmt.Errorf("secretssql: reading %q: %w", name, err)
	}
	return sec, nil
}

// Version implements [secrets.Store].
func (s *Store) Version(ctx context.Context, org, name string,
	version int) (secrets.SealedVersion, error) {
	v := secrets.SealedVersion{OrganizationID: org, Name: name}
	var deleted, created sqlkit.Time
	var num sql.NullInt64
	var keyID sql.NullString
	row := s.version.QueryRowContext(ctx, version, version, org, name)
	err := row.Scan(&deleted, &num, &keyID, &v.WrappedKey, &v.Ciphertext, &created)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return v, secrets.ErrNotFound
	case err != nil:
		return v, fmt.Errorf("secretssql: reading %q: %w", name, err)
	case !deleted.T.IsZero():
		return secrets.SealedVersion{}, secrets.ErrDeleted
	case !num.Valid:
		return secrets.SealedVersion{}, secrets.ErrNotFound
	}
	v.Version, v.KeyID, v.CreatedAt = int(num.Int64), keyID.String, created.T
	return v, nil
}

// ListVersions implements [secrets.Store].
func (s *Store) ListVersions(ctx context.Context, org, name string) ([]int, error) {
	rows, err := s.db.QueryContext(ctx, s.q.versions, org, name)
	if err != nil {
		return nil, fmt.Errorf("secretssql: listing versions of %q: %w", name, err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		if _, err := s.Secret(ctx, org, name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ListSecrets implements [secrets.Store].
func (s *Store) ListSecrets(ctx context.Context, org string,
	opts secrets.ListOptions) ([]secrets.Secret, error) {
	q := s.q.list
	if opts.IncludeDeleted {
		q = s.q.listDeleted
	}
	rows, err := s.db.QueryContext(ctx, q, org, opts.After, max(opts.Limit, 1))
	if err != nil {
		return nil, fmt.Errorf("secretssql: listing secrets: %w", err)
	}
	out, err := sqlkit.Collect(rows, func(r *sql.Rows) (secrets.Secret, error) { return scanSecret(r) })
	if err != nil {
		return nil, fmt.Errorf("secretssql: listing secrets: %w", err)
	}
	return out, nil
}

// SetDeleted implements [secrets.Store].
func (s *Store) SetDeleted(ctx context.Context, org, name string, at time.Time,
	ev secrets.Event) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if at.IsZero() {
			res, err = tx.ExecContext(ctx, s.q.restore, org, name)
		} else {
			res, err = tx.ExecContext(ctx, s.q.setDeleted, s.db.Time(at), org, name)
		}
		if err := rowsAffected(res, err, secrets.ErrNotFound); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, ev)
	})
}

// DestroySecret implements [secrets.Store].
func (s *Store) DestroySecret(ctx context.Context, org, name string, ev secrets.Event) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.destroySecret, org, name)
		if err := rowsAffected(res, err, secrets.ErrNotFound); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.destroyVersions, org, name); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, ev)
	})
}

// DeletedBefore implements [secrets.Store].
func (s *Store) DeletedBefore(ctx context.Context, t time.Time,
	limit int) ([]secrets.VersionRef, error) {
	rows, err := s.db.QueryContext(ctx, s.q.deletedBefore, s.db.Time(t), max(limit, 1))
	if err != nil {
		return nil, fmt.Errorf("secretssql: finding deleted secrets: %w", err)
	}
	defer rows.Close()
	var out []secrets.VersionRef
	for rows.Next() {
		var r secrets.VersionRef
		if err := rows.Scan(&r.OrganizationID, &r.Name); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// VersionsNotUnder implements [secrets.Store]; it walks the primary key.
func (s *Store) VersionsNotUnder(ctx context.Context, keyID string, after secrets.VersionRef,
	limit int) ([]secrets.SealedVersion, error) {
	rows, err := s.db.QueryContext(ctx, s.q.notUnder, after.OrganizationID,
		after.Name, after.Version,
		keyID, max(limit, 1))
	if err != nil {
		return nil, fmt.Errorf("secretssql: reading versions to rewrap: %w", err)
	}
	defer rows.Close()
	var out []secrets.SealedVersion
	for rows.Next() {
		var v secrets.SealedVersion
		var created sqlkit.Time
		if err := rows.Scan(&v.OrganizationID, &v.Name, &v.Version, &v.KeyID, &v.WrappedKey,
			&v.Ciphertext, &created); err != nil {
			return nil, err
		}
		v.CreatedAt = created.T
		out = append(out, v)
	}
	return out, rows.Err()
}

// CountNotUnder implements [secrets.Store].
func (s *Store) CountNotUnder(ctx context.Context, keyID string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, s.q.countNotUnder, keyID).Scan(&n); err != nil {
		return 0, fmt.Errorf("secretssql: counting versions to rewrap: %w", err)
	}
	return n, nil
}

// Rewrap implements [secrets.Store], in one transaction per batch with
// its statements prepared once.
func (s *Store) Rewrap(ctx context.Context, changes []secrets.RewrapChange) (int, error) {
	var n int
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		n = 0
		update, err := tx.PrepareContext(ctx, s.q.rewrap)
		if err != nil {
			return err
		}
		defer update.Close()
		record, err := tx.PrepareContext(ctx, s.q.insertEvent)
		if err != nil {
			return err
		}
		defer record.Close()
		for _, c := range changes {
			applied, err := s.rewrapOne(ctx, update, record, c)
			if err != nil {
				return err
			}
			if applied {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("secretssql: rewrapping: %w", err)
	}
	return n, nil
}

func (s *Store) rewrapOne(ctx context.Context, update, record *sql.Stmt,
	c secrets.RewrapChange) (bool, error) {
	res, err := update.ExecContext(ctx, c.NewKeyID, c.WrappedKey, c.Ref.OrganizationID, c.Ref.Name,
		c.Ref.Version, c.OldKeyID)
	err = rowsAffected(res, err, errSkipped)
	if errors.Is(err, errSkipped) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	args, err := s.eventArgs(c.Event)
	if err == nil {
		_, err = record.ExecContext(ctx, args...)
	}
	return err == nil, err
}

// errSkipped marks an update that matched no row.
var errSkipped = errors.New("skipped")
