package secretssql_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gatehouse/gatehouse/secrets"
	"github.com/gatehouse/gatehouse/secrets/secretssql"
	_ "modernc.org/sqlite"
)

// Secrets kept in SQLite, sealed under a local key ring: migrate, put a
// secret, and read it back.
func Example() {
	dir, _ := os.MkdirTemp("", "secretssql-example")
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := secretssql.Migrate(ctx, db); err != nil {
		panic(err)
	}
	store, err := secretssql.New(db)
	if err != nil {
		panic(err)
	}
	// A real deployment reads the master keys from its environment.
	ring, err := secrets.ParseKeyRing("1:" + secrets.GenerateMasterKey())
	if err != nil {
		panic(err)
	}
	vault, err := secrets.New(secrets.Config{Store: store, Keys: ring})
	if err != nil {
		panic(err)
	}
	value := secrets.NewStringValue("sk_live_123")
	if _, err := vault.Put(ctx, "org_1", "stripe-key", value, nil); err != nil {
		panic(err)
	}
	got, err := vault.Get(ctx, "org_1", "stripe-key", secrets.GetOptions{Purpose: "billing"})
	fmt.Println(got.Version, string(got.Value.Reveal()), err)
	fmt.Println(got.Value) // values print redacted
	// Output:
	// 1 sk_live_123 <nil>
	// [REDACTED]
}
