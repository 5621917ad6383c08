// Package scimsql is the [scim.Store] for SQLite and PostgreSQL.
//
// # Queries
//
// Equality on userName, externalId, id, displayName, active and
// emails.value (Entra ID's emails[type eq "work"].value lookup included),
// userName sw with an ASCII prefix, and meta.lastModified comparisons are
// translated into SQL served by indexes, as are sorts by id, userName,
// displayName, meta.created and meta.lastModified. co, sw and ew on
// userName, displayName and externalId become LIKE, with its wildcards
// escaped: the database scans the directory, but only the matches reach
// Go. What cannot be translated exactly is narrowed in SQL where an and
// allows and evaluated with [scim.Filter.Match] on the rows that remain;
// the rest (ne, not, and attributes without a column) reads the
// directory's rows. Statements are prepared once and cached.
//
// # Writes
//
// Every Update is one database transaction, retried on transient
// conflicts, and writes its outbox events in it. Group members live in
// their own table keyed by directory, group and member, so adding one
// member to a large group or deleting the group never reads the other
// members. userName uniqueness is a unique index on the folded name.
//
// # PostgreSQL
//
// Text keys use the C collation, so that order matches Go's. Writers take
// the event outbox's advisory lock shared and readers of events take it
// exclusively ([sqlkit.Outbox]), so that a cursor never passes an event
// that commits late, while writes of any number of directories run side
// by side. The planner needs statistics; after a bulk import, run
// ANALYZE.
package scimsql
