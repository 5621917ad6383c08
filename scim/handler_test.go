package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// harness is a SCIM endpoint mounted at /scim/v2 on a Go 1.22 ServeMux,
// with one directory and its token.
type harness struct {
	t     *testing.T
	svc   *Service
	store *MemoryStore
	srv   *httptest.Server
	dir   *Directory
	token string
	clock *fakeClock
	// prefix is where the handler is mounted; "" means /scim/v2.
	prefix string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	svc, clock := newTestService(t)
	h := &harness{t: t, svc: svc, store: svc.store.(*MemoryStore), clock: clock}
	ctx := context.Background()
	h.dir, _ = svc.CreateDirectory(ctx, "org_1", "IdP")
	_, sec, err := svc.IssueToken(ctx, "org_1", h.dir.ID, "idp")
	if err != nil {
		t.Fatal(err)
	}
	h.token = sec.Reveal()
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", svc.Handler())
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (h *harness) do(method, path string, body any, headers ...string) *response {
	h.t.Helper()
	return h.doAs(h.token, method, path, body, headers...)
}

func (h *harness) doAs(token, method, path string, body any, headers ...string) *response {
	h.t.Helper()
	h.clock.t = h.clock.t.Add(time.Millisecond) // IDs sort in creation order
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		js, _ := json.Marshal(b)
		rd = bytes.NewReader(js)
	}
	prefix := h.prefix
	if prefix == "" {
		prefix = "/scim/v2"
	}
	req, _ := http.NewRequest(method, h.srv.URL+prefix+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/scim+json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := &response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			h.t.Fatalf("%s %s: body is not JSON: %s", method, path, raw)
		}
		if ct := resp.Header.Get("Content-Type"); ct != contentType {
			h.t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
	}
	return out
}

// must checks the status of a response and returns it.
func (r *response) must(t *testing.T, status int) *response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

// scimError checks that a response is a SCIM error with the given status
// and scimType.
func (r *response) scimError(t *testing.T, status int, scimType string) {
	t.Helper()
	if r.status != status || r.body["scimType"] != orNil(scimType) ||
		r.body["status"] != http.StatusText(0)+itoa(status) {
		t.Errorf("got %d %s, want %d scimType %q", r.status, r.raw, status, scimType)
	}
	schemas, _ := r.body["schemas"].([]any)
	if len(schemas) != 1 || schemas[0] != schemaError {
		t.Errorf("error schemas = %v", r.body["schemas"])
	}
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// get reads a dotted path of a decoded body, such as "name.givenName" or
// "Resources.0.id".
func get(v any, path string) any {
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			i := 0
			if err := json.Unmarshal([]byte(part), &i); err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func (h *harness) events() []string {
	h.t.Helper()
	evs, err := h.store.Events(context.Background(), "", 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func (h *harness) eventsSince(n int) []string { return h.events()[n:] }

func q(filter string) string { return url.QueryEscape(filter) }
