package scimsql_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
	"github.com/gatehouse/gatehouse/scim"
	"github.com/gatehouse/gatehouse/scim/scimsql"
	"github.com/gatehouse/gatehouse/scim/scimtest"
)

func newStore(t *testing.T, db *sql.DB) *scimsql.Store {
	t.Helper()
	if err := scimsql.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	if err := scimsql.Migrate(context.Background(), db); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	s, err := scimsql.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSQLite(t *testing.T) {
	t.Parallel()
	scimtest.TestStore(t, func(t *testing.T) scim.Store { return newStore(t, sqlkittest.SQLite(t)) })
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	scimtest.TestStore(t, func(t *testing.T) scim.Store { return newStore(t, sqlkittest.Postgres(t)) })
}
