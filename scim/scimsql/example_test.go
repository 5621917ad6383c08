package scimsql_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gatehouse/gatehouse/scim"
	"github.com/gatehouse/gatehouse/scim/scimsql"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// ExampleNew keeps a SCIM service's state in SQLite.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "scimsql")
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		panic(err)
	}
	defer db.Close()

	ctx := context.Background()
	if err := scimsql.Migrate(ctx, db); err != nil {
		panic(err)
	}
	store, err := scimsql.New(db)
	if err != nil {
		panic(err)
	}
	svc, _ := scim.New(scim.Config{Store: store})
	d, _ := svc.CreateDirectory(ctx, "org_acme", "Okta")
	ds, _ := svc.Directories(ctx, "org_acme")
	fmt.Println(len(ds), ds[0].Name, ds[0].ID == d.ID)
	// Output: 1 Okta true
}
