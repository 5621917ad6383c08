package domainsql_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/domain/domainsql"
	_ "modernc.org/sqlite"
)

// Domains kept in SQLite: migrate and add a domain, which waits for its
// challenge record.
func Example() {
	dir, _ := os.MkdirTemp("", "domainsql-example")
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := domainsql.Migrate(ctx, db); err != nil {
		panic(err)
	}
	store, err := domainsql.New(db)
	if err != nil {
		panic(err)
	}
	domains, err := domain.New(domain.Config{Store: store})
	if err != nil {
		panic(err)
	}
	d, err := domains.Add(ctx, "org_1", "Acme.Example.", domain.AddOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Name, d.Status)
	// Output: acme.example pending
}
