package scimsql_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatehouse/gatehouse/scim"
	"github.com/gatehouse/gatehouse/scim/scimsql"
	_ "modernc.org/sqlite"
)

// A SCIM directory kept in SQLite: migrate, create a directory and its
// token, and provision a user through the handler.
func Example() {
	dir, _ := os.MkdirTemp("", "scimsql-example")
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
	svc, err := scim.New(scim.Config{Store: store})
	if err != nil {
		panic(err)
	}
	d, _ := svc.CreateDirectory(ctx, "org_1", "Okta")
	_, token, err := svc.IssueToken(ctx, "org_1", d.ID, "okta")
	if err != nil {
		panic(err)
	}
	req := httptest.NewRequest("POST", "/Users", strings.NewReader(`{"userName": "jane@acme.example"}`))
	req.Header.Set("Authorization", "Bearer "+token.Reveal())
	req.Header.Set("Content-Type", "application/scim+json")
	rec := httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, req)
	fmt.Println(rec.Code == http.StatusCreated)
	page, _ := svc.Users(ctx, "org_1", d.ID, scim.ListOptions{})
	fmt.Println(len(page.Users), page.Users[0].UserName)
	// Output:
	// true
	// 1 jane@acme.example
}
