// Package ssosql is the SQL [sso.Store] for SQLite (modernc.org/sqlite)
// and PostgreSQL (pgx), in the tables sso_connections, sso_login_states,
// sso_used, sso_attempts and sso_events.
//
// Connections are kept as JSON documents next to the columns that queries
// use; every query that a login runs is served by a primary key or an
// index. Expired login states and replay entries are deleted now and then
// by the writes that add new ones.
//
// sso_events is the outbox of connection events: a change of a connection
// and its events are written in one transaction, and on PostgreSQL the
// writers hold the outbox's advisory lock shared while [Store.Events]
// takes it exclusively, so that a reader never moves its cursor past an
// event whose transaction commits late.
package ssosql
