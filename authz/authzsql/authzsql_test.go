package authzsql_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/authz/authzsql"
	"github.com/gatehouse/gatehouse/authz/authztest"
	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
)

func newStore(t testing.TB, db *sql.DB) *authzsql.Store {
	t.Helper()
	if err := authzsql.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	if err := authzsql.Migrate(context.Background(), db); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	s, err := authzsql.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStoreSQLite(t *testing.T) {
	t.Parallel()
	authztest.TestStore(t, func(t *testing.T) authz.Store { return newStore(t, sqlkittest.SQLite(t)) })
}

func TestStorePostgres(t *testing.T) {
	t.Parallel()
	authztest.TestStore(t, func(t *testing.T) authz.Store { return newStore(t, sqlkittest.Postgres(t)) })
}

const driveModel = `model
  schema 1.1
type user
type group
  relations
    define member: [user, group#member]
type folder
  relations
    define parent: [folder]
    define viewer: [user, group#member] or viewer from parent
type document
  relations
    define parent: [folder]
    define blocked: [user]
    define viewer: [user, user:*] or viewer from parent
    define can_view: viewer but not blocked
`

func TestServiceOnSQL(t *testing.T) {
	t.Parallel()
	sqlkittest.Each(t, func(t *testing.T, db *sql.DB) {
		t.Parallel()
		ctx := context.Background()
		store := newStore(t, db)
		s, err := authz.New(authz.Config{Store: store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.WriteModelDSL(ctx, "org", driveModel); err != nil {
			t.Fatal(err)
		}
		err = s.Write(ctx, "org", authz.WriteRequest{Writes: []authz.Tuple{
			{Object: "group:eng", Relation: "member", User: "user:anne"},
			{Object: "folder:root", Relation: "viewer", User: "group:eng#member"},
			{Object: "folder:sub", Relation: "parent", User: "folder:root"},
			{Object: "document:a", Relation: "parent", User: "folder:sub"},
			{Object: "document:b", Relation: "parent", User: "folder:sub"},
			{Object: "document:b", Relation: "blocked", User: "user:anne"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		// A second instance on the same database reads the writes.
		other, _ := authz.New(authz.Config{Store: newStore(t, db)})
		ok, err := other.Check(ctx, "org", authz.CheckRequest{Object: "document:a", Relation: "can_view", User: "user:anne"})
		if !ok || err != nil {
			t.Errorf("Check = %v, %v; want allowed", ok, err)
		}
		p, err := other.ListObjects(ctx, "org", authz.ListObjectsRequest{Type: "document", Relation: "can_view", User: "user:anne"})
		if err != nil || len(p.Items) != 1 || p.Items[0] != "document:a" {
			t.Errorf("ListObjects = %v, %v; want [document:a]", p.Items, err)
		}
		u, err := other.ListUsers(ctx, "org", authz.ListUsersRequest{Object: "document:b", Relation: "viewer", UserType: "user"})
		if err != nil || len(u.Items) != 1 || u.Items[0] != "user:anne" {
			t.Errorf("ListUsers = %v, %v; want [user:anne]", u.Items, err)
		}
	})
}

// TestLookupsUseIndexes checks SQLite's plan for the hot-path queries.
func TestLookupsUseIndexes(t *testing.T) {
	t.Parallel()
	db := sqlkittest.SQLite(t)
	newStore(t, db)
	queries := map[string]string{
		"lookup": `SELECT condition_name FROM authz_tuples WHERE org = 'o' AND object_type = 'd' AND object_id = '1'
			AND relation = 'v' AND user_type = 'u' AND user_id = 'a' AND user_relation = ''`,
		"forward": `SELECT user_id FROM authz_tuples WHERE org = 'o' AND object_type = 'd' AND object_id = '1'
			AND relation = 'v' ORDER BY object_type, object_id, relation, user_type, user_id, user_relation`,
		"usersets": `SELECT user_id FROM authz_tuples WHERE org = 'o' AND object_type = 'd' AND object_id = '1'
			AND relation = 'v' AND user_relation <> ''`,
		"reverse": `SELECT object_id FROM authz_tuples WHERE org = 'o' AND user_type = 'u' AND user_id = 'a'
			AND user_relation = '' AND object_type = 'd' AND relation = 'v'
			ORDER BY object_type, object_id, relation, user_type, user_id, user_relation`,
	}
	for name, q := range queries {
		rows, err := db.Query("EXPLAIN QUERY PLAN " + q)
		if err != nil {
			t.Fatal(err)
		}
		var plan string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan += detail + "; "
		}
		rows.Close()
		if !strings.Contains(plan, "USING INDEX") && !strings.Contains(plan, "USING PRIMARY KEY") &&
			!strings.Contains(plan, "USING COVERING INDEX") {
			t.Errorf("%s query is not served by an index: %s", name, plan)
		}
		if strings.Contains(plan, "SCAN authz_tuples") && !strings.Contains(plan, "INDEX") {
			t.Errorf("%s query scans the table: %s", name, plan)
		}
	}
}

func TestEngineOnSQL(t *testing.T) {
	t.Parallel()
	sqlkittest.Each(t, func(t *testing.T, db *sql.DB) {
		t.Parallel()
		authztest.TestEngine(t, func(t *testing.T) authz.Store { return newStore(t, db) })
	})
}
