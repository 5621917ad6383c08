package auditsql_test

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/gatehouse/gatehouse/audit/auditsql"
	_ "modernc.org/sqlite"
)

// An audit log kept in SQLite: migrate, record an event, and read the
// size of the organization's tree.
func Example() {
	dir, _ := os.MkdirTemp("", "auditsql-example")
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := auditsql.Migrate(ctx, db); err != nil {
		panic(err)
	}
	store, err := auditsql.New(db)
	if err != nil {
		panic(err)
	}
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)) // use a kept key
	log, err := audit.New(audit.Config{Store: store, Signer: key})
	if err != nil {
		panic(err)
	}
	err = log.Record(ctx, audit.Event{OrganizationID: "org_1", Action: "user.signed_in",
		Actor: audit.Actor{Type: "user", ID: "jane"}})
	if err != nil {
		panic(err)
	}
	head, _ := store.Head(ctx, "org_1")
	fmt.Println("events in the tree:", head.Tree.Size)
	// Output: events in the tree: 1
}
