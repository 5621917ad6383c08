package ssosql_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssosql"
	_ "modernc.org/sqlite"
)

// The SQL store keeps the replay cache that every instance shares: an
// assertion ID remembered once is refused the second time.
func Example() {
	dir, _ := os.MkdirTemp("", "ssosql-example")
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := ssosql.Migrate(ctx, db); err != nil {
		panic(err)
	}
	store, err := ssosql.New(db)
	if err != nil {
		panic(err)
	}
	now := time.Now()
	first := store.Remember(ctx, "assertion:_a1b2", now.Add(time.Hour), now)
	second := store.Remember(ctx, "assertion:_a1b2", now.Add(time.Hour), now)
	fmt.Println(first, errors.Is(second, sso.ErrReplay))
	// Output: <nil> true
}
