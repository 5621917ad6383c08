package secrets_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/secrets"
)

// adminServer serves the admin API for the organization in the X-Org
// header, as a host's session middleware would decide it.
func adminServer(t *testing.T) (*httptest.Server, *keyFixture) {
	f := &keyFixture{store: &lookupCounter{MemoryStore: secrets.NewMemoryStore()},
		clock: newClock()}
	svc, err := secrets.New(secrets.Config{Store: f.store,
		Keys:  mustRing(t, secrets.GenerateMasterKey()),
		Clock: f.clock.Now, APIKeyPrefix: "acme",
		Organization: func(r *http.Request) (string, error) {
			if org := r.Header.Get("X-Org"); org != "" {
				return org, nil
			}
			return "", errors.New("no session")
		}})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	srv := httptest.NewServer(http.StripPrefix("/admin", svc.AdminHandler()))
	t.Cleanup(srv.Close)
	return srv, f
}

func call(t *testing.T, srv *httptest.Server, org, method, path,
	body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+"/admin"+path, strings.NewReader(body))
	if org != "" {
		req.Header.Set("X-Org", org)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func TestAdminAPIKeys(t *testing.T) {
	t.Parallel()
	srv, f := adminServer(t)
	ctx := context.Background()
	issue := `{"owner":{"type":"service_account","id":"ci"},"name":"deploy bot","scopes":["deploy"]}`
	status, body := call(t, srv, "org1", "POST", "/api-keys", issue)
	if status != 201 {
		t.Fatalf("issue: %d %v", status, body)
	}
	token, _ := body["token"].(string)
	key, _ := body["api_key"].(map[string]any)
	id, _ := key["id"].(string)
	if k, err := f.svc.VerifyAPIKey(ctx, token); err != nil || k.ID != id {
		t.Fatalf("issued token does not verify: %v", err)
	}
	call(t, srv, "org1", "POST", "/api-keys",
		`{"owner":{"type":"user","id":"alice"},"name":"laptop"}`)

	status, body = call(t, srv, "org1", "GET", "/api-keys?limit=1", "")
	keys, _ := body["api_keys"].([]any)
	cursor, _ := body["next_cursor"].(string)
	if status != 200 || len(keys) != 1 || cursor == "" {
		t.Fatalf("first page: %d %v", status, body)
	}
	if strings.Contains(toJSON(body), token) {
		t.Error("a listing shows the token")
	}
	status, body = call(t, srv, "org1", "GET", "/api-keys?limit=1&cursor="+cursor, "")
	if keys, _ := body["api_keys"].([]any); status != 200 || len(keys) != 1 || body["next_cursor"] != nil {
		t.Errorf("second page: %d %v", status, body)
	}
	status, body = call(t, srv, "org1", "GET", "/api-keys?owner_type=user&owner_id=alice", "")
	if keys, _ := body["api_keys"].([]any); status != 200 || len(keys) != 1 {
		t.Errorf("alice's keys: %d %v", status, body)
	}

	status, body = call(t, srv, "org1", "POST", "/api-keys/"+id+"/rotate", `{"overlap_seconds":60}`)
	newToken, _ := body["token"].(string)
	if status != 201 || newToken == "" || newToken == token {
		t.Fatalf("rotate: %d %v", status, body)
	}
	if status, _ := call(t, srv, "org1", "DELETE", "/api-keys/"+id, ""); status != 204 {
		t.Errorf("revoke: %d", status)
	}
	if _, err := f.svc.VerifyAPIKey(ctx, token); !errors.Is(err, secrets.ErrKeyRevoked) {
		t.Errorf("revoked through the API, the key verifies: %v", err)
	}
	status, body = call(t, srv, "org1", "POST", "/api-keys/revoke-owner",
		`{"owner":{"type":"user","id":"alice"}}`)
	if status != 200 || body["revoked"] != float64(1) {
		t.Errorf("revoke-owner: %d %v", status, body)
	}
}

func TestAdminRefusals(t *testing.T) {
	t.Parallel()
	srv, f := adminServer(t)
	is := f.issue(t, "org1", alice)
	id := is.Key.ID
	tests := []struct {
		name, org, method, path, body string
		status                        int
		code                          string
	}{
		{"no session", "", "GET", "/api-keys", "", 403, "forbidden"},
		{"another org's key", "org2", "GET", "/api-keys/" + id, "", 404, "not_found"},
		{"revoking another org's key", "org2", "DELETE", "/api-keys/" + id, "", 404, "not_found"},
		{"rotating another org's key", "org2", "POST",
			"/api-keys/" + id + "/rotate", `{}`, 404, "not_found"},
		{"bad JSON", "org1", "POST", "/api-keys", `{"owner":`, 400, "invalid_json"},
		{"unknown field", "org1", "POST", "/api-keys",
			`{"owner":{"type":"user","id":"a"},"name":"x","admin":true}`,
			400, "invalid_json"},
		{"bad owner type", "org1", "POST", "/api-keys",
			`{"owner":{"type":"robot","id":"a"},"name":"x"}`,
			400, "invalid_request"},
		{"expiry in the past", "org1", "POST", "/api-keys",
			`{"owner":{"type":"user","id":"a"},"name":"x","expires_at":"2000-01-01T00:00:00Z"}`, 400, "invalid_request"},
		{"negative overlap", "org1", "POST", "/api-keys/" + id + "/rotate",
			`{"overlap_seconds":-1}`,
			400, "invalid_request"},
		{"bad cursor", "org1", "GET", "/api-keys?cursor=!!!", "", 400, "invalid_cursor"},
		{"bad limit", "org1", "GET", "/api-keys?limit=0", "", 400, "invalid_limit"},
		{"owner id without type", "org1", "GET", "/api-keys?owner_id=alice",
			"", 400, "invalid_request"},
		{"unknown route", "org1", "GET", "/nope", "", 404, "not_found"},
	}
	for _, tt := range tests {
		status, body := call(t, srv, tt.org, tt.method, tt.path, tt.body)
		if status != tt.status || errCode(body) != tt.code {
			t.Errorf("%s: %d %s, want %d %s (%v)", tt.name, status, errCode(body),
				tt.status, tt.code, body)
		}
	}
	if _, err := f.svc.VerifyAPIKey(context.Background(), string(is.Token.Reveal())); err != nil {
		t.Errorf("org1's key after refused requests: %v", err)
	}
}

func TestAdminSecretsListing(t *testing.T) {
	t.Parallel()
	srv, f := adminServer(t)
	ctx := context.Background()
	for _, n := range []string{"a", "b", "c"} {
		if _, err := f.svc.Put(ctx, "org1", n,
			secrets.NewStringValue("value-of-"+n), nil); err != nil {
			t.Fatal(err)
		}
	}
	status, body := call(t, srv, "org1", "GET", "/secrets?limit=2", "")
	list, _ := body["secrets"].([]any)
	if status != 200 || len(list) != 2 || body["next_cursor"] == nil {
		t.Fatalf("secrets page: %d %v", status, body)
	}
	if strings.Contains(toJSON(body), "value-of-") {
		t.Error("the listing shows a value")
	}
	status, body = call(t, srv, "org2", "GET", "/secrets", "")
	if list, _ := body["secrets"].([]any); status != 200 || len(list) != 0 {
		t.Errorf("org2 sees org1's secrets: %v", body)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
