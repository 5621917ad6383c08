// Package auditsql is the SQL [audit.Store] for SQLite and PostgreSQL.
//
// Appends to one organization's log lock its row in audit_logs for the
// length of the transaction (SELECT ... FOR UPDATE on PostgreSQL; on
// SQLite the write lock that the first statement takes), so that several
// host instances recording at once extend one tree. Each event's
// canonical encoding is kept byte for byte; listings are served by the
// indexes on (org, occurred_at, idx), (org, action, ...), (org, actor_id,
// ...) and the targets table.
package auditsql
