// Package secretssql is the SQL [secrets.Store] for SQLite (through
// modernc.org/sqlite) and PostgreSQL (through pgx's database/sql driver).
//
// Call [Migrate] once at start-up (it is idempotent and safe from several
// instances at once), then [New], which detects the dialect:
//
//	if err := secretssql.Migrate(ctx, db); err != nil { ... }
//	store, err := secretssql.New(db)
//	svc, err := secrets.New(secrets.Config{Store: store, Keys: ring})
//
// # What the tables hold
//
// secrets_versions holds only ciphertexts and wrapped data keys, so a copy
// of the database reveals no value without the key-encryption keys.
// secrets_api_keys holds only SHA-256 hashes of tokens. secrets_events is
// the outbox of access and change events; prune it after export with
// [secrets.Service.PruneEvents].
//
// # Queries and indexes
//
// API key verification is one lookup by the unique index on the hash, and
// reading a secret one primary-key join; both statements are prepared
// once. Rewrap walks the versions' primary key with a row-value cursor.
// Listing pages by primary key (secrets) or by (organization, id) (keys).
//
// # Concurrency
//
// A new version is a compare-and-set on the secret's latest version, so
// of two concurrent writers one wins and the other retries (the service
// does). Every change is written in one transaction with its event. On
// PostgreSQL, event writers hold an advisory lock shared and readers take
// it exclusively, so that a reader following the cursor never passes an
// event whose transaction has not committed yet.
package secretssql
