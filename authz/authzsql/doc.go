// Package authzsql is the SQL [authz.Store] for SQLite and PostgreSQL.
//
// Tuples live in one table whose primary key (organization, object type,
// object ID, relation, user type, user ID, user relation) serves the
// forward lookups of Check and ListUsers, and a second index on the user
// columns serves the reverse lookups of ListObjects. Every read is a
// single indexed query; every write batch is one transaction.
//
// On PostgreSQL the key columns use the "C" collation, so that pages come
// in byte order as on SQLite and in the memory store. Writes take the
// change log's advisory lock shared and readers of the log take it
// exclusively ([sqlkit.Outbox]), so that a watcher's cursor (ReadChanges,
// Events) never skips a change that commits late, while writes of any
// number of organizations run side by side.
package authzsql
