package secretssql_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
	"github.com/gatehouse/gatehouse/secrets"
	"github.com/gatehouse/gatehouse/secrets/secretssql"
	"github.com/gatehouse/gatehouse/secrets/secretstest"
)

func newStore(t testing.TB, db *sql.DB) *secretssql.Store {
	t.Helper()
	if err := secretssql.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	st, err := secretssql.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestSQLiteStore(t *testing.T) {
	t.Parallel()
	secretstest.TestStore(t,
		func(t *testing.T) secrets.Store { return newStore(t, sqlkittest.SQLite(t)) })
}

func TestPostgresStore(t *testing.T) {
	t.Parallel()
	secretstest.TestStore(t,
		func(t *testing.T) secrets.Store { return newStore(t, sqlkittest.Postgres(t)) })
}

func TestNewNeedsMigrate(t *testing.T) {
	t.Parallel()
	if _, err := secretssql.New(sqlkittest.SQLite(t)); err == nil || !strings.Contains(err.Error(), "Migrate") {
		t.Errorf("New before Migrate: %v; want an error that names Migrate", err)
	}
	if _, err := secretssql.New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	db := sqlkittest.SQLite(t)
	for range 2 { // Migrate is idempotent
		if err := secretssql.Migrate(context.Background(), db); err != nil {
			t.Fatal(err)
		}
	}
}
