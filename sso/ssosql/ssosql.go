package ssosql

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/sso"
)

//go:embed migrations/*.sql
var migrations embed.FS

// maxAttempts is how many login attempts per connection the store keeps.
const maxAttempts = 200

// Migrate creates or updates the package's tables. It is idempotent and
// safe to run from several processes at once.
func Migrate(ctx context.Context, db *sql.DB) error {
	kdb, err := sqlkit.Wrap(db)
	if err != nil {
		return fmt.Errorf("ssosql: %w", err)
	}
	sub, err := fsSub()
	if err != nil {
		return err
	}
	return sqlkit.Migrate(ctx, kdb, "sso", sub)
}

// Store is an [sso.Store] in a SQL database. It is safe for concurrent
// use by many goroutines and processes.
type Store struct {
	db *sqlkit.DB
	q  queries
}

// New returns a Store on db, which must be migrated (see [Migrate]).
func New(db *sql.DB) (*Store, error) {
	kdb, err := sqlkit.Wrap(db)
	if err != nil {
		return nil, fmt.Errorf("ssosql: %w", err)
	}
	return &Store{db: kdb, q: prepare(kdb)}, nil
}

var _ sso.Store = (*Store)(nil)

// CreateConnection implements [sso.Store].
func (s *Store) CreateConnection(ctx context.Context, c *sso.Connection,
	events ...sso.Event) error {
	body, err := encode(c)
	if err != nil {
		return err
	}
	mdURL, fetched := s.metadataColumns(c)
	err = s.change(ctx, events, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q.insertConn, c.ID, c.OrganizationID, body,
			s.db.Time(c.CreatedAt), s.db.Time(c.UpdatedAt), mdURL, fetched)
		return err
	})
	if sqlkit.IsUniqueViolation(err) {
		return sso.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("ssosql: creating connection: %w", err)
	}
	return nil
}

// UpdateConnection implements [sso.Store].
func (s *Store) UpdateConnection(ctx context.Context, c *sso.Connection,
	events ...sso.Event) error {
	body, err := encode(c)
	if err != nil {
		return err
	}
	mdURL, fetched := s.metadataColumns(c)
	return s.change(ctx, events, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.updateConn, body, s.db.Time(c.UpdatedAt), mdURL,
			fetched, c.ID, c.OrganizationID)
		if err != nil {
			return fmt.Errorf("ssosql: updating connection: %w", err)
		}
		return oneRow(res)
	})
}

// neverFetched stands in the metadata_fetched_at column for metadata
// never fetched, so that the column holds no NULL and sorts the same on
// both dialects.
var neverFetched = time.Unix(0, 0).UTC()

// metadataColumns returns the values of the columns metadata_url and
// metadata_fetched_at for c.
func (s *Store) metadataColumns(c *sso.Connection) (string, any) {
	if c.SAML == nil || c.SAML.IdPMetadataURL == "" {
		return "", nil
	}
	t := c.SAML.MetadataFetchedAt
	if t.Before(neverFetched) {
		t = neverFetched
	}
	return c.SAML.IdPMetadataURL, s.db.Time(t)
}

func oneRow(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("ssosql: %w", err)
	}
	if n == 0 {
		return sso.ErrNotFound
	}
	return nil
}

// encode returns the JSON document of c, without a plaintext secret.
func encode(c *sso.Connection) ([]byte, error) {
	d := c.Clone()
	if d.OIDC != nil {
		d.OIDC.ClientSecret = ""
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("ssosql: encoding connection: %w", err)
	}
	return b, nil
}

// Connection implements [sso.Store].
func (s *Store) Connection(ctx context.Context, org, id string) (*sso.Connection, error) {
	return s.scanConn(s.db.QueryRowContext(ctx, s.q.getConn, id, org))
}

// ConnectionByID implements [sso.Store].
func (s *Store) ConnectionByID(ctx context.Context, id string) (*sso.Connection, error) {
	return s.scanConn(s.db.QueryRowContext(ctx, s.q.getConnByID, id))
}

func (s *Store) scanConn(row interface{ Scan(...any) error }) (*sso.Connection, error) {
	var body []byte
	err := row.Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sso.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("ssosql: reading connection: %w", err)
	}
	var c sso.Connection
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, fmt.Errorf("ssosql: decoding connection: %w", err)
	}
	return &c, nil
}

// ListConnections implements [sso.Store].
func (s *Store) ListConnections(ctx context.Context, org, after string,
	limit int) ([]*sso.Connection, error) {
	rows, err := s.db.QueryContext(ctx, s.q.listConns, org, after, limit)
	if err != nil {
		return nil, fmt.Errorf("ssosql: listing connections: %w", err)
	}
	return s.scanConns(rows)
}

// scanConns reads and closes rows of connection bodies.
func (s *Store) scanConns(rows *sql.Rows) ([]*sso.Connection, error) {
	defer rows.Close()
	var out []*sso.Connection
	for rows.Next() {
		c, err := s.scanConn(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// MetadataDue implements [sso.Store].
func (s *Store) MetadataDue(ctx context.Context, before time.Time,
	limit int) ([]*sso.Connection, error) {
	if !before.After(neverFetched) {
		before = neverFetched.Add(time.Microsecond) // still lists those never fetched
	}
	rows, err := s.db.QueryContext(ctx, s.q.metadataDue, s.db.Time(before), limit)
	if err != nil {
		return nil, fmt.Errorf("ssosql: listing connections due for a metadata refresh: %w", err)
	}
	return s.scanConns(rows)
}

// DeleteConnection implements [sso.Store].
func (s *Store) DeleteConnection(ctx context.Context, org, id string,
	events ...sso.Event) error {
	return s.change(ctx, events, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.deleteConn, id, org)
		if err != nil {
			return fmt.Errorf("ssosql: deleting connection: %w", err)
		}
		if err := oneRow(res); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q.deleteAttempts, id)
		return err
	})
}

// SaveLoginState implements [sso.Store].
func (s *Store) SaveLoginState(ctx context.Context, st *sso.LoginState) error {
	s.sweep(ctx, s.q.sweepStates, st.CreatedAt)
	_, err := s.db.ExecContext(ctx, s.q.insertState, st.ID, st.OrganizationID, st.ConnectionID,
		st.ReturnPath, st.Nonce, st.CodeVerifier.Reveal(), st.BrowserHash, s.db.Time(st.CreatedAt),
		s.db.Time(st.ExpiresAt), string(st.Flow))
	if sqlkit.IsUniqueViolation(err) {
		return sso.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("ssosql: saving login state: %w", err)
	}
	return nil
}

// TakeLoginState implements [sso.Store]: one DELETE ... RETURNING, so
// that of two concurrent takes only one gets the row.
func (s *Store) TakeLoginState(ctx context.Context, id string, now time.Time) (*sso.LoginState,
	error) {
	var st sso.LoginState
	var verifier, flow string
	var created, expires sqlkit.Time
	err := s.db.QueryRowContext(ctx, s.q.takeState, id).Scan(&st.ID, &st.OrganizationID,
		&st.ConnectionID, &st.ReturnPath, &st.Nonce, &verifier, &st.BrowserHash, &created, &expires,
		&flow)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sso.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("ssosql: taking login state: %w", err)
	}
	st.CodeVerifier, st.CreatedAt, st.ExpiresAt = sso.Secret(verifier), created.T, expires.T
	st.Flow = sso.Flow(flow)
	if !now.Before(st.ExpiresAt) {
		return nil, sso.ErrNotFound
	}
	return &st, nil
}

// Remember implements [sso.Store]: an insert that, on a conflict,
// replaces only an expired entry, so exactly one of two concurrent calls
// affects a row.
func (s *Store) Remember(ctx context.Context, key string, expires, now time.Time) error {
	s.sweep(ctx, s.q.sweepUsed, now)
	res, err := s.db.ExecContext(ctx, s.q.remember, key, s.db.Time(expires), s.db.Time(now))
	if err != nil {
		return fmt.Errorf("ssosql: recording a used value: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("ssosql: %w", err)
	}
	if n == 0 {
		return sso.ErrReplay
	}
	return nil
}

// sweep deletes expired rows on about one call in 64.
func (s *Store) sweep(ctx context.Context, query string, now time.Time) {
	if rand.IntN(64) != 0 || now.IsZero() {
		return
	}
	_, _ = s.db.ExecContext(ctx, query, s.db.Time(now))
}

// RecordAttempt implements [sso.Store], keeping the newest 200 attempts
// of each connection.
func (s *Store) RecordAttempt(ctx context.Context, a *sso.Attempt) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q.insertAttempt, a.ID, a.OrganizationID, a.ConnectionID,
			s.db.Time(a.Time), string(a.Reason), a.Detail, a.Subject, string(a.Flow))
		if err != nil {
			return fmt.Errorf("ssosql: recording attempt: %w", err)
		}
		_, err = tx.ExecContext(ctx, s.q.trimAttempts, a.ConnectionID, a.ConnectionID, maxAttempts)
		return err
	})
}

// Attempts implements [sso.Store].
func (s *Store) Attempts(ctx context.Context, org, connID string, limit int) ([]*sso.Attempt,
	error) {
	rows, err := s.db.QueryContext(ctx, s.q.listAttempts, org, connID, limit)
	if err != nil {
		return nil, fmt.Errorf("ssosql: listing attempts: %w", err)
	}
	defer rows.Close()
	var out []*sso.Attempt
	for rows.Next() {
		var a sso.Attempt
		var t sqlkit.Time
		var reason, flow string
		if err := rows.Scan(&a.ID, &a.OrganizationID, &a.ConnectionID, &t, &reason, &a.Detail,
			&a.Subject, &flow); err != nil {
			return nil, fmt.Errorf("ssosql: reading attempt: %w", err)
		}
		a.Time, a.Reason, a.Flow = t.T, sso.Reason(reason), sso.Flow(flow)
		out = append(out, &a)
	}
	return out, rows.Err()
}
