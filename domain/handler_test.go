package domain_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/domain"
)

// adminServer mounts the admin API as a host would, on a Go 1.22 pattern
// with the organization in the path and a bearer token per organization.
func adminServer(t *testing.T, f *fixture) *httptest.Server {
	t.Helper()
	tokens := map[string]string{"token-a": "org_a", "token-b": "org_b"}
	svc, err := domain.New(domain.Config{
		Store:    f.store,
		Resolver: domain.NewNetResolver(f.dns.Addr(), 0),
		Clock:    f.clock.now,
		Organization: func(r *http.Request) (string, error) {
			org := tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
			if org == "" || org != r.PathValue("org") {
				return "", errors.New("not an admin of this organization")
			}
			return org, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	mux := http.NewServeMux()
	mux.Handle("/orgs/{org}/domains/", http.StripPrefix("/orgs/", stripOrg(svc.AdminHandler())))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// stripOrg removes "{org}/domains" from the path the way a host's router
// would before handing the rest to the admin API.
func stripOrg(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, rest, _ := strings.Cut(r.URL.Path, "/domains")
		r.URL.Path = rest
		r.URL.RawPath = ""
		h.ServeHTTP(w, r)
	})
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func call(t *testing.T, srv *httptest.Server, token, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: response %q is not JSON: %v", method, path, data, err)
		}
	}
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("%s %s: error with content type %q", method, path, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode
}

type domainView struct {
	ID        string `json:"id"`
	Domain    string `json:"domain"`
	Status    string `json:"status"`
	Challenge struct {
		RecordName  string `json:"record_name"`
		RecordValue string `json:"record_value"`
	} `json:"challenge"`
}

func TestAdminFlow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv := adminServer(t, f)
	base := "/orgs/org_a/domains"

	var d domainView
	if code := call(t, srv, "token-a", "POST", base+"/", `{"domain": "Example.com"}`, &d); code != 201 {
		t.Fatalf("add: status %d", code)
	}
	if d.Domain != "example.com" || d.Status != "pending" || d.Challenge.RecordName != "_gatehouse-challenge.example.com" {
		t.Fatalf("added: %+v", d)
	}

	var e apiError
	if code := call(t, srv, "token-a", "POST", base+"/"+d.ID+"/verify", "", &e); code != 422 || e.Error.Code != "record_not_found" {
		t.Errorf("verify before publishing: %d %+v", code, e)
	}
	f.dns.SetTXT(d.Challenge.RecordName, []string{d.Challenge.RecordValue})
	var v domainView
	if code := call(t, srv, "token-a", "POST", base+"/"+d.ID+"/verify", "", &v); code != 200 || v.Status != "verified" {
		t.Fatalf("verify: %d %+v", code, v)
	}

	var list struct {
		Data []domainView `json:"data"`
	}
	if code := call(t, srv, "token-a", "GET", base+"/", "", &list); code != 200 || len(list.Data) != 1 {
		t.Errorf("list: %d %+v", code, list)
	}
	if org, _ := f.svc.OrganizationForEmail(ctx, "x@example.com"); org != "org_a" {
		t.Errorf("capture after verifying through the API = %q", org)
	}
	if code := call(t, srv, "token-a", "DELETE", base+"/"+d.ID, "", nil); code != 204 {
		t.Errorf("delete: %d", code)
	}
	if code := call(t, srv, "token-a", "GET", base+"/"+d.ID, "", &e); code != 404 || e.Error.Code != "not_found" {
		t.Errorf("get after delete: %d %+v", code, e)
	}
}

func TestAdminTenantIsolation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv := adminServer(t, f)
	var d domainView
	if code := call(t, srv, "token-a", "POST", "/orgs/org_a/domains/", `{"domain": "example.com"}`, &d); code != 201 {
		t.Fatalf("add: %d", code)
	}

	// org_b's admin, on its own organization's routes, never sees org_a's domain.
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/orgs/org_b/domains/" + d.ID, ""},
		{"PATCH", "/orgs/org_b/domains/" + d.ID, `{"include_subdomains": true}`},
		{"POST", "/orgs/org_b/domains/" + d.ID + "/verify", ""},
		{"POST", "/orgs/org_b/domains/" + d.ID + "/challenge", ""},
		{"DELETE", "/orgs/org_b/domains/" + d.ID, ""},
	} {
		var e apiError
		if code := call(t, srv, "token-b", tc.method, tc.path, tc.body, &e); code != 404 || e.Error.Code != "not_found" {
			t.Errorf("%s %s as org_b: %d %+v, want 404 not_found", tc.method, tc.path, code, e)
		}
	}
	var list struct {
		Data []domainView `json:"data"`
	}
	call(t, srv, "token-b", "GET", "/orgs/org_b/domains/", "", &list)
	if len(list.Data) != 0 {
		t.Errorf("org_b lists %d domains", len(list.Data))
	}

	// org_b's token on org_a's routes is refused before anything is read.
	var e apiError
	if code := call(t, srv, "token-b", "GET", "/orgs/org_a/domains/"+d.ID, "", &e); code != 403 || e.Error.Code != "forbidden" {
		t.Errorf("org_b on org_a's routes: %d %+v", code, e)
	}
	got, err := f.svc.Get(ctx, "org_a", d.ID)
	if err != nil || got.IncludeSubdomains || got.Revision != 1 {
		t.Errorf("org_a's domain changed: %+v, %v", got, err)
	}
}

func TestAdminBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv := adminServer(t, f)
	base := "/orgs/org_a/domains/"
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"not JSON", "POST", base, `{"domain":`, 400, "invalid_json"},
		{"unknown field", "POST", base, `{"domain": "example.com", "owner": "x"}`, 400, "invalid_json"},
		{"two values", "POST", base, `{"domain": "a.example"} {}`, 400, "invalid_json"},
		{"wrong type", "POST", base, `{"domain": 7}`, 400, "invalid_json"},
		{"IP address", "POST", base, `{"domain": "10.0.0.1"}`, 400, "ip_address"},
		{"public suffix", "POST", base, `{"domain": "co.uk"}`, 400, "public_suffix"},
		{"email provider", "POST", base, `{"domain": "gmail.com"}`, 400, "email_provider"},
		{"single label", "POST", base, `{"domain": "localhost"}`, 400, "single_label"},
		{"bad name", "POST", base, `{"domain": "a..b"}`, 400, "invalid_domain"},
		{"bad cursor", "GET", base + "?cursor=not-a-cursor!", "", 400, "invalid_cursor"},
		{"bad limit", "GET", base + "?limit=0", "", 400, "invalid_limit"},
		{"empty patch", "PATCH", base + "dom_x", `{}`, 400, "nothing_to_change"},
		{"unknown route", "GET", base + "dom_x/nothing", "", 404, "not_found"},
		{"unknown domain", "POST", base + "dom_x/verify", "", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e apiError
			code := call(t, srv, "token-a", tt.method, tt.path, tt.body, &e)
			if code != tt.status || e.Error.Code != tt.code || e.Error.Message == "" {
				t.Errorf("%d %+v, want %d %s", code, e, tt.status, tt.code)
			}
		})
	}
	if list, _, _ := f.svc.List(ctx, "org_a", "", 0); len(list) != 0 {
		t.Errorf("bad requests stored %d domains", len(list))
	}
}

func TestAdminPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv := adminServer(t, f)
	for _, name := range []string{"a.example", "b.example", "c.example", "d.example", "e.example"} {
		if code := call(t, srv, "token-a", "POST", "/orgs/org_a/domains/", `{"domain": "`+name+`"}`, nil); code != 201 {
			t.Fatalf("add %s: %d", name, code)
		}
	}
	seen := map[string]bool{}
	cursor := ""
	for range 5 {
		var page struct {
			Data       []domainView `json:"data"`
			NextCursor string       `json:"next_cursor"`
		}
		call(t, srv, "token-a", "GET", "/orgs/org_a/domains/?limit=2&cursor="+cursor, "", &page)
		for _, d := range page.Data {
			seen[d.Domain] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(seen) != 5 {
		t.Errorf("paging saw %d of 5 domains: %v", len(seen), seen)
	}
}

func TestAdminWithoutOrganizationFunc(t *testing.T) {
	t.Parallel()
	svc, _ := domain.New(domain.Config{Store: domain.NewMemoryStore()})
	rec := httptest.NewRecorder()
	svc.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusForbidden {
		t.Errorf("without Config.Organization: %d, want 403", rec.Code)
	}
}
