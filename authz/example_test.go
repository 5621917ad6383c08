package authz_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gatehouse/gatehouse/authz"
)

func Example() {
	ctx := context.Background()
	s, err := authz.New(authz.Config{Store: authz.NewMemoryStore()})
	if err != nil {
		panic(err)
	}
	_, err = s.WriteModelDSL(ctx, "org_acme", `model
  schema 1.1
type user
type group
  relations
    define member: [user, group#member]
type folder
  relations
    define viewer: [user, group#member]
type document
  relations
    define parent: [folder]
    define viewer: [user] or viewer from parent
`)
	if err != nil {
		panic(err)
	}
	err = s.Write(ctx, "org_acme", authz.WriteRequest{Writes: []authz.Tuple{
		{Object: "group:eng", Relation: "member", User: "user:anne"},
		{Object: "folder:specs", Relation: "viewer", User: "group:eng#member"},
		{Object: "document:design", Relation: "parent", User: "folder:specs"},
	}})
	if err != nil {
		panic(err)
	}
	for _, user := range []string{"user:anne", "user:bob"} {
		ok, err := s.Check(ctx, "org_acme", authz.CheckRequest{
			Object: "document:design", Relation: "viewer", User: user})
		fmt.Println(user, ok, err)
	}
	// Output:
	// user:anne true <nil>
	// user:bob false <nil>
}

func ExampleService_AssignRole() {
	ctx := context.Background()
	s, _ := authz.New(authz.Config{Store: authz.NewMemoryStore()})
	if _, err := s.WriteModelDSL(ctx, "org_acme", authz.RolesModel); err != nil {
		panic(err)
	}
	_ = s.AssignRole(ctx, "org_acme", "admin", "user:anne")
	roles, _ := s.Roles(ctx, "org_acme", "user:anne")
	fmt.Println(roles)
	// Output: [admin member]
}

func ExampleService_Middleware() {
	ctx := context.Background()
	s, _ := authz.New(authz.Config{Store: authz.NewMemoryStore()})
	_, _ = s.WriteModelDSL(ctx, "org_acme", `model
  schema 1.1
type user
type document
  relations
    define viewer: [user]
`)
	_ = s.Write(ctx, "org_acme", authz.WriteRequest{Writes: []authz.Tuple{
		{Object: "document:plan", Relation: "viewer", User: "user:anne"}}})

	guard, err := s.Middleware(authz.MiddlewareConfig{
		Relation:     "viewer",
		Organization: func(*http.Request) (string, error) { return "org_acme", nil },
		Object:       func(r *http.Request) (string, error) { return "document:" + r.PathValue("id"), nil },
		// A real host reads the user from its session in the request context.
		User:   func(r *http.Request) (string, error) { return r.Header.Get("X-Demo-User"), nil },
		OnDeny: func(_ *http.Request, d authz.Denial) { fmt.Println("denied", d.User, d.Object) },
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /docs/{id}", guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "the plan")
	})))
	for _, user := range []string{"user:anne", "user:bob"} {
		req := httptest.NewRequest("GET", "/docs/plan", nil)
		req.Header.Set("X-Demo-User", user)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Println(user, rec.Code)
	}
	// Output:
	// user:anne 200
	// denied user:bob document:plan
	// user:bob 403
}

func ExampleService_ListObjects() {
	ctx := context.Background()
	s, _ := authz.New(authz.Config{Store: authz.NewMemoryStore()})
	_, _ = s.WriteModelDSL(ctx, "org_acme", `model
  schema 1.1
type user
type document
  relations
    define viewer: [user]
`)
	for _, doc := range []string{"a", "b", "c", "d", "e"} {
		_ = s.Write(ctx, "org_acme", authz.WriteRequest{Writes: []authz.Tuple{
			{Object: "document:" + doc, Relation: "viewer", User: "user:anne"}}})
	}
	req := authz.ListObjectsRequest{Type: "document", Relation: "viewer", User: "user:anne", Limit: 2}
	for {
		page, err := s.ListObjects(ctx, "org_acme", req)
		if err != nil {
			panic(err)
		}
		fmt.Println(page.Items)
		if page.Cursor == "" {
			break
		}
		req.Cursor = page.Cursor
	}
	// Output:
	// [document:a document:b]
	// [document:c document:d]
	// [document:e]
}

func ExampleParseDSL_error() {
	_, err := authz.ParseDSL(`model
  schema 1.1
type user
type document
  relations
    define owner: [user]
    define viewer: [user] or ownr
`)
	fmt.Println(err)
	// Output: authz: line 7: type "document", relation "viewer": relation "ownr" is not defined on type "document"
}
