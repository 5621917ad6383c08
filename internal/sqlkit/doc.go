// Package sqlkit is the small kit that every Gatehouse SQL store shares: it
// opens SQLite and PostgreSQL databases with the settings the stores rely
// on, hides the few dialect differences the stores meet, applies each
// package's embedded migrations, and runs transactions that retry when the
// database asks them to.
//
// # Dialects
//
// A store writes its queries once, with ? placeholders, in the SQL that
// SQLite and PostgreSQL share (INSERT ... ON CONFLICT ... DO UPDATE,
// RETURNING, lower() for case-insensitive comparison, expression indexes).
// [DB.Rebind] turns the placeholders into $1, $2, ... for PostgreSQL once,
// when the store prepares its query strings. Timestamps are TIMESTAMPTZ on
// PostgreSQL and fixed-width RFC 3339 text on SQLite, so that both sort and
// compare correctly in SQL; [DB.Time] and [Time] convert them, at
// microsecond precision. JSON documents are JSONB on PostgreSQL and TEXT on
// SQLite.
//
// # Migrations
//
// Each package embeds its migrations as files named NNNN_description.sql
// and calls [Migrate] with its own name. In the SQL, the macros {{TIME}},
// {{JSON}}, {{BYTES}}, {{INT64}} and {{SERIAL}} (an auto-increment
// integer primary key) expand to the column types of the dialect. Migrate
// applies, in order and all in one transaction, the files that are not yet
// recorded in the table gatehouse_migrations. It is idempotent and safe to
// run from several processes at once: on PostgreSQL a transaction-scoped
// advisory lock, on SQLite an immediate transaction, lets one process apply
// the versions while the others wait and then find them done.
//
// # Outboxes
//
// An outbox whose positions come from an auto-increment column is read
// with a cursor. [Outbox] keeps such a reader from skipping an event on
// PostgreSQL, where positions become visible in commit order, not in the
// order they were drawn: writers call [DB.LockOutbox] first in each
// transaction that appends, readers read inside [DB.ReadOutbox].
//
// # Transactions
//
// [DB.InTx] runs a function in a transaction and runs it again, a bounded
// number of times, when SQLite reports that the database is busy or
// PostgreSQL reports a serialization failure or a deadlock. The function
// must therefore be safe to repeat: it must not have effects outside the
// transaction.
package sqlkit
