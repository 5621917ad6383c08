package auditsql_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/gatehouse/gatehouse/audit/auditsql"
	"github.com/gatehouse/gatehouse/audit/audittest"
	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
)

func newStore(t testing.TB, db *sql.DB) *auditsql.Store {
	t.Helper()
	if err := auditsql.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	st, err := auditsql.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestStoreSQLite(t *testing.T) {
	t.Parallel()
	audittest.TestStore(t, func(t *testing.T) audit.Store { return newStore(t, sqlkittest.SQLite(t)) })
}

func TestStorePostgres(t *testing.T) {
	t.Parallel()
	audittest.TestStore(t, func(t *testing.T) audit.Store { return newStore(t, sqlkittest.Postgres(t)) })
}
