// Package domainsql is a [domain.Store] on SQLite (modernc.org/sqlite) or
// PostgreSQL (github.com/jackc/pgx/v5/stdlib), through database/sql.
//
// Run [Migrate] once at start-up (it is idempotent and safe from several
// instances at once), then [New]:
//
//	db, err := sqlkit.OpenSQLite("app.db") // or sql.Open("pgx", url)
//	...
//	if err := domainsql.Migrate(ctx, db); err != nil { ... }
//	store, err := domainsql.New(db)
//
// Capture lookups are served by a partial unique index on the names of
// verified domains, which is also what keeps a name verified for at most
// one organization; re-verification scans a partial index on the last
// check time.
package domainsql
