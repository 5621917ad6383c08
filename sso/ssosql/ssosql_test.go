package ssosql_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssosql"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

func TestStore(t *testing.T) {
	t.Parallel()
	for _, d := range []struct {
		name string
		open func(testing.TB) *sql.DB
	}{{"sqlite", sqlkittest.SQLite}, {"postgres", sqlkittest.Postgres}} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ssotest.TestStore(t, func(t *testing.T) sso.Store {
				db := d.open(t)
				if err := ssosql.Migrate(context.Background(), db); err != nil {
					t.Fatal(err)
				}
				s, err := ssosql.New(db)
				if err != nil {
					t.Fatal(err)
				}
				return s
			})
		})
	}
}

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	sqlkittest.Each(t, func(t *testing.T, db *sql.DB) {
		for range 2 {
			if err := ssosql.Migrate(context.Background(), db); err != nil {
				t.Fatal(err)
			}
		}
	})
}
