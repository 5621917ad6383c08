package audit_test

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/gatehouse/gatehouse/internal/httpjson"
)

// adminServer serves the admin API; the header X-Org names the caller's
// organization, and no header is refused as unauthenticated.
func adminServer(t *testing.T) (*httptest.Server, *audit.Service) {
	t.Helper()
	s, _ := newService(t, audit.Config{Organization: func(r *http.Request) (string, error) {
		if org := r.Header.Get("X-Org"); org != "" {
			return org, nil
		}
		return "", httpjson.Errorf(http.StatusUnauthorized, "unauthenticated", "Sign in first.")
	}})
	recordN(t, s, "org_1", 0, 12, func(i int, e *audit.Event) {
		if i == 5 {
			e.Actor.Name = "=HYPERLINK(\"http://evil\")"
		}
	})
	recordN(t, s, "org_2", 0, 3, nil)
	srv := httptest.NewServer(http.StripPrefix("/audit", s.Handler()))
	t.Cleanup(srv.Close)
	return srv, s
}

func get(t *testing.T, srv *httptest.Server, org, path string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+"/audit"+path, nil)
	if org != "" {
		req.Header.Set("X-Org", org)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

type listResponse struct {
	Events []struct {
		Index uint64 `json:"index"`
		audit.Event
	} `json:"events"`
	NextCursor string `json:"next_cursor"`
}

func TestHandlerListsWithFiltersAndCursor(t *testing.T) {
	t.Parallel()
	srv, _ := adminServer(t)
	var seen []uint64
	path := "/events?limit=5&actor=user_1"
	for range 5 {
		code, body := get(t, srv, "org_1", path)
		if code != 200 {
			t.Fatalf("GET %s = %d %s", path, code, body)
		}
		var lr listResponse
		if err := json.Unmarshal(body, &lr); err != nil {
			t.Fatal(err)
		}
		for _, e := range lr.Events {
			seen = append(seen, e.Index)
			if e.Actor.ID != "user_1" || e.OrganizationID != "org_1" {
				t.Errorf("event %d does not match the filter: %+v", e.Index, e.Event)
			}
		}
		if lr.NextCursor == "" {
			break
		}
		path = "/events?limit=5&actor=user_1&cursor=" + lr.NextCursor
	}
	if got := len(seen); got != 4 || seen[0] != 10 || seen[3] != 1 {
		t.Errorf("paged indexes %v, want 10 7 4 1", seen)
	}
	since := url.QueryEscape(t0.Add(10 * time.Minute).Format(time.RFC3339))
	_, body := get(t, srv, "org_1", "/events?action=doc.read&since="+since)
	var lr listResponse
	json.Unmarshal(body, &lr)
	if len(lr.Events) != 2 {
		t.Errorf("since filter gave %d events, want 2", len(lr.Events))
	}
}

func TestHandlerRefusesBadRequests(t *testing.T) {
	t.Parallel()
	srv, _ := adminServer(t)
	tests := []struct {
		name, org, path string
		code            int
		errCode         string
	}{
		{"unauthenticated", "", "/events", 401, "unauthenticated"},
		{"bad since", "org_1", "/events?since=yesterday", 400, "invalid_parameter"},
		{"bad limit", "org_1", "/events?limit=0", 400, "invalid_parameter"},
		{"huge limit", "org_1", "/events?limit=100000", 400, "invalid_parameter"},
		{"bad action", "org_1", "/events?action=DROP%20TABLE", 400, "invalid_parameter"},
		{"bad cursor", "org_1", "/events?cursor=!!!", 400, "invalid_cursor"},
		{"bad export format", "org_1", "/export?format=xml", 400, "invalid_parameter"},
		{"bad consistency", "org_1", "/export?consistency_from=-1", 400, "invalid_parameter"},
		{"empty range", "org_1", "/export?from=5&to=5", 400, "invalid_parameter"},
		{"bad export since", "org_1", "/export?since=monday", 400, "invalid_parameter"},
		{"bad from", "org_1", "/export?from=x", 400, "invalid_parameter"},
		{"proof beyond the log", "org_1", "/proof?index=0&size=99", 400, "invalid_parameter"},
		{"proof index beyond size", "org_1", "/proof?index=5&size=5", 400, "invalid_parameter"},
		{"proof without size", "org_1", "/proof?index=1", 400, "invalid_parameter"},
		{"unknown path", "org_1", "/nothing", 404, "not_found"},
		{"wrong method", "org_1", "/events/", 404, "not_found"},
	}
	for _, tc := range tests {
		code, body := get(t, srv, tc.org, tc.path)
		var env struct {
			Error httpjson.Error `json:"error"`
		}
		json.Unmarshal(body, &env)
		if code != tc.code || env.Error.Code != tc.errCode {
			t.Errorf("%s: %d %s, want %d %s", tc.name, code, body, tc.code, tc.errCode)
		}
	}
}

func TestHandlerWithoutOrganizationRefuses(t *testing.T) {
	t.Parallel()
	s, _ := newService(t, audit.Config{})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/events", nil))
	if rec.Code != http.StatusForbidden {
		t.Errorf("status %d, want 403", rec.Code)
	}
	refusing, _ := newService(t, audit.Config{Organization: func(*http.Request) (string, error) {
		return "", errors.New("secret detail")
	}})
	rec = httptest.NewRecorder()
	refusing.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/events", nil))
	if rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "secret") {
		t.Errorf("status %d body %s, want 403 without the error's text", rec.Code, rec.Body)
	}
}

func TestHandlerIsolatesOrganizations(t *testing.T) {
	t.Parallel()
	srv, _ := adminServer(t)
	_, body := get(t, srv, "org_2", "/events?limit=100")
	var lr listResponse
	json.Unmarshal(body, &lr)
	if len(lr.Events) != 3 {
		t.Errorf("org_2 lists %d events, want its own 3", len(lr.Events))
	}
	for _, e := range lr.Events {
		if e.OrganizationID != "org_2" {
			t.Errorf("org_2 sees an event of %s", e.OrganizationID)
		}
	}
	_, exp := get(t, srv, "org_2", "/export")
	if bytes.Contains(exp, []byte("org_1")) {
		t.Error("org_2's export holds org_1's data")
	}
}

func TestHandlerExportsAndProves(t *testing.T) {
	t.Parallel()
	srv, s := adminServer(t)
	code, exp := get(t, srv, "org_1", "/export?format=jsonl")
	if code != 200 {
		t.Fatalf("export: %d %s", code, exp)
	}
	rep, err := audit.Verify(bytes.NewReader(exp), verifier(t, s), nil)
	if err != nil || !rep.OK() || rep.Events != 12 {
		t.Errorf("export does not verify: %v %v", err, rep.Problems)
	}

	_, part := get(t, srv, "org_1", "/export?from=3&to=6")
	rep, err = audit.Verify(bytes.NewReader(part), verifier(t, s), nil)
	if err != nil || !rep.OK() || rep.Events != 3 {
		t.Errorf("range export: %v %v, %d events", err, rep.Problems, rep.Events)
	}

	since := url.QueryEscape(t0.Add(8 * time.Minute).Format(time.RFC3339))
	_, part = get(t, srv, "org_1", "/export?since="+since)
	rep, err = audit.Verify(bytes.NewReader(part), verifier(t, s), nil)
	if err != nil || !rep.OK() || rep.Events != 4 {
		t.Errorf("time range export: %v %v, %d events", err, rep.Problems, rep.Events)
	}

	_, body := get(t, srv, "org_1", "/export?format=csv&actor=user_2")
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 5 || rows[0][0] != "index" {
		t.Fatalf("csv: %d rows, %v", len(rows), err)
	}
	if !strings.Contains(string(body), `'=HYPERLINK`) {
		t.Errorf("a formula in a cell was not defused:\n%s", body)
	}

	var cpResp struct {
		Checkpoint  string `json:"checkpoint"`
		VerifierKey string `json:"verifier_key"`
	}
	_, body = get(t, srv, "org_1", "/checkpoint")
	json.Unmarshal(body, &cpResp)
	cp, err := s.ParseCheckpoint("org_1", []byte(cpResp.Checkpoint))
	if err != nil || cp.Size != 12 || cpResp.VerifierKey != s.VerifierKey() {
		t.Fatalf("checkpoint: %+v, %v", cp, err)
	}

	var pr struct{ Proof []string }
	_, body = get(t, srv, "org_1", "/proof?index=4&size=12")
	json.Unmarshal(body, &pr)
	var p [][]byte
	for _, h := range pr.Proof {
		b, _ := base64.StdEncoding.DecodeString(h)
		p = append(p, b)
	}
	line := strings.Split(string(exp), "\n")[5] // header, then indexes 0..4
	data := line[strings.Index(line, `"event":`)+8 : len(line)-1]
	if err := audit.VerifyInclusion(cp, 4, []byte(data), p); err != nil {
		t.Errorf("inclusion proof from the API: %v", err)
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{"since=2026-01-01T00:00:00Z&action=a.b&limit=5", "cursor=eyJ0IjoiMjAyNiJ9",
		"limit=-1", "action=x&action=y&actor=%00", "until=9999-99-99"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := audit.ParseQuery(v)
		if err != nil {
			var he *httpjson.Error
			if !errors.As(err, &he) || he.Status != 400 {
				t.Errorf("error %v is not a 400", err)
			}
			return
		}
		if q.Limit < 1 || q.Limit > 1000 || len(q.Actions) > 20 {
			t.Errorf("accepted out-of-range query %+v", q)
		}
	})
}
