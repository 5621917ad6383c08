package authz

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

type ctxUser struct{}

func rolesService(t *testing.T) *Service {
	t.Helper()
	s, err := New(Config{Store: NewMemoryStore()})
	if err != nil {
		t.Fatal(err)
	}
	src := RolesModel + `
type document
  relations
    define organization: [organization]
    define owner: [user]
    define viewer: [user, group#member] or owner or member from organization
`
	if _, err := s.WriteModelDSL(context.Background(), "acme", src); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	s := rolesService(t)
	ctx := context.Background()
	if err := s.Write(ctx, "acme", WriteRequest{Writes: []Tuple{
		tup("document:plan", "owner", "user:anne"),
		tup("document:plan", "organization", "organization:acme"),
	}}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var denials []Denial
	cfg := MiddlewareConfig{
		Relation:     "viewer",
		Organization: func(r *http.Request) (string, error) { return r.Header.Get("X-Org"), nil },
		Object:       func(r *http.Request) (string, error) { return "document:" + r.PathValue("id"), nil },
		User: func(r *http.Request) (string, error) {
			u, _ := r.Context().Value(ctxUser{}).(string)
			return u, nil
		},
		OnDeny: func(_ *http.Request, d Denial) { mu.Lock(); denials = append(denials, d); mu.Unlock() },
	}
	mw, err := s.Middleware(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hidden := cfg
	hidden.HideDenied = true
	mwHidden, _ := s.Middleware(hidden)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	mux := http.NewServeMux()
	mux.Handle("GET /docs/{id}", mw(ok))
	mux.Handle("GET /hidden/{id}", mwHidden(ok))

	if err := s.AssignRole(ctx, "acme", "member", "user:bob"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, org, user string
		status                int
		code                  string
	}{
		{"owner", "/docs/plan", "acme", "user:anne", http.StatusTeapot, ""},
		{"organization member", "/docs/plan", "acme", "user:bob", http.StatusTeapot, ""},
		{"stranger", "/docs/plan", "acme", "user:eve", http.StatusForbidden, "forbidden"},
		{"stranger hidden", "/hidden/plan", "acme", "user:eve", http.StatusNotFound, "not_found"},
		{"no user", "/docs/plan", "acme", "", http.StatusUnauthorized, "unauthenticated"},
		{"other organization", "/docs/plan", "evil", "user:anne", http.StatusInternalServerError, "authorization_failed"},
		{"no organization", "/docs/plan", "", "user:anne", http.StatusForbidden, "forbidden"},
		{"malformed user", "/docs/plan", "acme", "anne", http.StatusNotFound, "not_found"},
		{"object id with a hash", "/docs/plan%23owner", "acme", "user:anne", http.StatusNotFound, "not_found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", tc.path, nil)
			req.Header.Set("X-Org", tc.org)
			req = req.WithContext(context.WithValue(req.Context(), ctxUser{}, tc.user))
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.code != "" {
				var body struct {
					Error struct{ Code, Message string }
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != tc.code {
					t.Errorf("body = %s, want code %q", rec.Body, tc.code)
				}
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if len(denials) != 6 || denials[0].User != "user:eve" || denials[0].Object != "document:plan" {
		t.Errorf("denials reported = %+v", denials)
	}
	if _, err := s.Middleware(MiddlewareConfig{Relation: "viewer"}); err == nil {
		t.Error("incomplete middleware configuration was accepted")
	}
}

func TestRoles(t *testing.T) {
	t.Parallel()
	s := rolesService(t)
	ctx := context.Background()
	for _, a := range [][2]string{{"owner", "user:olga"}, {"admin", "group:ops#member"}, {"member", "user:mia"}} {
		if err := s.AssignRole(ctx, "acme", a[0], a[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AssignRole(ctx, "acme", "member", "user:mia"); err != nil {
		t.Errorf("assigning a held role again: %v", err)
	}
	if err := s.Write(ctx, "acme", WriteRequest{Writes: []Tuple{tup("group:ops", "member", "user:oz")}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		user string
		want []string
	}{
		{"user:olga", []string{"owner", "admin", "member"}},
		{"user:oz", []string{"admin", "member"}},
		{"user:mia", []string{"member"}},
		{"user:nobody", []string{}},
	}
	for _, tc := range tests {
		got, err := s.Roles(ctx, "acme", tc.user)
		if err != nil || strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("Roles(%s) = %v, %v; want %v", tc.user, got, err, tc.want)
		}
	}
	members, err := s.RoleMembers(ctx, "acme", "member", "user", "", 0)
	if err != nil || strings.Join(members.Items, ",") != "user:mia,user:olga,user:oz" {
		t.Errorf("RoleMembers = %v, %v", members.Items, err)
	}
	if err := s.RevokeRole(ctx, "acme", "member", "user:mia"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.HasRole(ctx, "acme", "member", "user:mia"); ok {
		t.Error("revoked role is still held")
	}
	if err := s.AssignRole(ctx, "acme", "superuser", "user:mia"); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("unknown role: %v", err)
	}
}

func TestAdminHandler(t *testing.T) {
	t.Parallel()
	s := rolesService(t)
	h, err := s.Handler(HandlerConfig{Organization: func(r *http.Request) (string, error) {
		if org := r.Header.Get("X-Admin-Of"); org != "" {
			return org, nil
		}
		return "", errors.New("not an admin")
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	do := func(method, path, org, ctype, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if org != "" {
			req.Header.Set("X-Admin-Of", org)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	const js = "application/json"
	tests := []struct {
		name, method, path, org, ctype, body string
		status                               int
		code                                 string
	}{
		{"write", "POST", "/tuples", "acme", js, `{"writes":[{"object":"document:a","relation":"owner","user":"user:anne"}]}`, 204, ""},
		{"duplicate", "POST", "/tuples", "acme", js, `{"writes":[{"object":"document:a","relation":"owner","user":"user:anne"}]}`, 409, "conflict"},
		{"not allowed", "POST", "/tuples", "acme", js, `{"writes":[{"object":"document:a","relation":"owner","user":"group:x"}]}`, 400, "invalid_request"},
		{"unknown field", "POST", "/tuples", "acme", js, `{"write":[]}`, 400, "invalid_json"},
		{"check", "POST", "/check", "acme", js, `{"object":"document:a","relation":"viewer","user":"user:anne"}`, 200, ""},
		{"batch check", "POST", "/batch-check", "acme", js, `{"checks":[{"object":"document:a","relation":"viewer","user":"user:anne"},{"object":"document:a","relation":"x","user":"user:anne"}]}`, 200, ""},
		{"expand", "POST", "/expand", "acme", js, `{"object":"document:a","relation":"viewer"}`, 200, ""},
		{"explain", "POST", "/explain", "acme", js, `{"object":"document:a","relation":"viewer","user":"user:anne"}`, 200, ""},
		{"explain missing param", "POST", "/explain", "acme", js, `{"object":"document:a","relation":"nope","user":"user:anne"}`, 400, "invalid_request"},
		{"list objects", "POST", "/list-objects", "acme", js, `{"type":"document","relation":"viewer","user":"user:anne"}`, 200, ""},
		{"list users", "POST", "/list-users", "acme", js, `{"object":"document:a","relation":"viewer","user_type":"user"}`, 200, ""},
		{"tuples", "GET", "/tuples?object_type=document", "acme", "", "", 200, ""},
		{"bad limit", "GET", "/tuples?limit=0", "acme", "", "", 400, "invalid_request"},
		{"bad cursor", "GET", "/tuples?cursor=zzz", "acme", "", "", 400, "invalid_cursor"},
		{"changes", "GET", "/changes", "acme", "", "", 200, ""},
		{"model", "GET", "/model", "acme", "", "", 200, ""},
		{"model in another org", "GET", "/model", "other", "", "", 404, "not_found"},
		{"models", "GET", "/models?limit=5", "acme", "", "", 200, ""},
		{"models bad cursor", "GET", "/models?cursor=!!", "acme", "", "", 400, "invalid_cursor"},
		{"new model DSL", "POST", "/model", "acme", "text/plain", RolesModel, 201, ""},
		{"bad model DSL", "POST", "/model", "acme", "text/plain", "model\n schema 1.1\ntype user\ntype d\n relations\n  define v: [nobody]", 400, "invalid_model"},
		{"not an admin", "GET", "/tuples", "", "", "", 403, "forbidden"},
		{"wrong content type", "POST", "/check", "acme", "application/xml", "<check/>", 415, "unsupported_media_type"},
		{"body too large", "POST", "/tuples", "acme", js, `{"writes":[` + strings.Repeat(" ", 1<<20) + `]}`, 413, "body_too_large"},
		{"trailing data", "POST", "/check", "acme", js, `{"object":"document:a","relation":"viewer","user":"user:anne"} {}`, 400, "invalid_json"},
	}
	for _, tc := range tests {
		status, body := do(tc.method, tc.path, tc.org, tc.ctype, tc.body)
		if status != tc.status {
			t.Errorf("%s: status %d, want %d (%v)", tc.name, status, tc.status, body)
			continue
		}
		if tc.code != "" {
			e, _ := body["error"].(map[string]any)
			if e["code"] != tc.code {
				t.Errorf("%s: body %v, want code %q", tc.name, body, tc.code)
			}
		}
		if tc.name == "batch check" {
			rs, _ := body["results"].([]any)
			if len(rs) != 2 {
				t.Fatalf("batch check: %v", body)
			}
			first, _ := rs[0].(map[string]any)
			second, _ := rs[1].(map[string]any)
			if first["allowed"] != true || second["error"] == nil {
				t.Errorf("batch check: %v", body)
			}
		}
		if (tc.name == "check" || tc.name == "explain") && body["allowed"] != true {
			t.Errorf("check: %v", body)
		}
	}
	// The other organization sees none of acme's tuples.
	if _, body := do("GET", "/tuples", "other", "", ""); len(body["tuples"].([]any)) != 0 {
		t.Errorf("other organization reads acme's tuples: %v", body)
	}
}
