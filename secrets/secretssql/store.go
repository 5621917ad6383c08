package secretssql

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/secrets"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrate creates or updates the tables of the store.
func Migrate(ctx context.Context, db *sql.DB) error {
	if err := sqlkit.MigrateDB(ctx, db, "secrets", migrationFiles, "migrations"); err != nil {
		return fmt.Errorf("secretssql: migrating: %w", err)
	}
	return nil
}

// Store is a [secrets.Store] in SQLite or PostgreSQL. It is safe for
// concurrent use, and any number of host instances may share a database.
type Store struct {
	db *sqlkit.DB
	q  queries
	// byHash and version serve the hot paths (verification, reads),
	// prepared once: parsing them on every request costs SQLite more
	// than running them.
	byHash, version *sql.Stmt
}

var _ secrets.Store = (*Store)(nil)

// New returns a Store on db, whose dialect it detects. The tables must
// exist: call [Migrate] first.
func New(db *sql.DB) (*Store, error) {
	d, err := sqlkit.Wrap(db)
	if err != nil {
		return nil, fmt.Errorf("secretssql: %w", err)
	}
	st := &Store{db: d, q: prepare(d)}
	if st.byHash, err = db.Prepare(st.q.keyByHash); err == nil {
		st.version, err = db.Prepare(st.q.version)
	}
	if err != nil {
		return nil, fmt.Errorf("secretssql: preparing queries (did Migrate run?): %w", err)
	}
	return st, nil
}

// execer is what both *sql.DB and *sql.Tx offer.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// outbox orders the event outbox: see [sqlkit.Outbox]. Writers take its
// lock first in their transaction, before any row lock, so that a writer
// never waits on it while holding a row another writer needs.
var outbox = sqlkit.NewOutbox("secrets")

func (s *Store) appendEvent(ctx context.Context, x execer, ev secrets.Event) error {
	args, err := s.eventArgs(ev)
	if err == nil {
		_, err = x.ExecContext(ctx, s.q.insertEvent, args...)
	}
	if err != nil {
		return fmt.Errorf("recording event: %w", err)
	}
	return nil
}

// eventArgs are the arguments of the insertEvent statement.
func (s *Store) eventArgs(ev secrets.Event) ([]any, error) {
	data, err := json.Marshal(ev.Data)
	if err != nil {
		return nil, err
	}
	return []any{ev.ID, ev.Type, ev.OrganizationID, s.db.Time(ev.Time), ev.Actor.Type, ev.Actor.ID,
		string(data)}, nil
}

// AppendEvent implements [secrets.Store].
func (s *Store) AppendEvent(ctx context.Context, ev secrets.Event) error {
	if s.db.Dialect != sqlkit.Postgres {
		return s.appendEvent(ctx, s.db, ev)
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error { return s.appendEvent(ctx, tx, ev) })
}

// writeTx runs fn in a transaction that may record events, holding the
// outbox's lock shared.
func (s *Store) writeTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.db.LockOutbox(ctx, tx, outbox); err != nil {
			return err
		}
		return fn(tx)
	})
}

// Events implements [secrets.Store]. It reads inside
// [sqlkit.DB.ReadOutbox], so that it never returns an event while an
// earlier one is still uncommitted.
func (s *Store) Events(ctx context.Context, after string, limit int) ([]secrets.Event, error) {
	var seq int64
	if after != "" {
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil || n < 0 {
			return nil, errors.New("secretssql: malformed event cursor")
		}
		seq = n
	}
	var out []secrets.Event
	err := s.db.ReadOutbox(ctx, outbox, func(q sqlkit.Queryer) error {
		var err error
		out, err = s.readEvents(ctx, q, seq, max(limit, 1))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("secretssql: reading events: %w", err)
	}
	return out, nil
}

func (s *Store) readEvents(ctx context.Context, x sqlkit.Queryer, seq int64, limit int) ([]secrets.Event, error) {
	rows, err := x.QueryContext(ctx, s.q.events, seq, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []secrets.Event
	for rows.Next() {
		var ev secrets.Event
		var t sqlkit.Time
		var data []byte
		if err := rows.Scan(&seq, &ev.ID, &ev.Type, &ev.OrganizationID, &t, &ev.Actor.Type,
			&ev.Actor.ID, &data); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &ev.Data); err != nil {
			return nil, fmt.Errorf("decoding an event: %w", err)
		}
		ev.Time, ev.Cursor = t.T, strconv.FormatInt(seq, 10)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// rowsAffected turns "no row changed" into err.
func rowsAffected(res sql.Result, err error, none error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return none
	}
	return nil
}

// PruneEvents implements [secrets.Store].
func (s *Store) PruneEvents(ctx context.Context, through string) (int, error) {
	seq, err := strconv.ParseInt(through, 10, 64)
	if err != nil || seq < 0 {
		return 0, errors.New("secretssql: malformed event cursor")
	}
	res, err := s.db.ExecContext(ctx, s.q.pruneEvents, seq)
	if err != nil {
		return 0, fmt.Errorf("secretssql: pruning events: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
