package domainsql_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/domain/domainsql"
	"github.com/gatehouse/gatehouse/domain/domaintest"
	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
)

func newStore(t *testing.T, db *sql.DB) domain.Store { return newStoreTB(t, db) }

func newStoreTB(t testing.TB, db *sql.DB) domain.Store {
	t.Helper()
	if err := domainsql.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	s, err := domainsql.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSQLite(t *testing.T) {
	t.Parallel()
	domaintest.TestStore(t, func(t *testing.T) domain.Store { return newStore(t, sqlkittest.SQLite(t)) })
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	domaintest.TestStore(t, func(t *testing.T) domain.Store { return newStore(t, sqlkittest.Postgres(t)) })
}
