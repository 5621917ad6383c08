// Package ssosql is the SQL [sso.Store] for SQLite (modernc.org/sqlite)
// and PostgreSQL (pgx), in the tables sso_connections, sso_login_states,
// sso_used and sso_attempts.
//
// Connections are kept as JSON documents next to the columns that queries
// use; every query that a login runs is served by a primary key or an
// index. Expired login states and replay entries are deleted now and then
// by the writes that add new ones.
package ssosql
