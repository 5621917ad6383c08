package sqlkit

import (
	"context"
	"database/sql"
)

// Outbox orders an outbox table whose positions come from an
// auto-increment column, so that a reader that follows the positions as a
// cursor never skips an event.
//
// On PostgreSQL a position is drawn when a row is inserted but becomes
// visible when its transaction commits, so a reader can see position 11
// before 10 commits, move its cursor past 10 and never see it. Writers
// therefore take the outbox's advisory lock shared ([DB.LockOutbox]),
// first thing in each transaction that appends, and readers take it
// exclusively ([DB.ReadOutbox]), which waits for every transaction that
// may hold a drawn position. Writers still run side by side. SQLite needs
// neither: its writers are serialized, so position order is commit order.
//
// The lock is named by the outbox and the current schema, so that
// deployments (or tests) that share a PostgreSQL database in separate
// schemas never wait for each other's outboxes.
type Outbox struct {
	name string
}

// NewOutbox names an outbox; the name picks its lock.
func NewOutbox(name string) Outbox {
	return Outbox{name: "gatehouse.outbox." + name}
}

// outboxKey is the advisory lock key of an outbox in the current schema.
// coalesce matters: an advisory lock function given NULL locks nothing.
const outboxKey = `hashtextextended(coalesce(current_schema(), '') || '/' || $1, 0)`

// Queryer is what both *sql.DB and *sql.Tx offer for reading.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// LockOutbox takes the outbox's lock shared inside tx, on PostgreSQL.
//
// SAFETY: call it before the transaction takes any row lock and before
// it inserts into the outbox, or a reader may skip the event.
func (db *DB) LockOutbox(ctx context.Context, tx *sql.Tx, o Outbox) error {
	if db.Dialect != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock_shared("+outboxKey+")", o.name)
	return err
}

// ReadOutbox runs read where no transaction that may still commit an
// earlier position is in flight: on PostgreSQL in a transaction that
// holds the outbox's lock exclusively, on SQLite on db itself.
func (db *DB) ReadOutbox(ctx context.Context, o Outbox, read func(Queryer) error) error {
	if db.Dialect != Postgres {
		return read(db.DB)
	}
	return db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock("+outboxKey+")", o.name); err != nil {
			return err
		}
		return read(tx)
	})
}
