package secretssql

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/secrets"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrate creates or updates the tables of the store.
func Migrate(ctx context.Context, db *sql.DB) error {
	d, err := sqlkit.Wrap(db)
	if err != nil {
		return fmt.Errorf("secretssql: %w", err)
	}
	sub, _ := fs.Sub(migrationFiles, "migrations")
	if err := sqlkit.Migrate(ctx, d, "secrets", sub); err != nil {
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

// outboxLock is the PostgreSQL advisory lock that orders the outbox.
// There, an event's seq is drawn when it is inserted but becomes visible
// when its transaction commits, so a reader could see seq 11 before seq
// 10 commits and then skip it for good. Writers therefore hold this lock
// shared from the start of their transaction until they commit, and
// readers take it exclusively, which waits for every transaction that
// may have drawn a seq. Taking it first, before any row lock, keeps a
// writer from waiting on the lock while holding a row another writer
// needs. SQLite needs none: its writers are serialized, so seq order is
// commit order.
const outboxLock = 0x73656372657473 // "secrets"

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

// lockOutbox takes the outbox lock in the transaction x, on PostgreSQL.
func (s *Store) lockOutbox(ctx context.Context, x execer, fn string) error {
	if s.db.Dialect != sqlkit.Postgres {
		return nil
	}
	_, err := x.ExecContext(ctx, "SELECT "+fn+"($1)", int64(outboxLock))
	return err
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

// writeTx runs fn in a transaction that may record events: on PostgreSQL
// it first takes the outbox lock shared (see outboxLock).
func (s *Store) writeTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockOutbox(ctx, tx, "pg_advisory_xact_lock_shared"); err != nil {
			return err
		}
		return fn(tx)
	})
}

// Events implements [secrets.Store]. On PostgreSQL it first waits for
// the transactions that are writing events (see outboxLock), so that it
// never returns an event while an earlier one is still uncommitted.
func (s *Store) Events(ctx context.Context, after string, limit int) ([]secrets.Event, error) {
	var seq int64
	if after != "" {
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil || n < 0 {
			return nil, errors.New("secretssql: malformed event cursor")
		}
		seq = n
	}
	if s.db.Dialect != sqlkit.Postgres {
		out, err := s.readEvents(ctx, s.db, seq, max(limit, 1))
		if err != nil {
			return nil, fmt.Errorf("secretssql: reading events: %w", err)
		}
		return out, nil
	}
	var out []secrets.Event
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockOutbox(ctx, tx, "pg_advisory_xact_lock"); err != nil {
			return err
		}
		var err error
		out, err = s.readEvents(ctx, tx, seq, max(limit, 1))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("secretssql: reading events: %w", err)
	}
	return out, nil
}

func (s *Store) readEvents(ctx context.Context, x execer, seq int64, limit int) ([]secrets.Event, error) {
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
