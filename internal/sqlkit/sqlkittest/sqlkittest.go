package sqlkittest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/sqlkit"
)

// EnvPostgres is the environment variable that points the tests at a
// PostgreSQL database.
const EnvPostgres = "GATEHOUSE_TEST_POSTGRES"

// SQLite returns a new SQLite database in a temporary file that is removed
// when t ends.
func SQLite(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sqlkit.OpenSQLite(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Postgres returns a connection pool whose search path is a new, empty
// schema, dropped with everything in it when t ends. It skips t when
// GATEHOUSE_TEST_POSTGRES is not set.
func Postgres(t testing.TB) *sql.DB {
	t.Helper()
	dsn := os.Getenv(EnvPostgres)
	if dsn == "" {
		t.Skip(EnvPostgres + " is not set; skipping the PostgreSQL tests " +
			"(set it to a libpq URL, for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	admin, err := sqlkit.OpenPostgres(dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := "gh_test_" + randomHex(8)
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}

	scoped, err := withSearchPath(dsn, schema)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlkit.OpenPostgres(scoped)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping test schema %s: %v", schema, err)
		}
		admin.Close()
	})
	return db
}

// Each runs f as a subtest on a new SQLite database and on a new
// PostgreSQL database (skipped without GATEHOUSE_TEST_POSTGRES).
func Each(t *testing.T, f func(t *testing.T, db *sql.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { f(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, Postgres(t)) })
}

func withSearchPath(dsn, schema string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		// A keyword/value DSN.
		return dsn + " search_path=" + schema, nil
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// AdvisoryWaiter waits up to ten seconds for a session of the PostgreSQL
// database db to wait for an advisory lock, and reports whether one did.
// Tests of an outbox reader ([sqlkit.DB.ReadOutbox]) use it to know that
// the reader is queued behind an open writer before they let the writer
// commit.
func AdvisoryWaiter(t testing.TB, db *sql.DB) bool {
	t.Helper()
	const waiting = `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		var n int
		if err := db.QueryRow(waiting).Scan(&n); err != nil {
			t.Error(err)
			return false
		}
		if n > 0 {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}
