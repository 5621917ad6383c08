package authzsql_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/authz/authzsql"
	_ "modernc.org/sqlite"
)

// Tuples kept in SQLite: migrate, write a model and a tuple, check.
func Example() {
	dir, _ := os.MkdirTemp("", "authzsql-example")
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := authzsql.Migrate(ctx, db); err != nil {
		panic(err)
	}
	store, err := authzsql.New(db)
	if err != nil {
		panic(err)
	}
	engine, err := authz.New(authz.Config{Store: store, CheckCacheSize: 10_000})
	if err != nil {
		panic(err)
	}
	_, err = engine.WriteModelDSL(ctx, "org_1", `model
  schema 1.1
type user
type document
  relations
    define viewer: [user]
`)
	if err != nil {
		panic(err)
	}
	err = engine.Write(ctx, "org_1", authz.WriteRequest{Writes: []authz.Tuple{
		{Object: "document:plan", Relation: "viewer", User: "user:jane"}}})
	if err != nil {
		panic(err)
	}
	ok, err := engine.Check(ctx, "org_1", authz.CheckRequest{Object: "document:plan",
		Relation: "viewer", User: "user:jane"})
	fmt.Println(ok, err)
	// Output: true <nil>
}
