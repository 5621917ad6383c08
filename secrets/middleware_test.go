package secrets_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/secrets"
)

func TestRequireAPIKey(t *testing.T) {
	t.Parallel()
	f := newKeyFixture(t, "acme")
	deployer := string(f.issue(t, "org1", robot, "deploy", "read").Token.Reveal())
	reader := string(f.issue(t, "org1", alice, "read").Token.Reveal())
	revoked := f.issue(t, "org1", alice, "deploy")
	if err := f.svc.RevokeAPIKey(t.Context(), "org1", revoked.Key.ID, ""); err != nil {
		t.Fatal(err)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, _ := secrets.APIKeyFromContext(r.Context())
		a := secrets.ActorFromContext(r.Context())
		io.WriteString(w, k.OrganizationID+" "+a.Type+":"+a.ID)
	})
	mux := http.NewServeMux()
	mux.Handle("/deploy",
		f.svc.RequireAPIKey(secrets.MiddlewareOptions{Scopes: []string{"deploy"}})(app))
	mux.Handle("/header", f.svc.RequireAPIKey(secrets.MiddlewareOptions{Header: "X-Api-Key"})(app))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	tests := []struct {
		name, path, header, value string
		status                    int
		code, body                string
	}{
		{"bearer with scope", "/deploy", "Authorization", "Bearer " + deployer, 200, "",
			"org1 service_account:robot"},
		{"lower-case scheme", "/deploy", "Authorization", "bearer " + deployer, 200, "",
			"org1 service_account:robot"},
		{"host header", "/header", "X-Api-Key", reader, 200, "", "org1 user:alice"},
		{"missing scope", "/deploy", "Authorization", "Bearer " + reader, 403,
			"insufficient_scope", ""},
		{"no credentials", "/deploy", "", "", 401, "invalid_api_key", ""},
		{"basic scheme", "/deploy", "Authorization", "Basic " + deployer,
			401, "invalid_api_key", ""},
		{"garbage", "/deploy", "Authorization", "Bearer acme_nope", 401, "invalid_api_key", ""},
		{"huge header", "/deploy", "Authorization", "Bearer " + strings.Repeat("a", 10000),
			401, "invalid_api_key", ""},
		{"revoked", "/deploy", "Authorization", "Bearer " + string(revoked.Token.Reveal()),
			401, "api_key_revoked", ""},
		{"bearer on the header route", "/header", "Authorization", "Bearer " + reader,
			401, "invalid_api_key", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
			if tt.header != "" {
				req.Header.Set(tt.header, tt.value)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status == 200 {
				if string(body) != tt.body {
					t.Errorf("body %q, want %q", body, tt.body)
				}
				return
			}
			var env struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(body, &env); err != nil || env.Error.Code != tt.code {
				t.Errorf("body %s (%v), want code %s", body, err, tt.code)
			}
			if resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate challenge")
			}
			if strings.Contains(string(body), deployer) || strings.Contains(string(body), reader) {
				t.Error("the response echoes a token")
			}
		})
	}
}
