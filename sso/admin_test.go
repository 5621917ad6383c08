package sso_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

type adminTest struct {
	h   http.Handler
	idp *ssotest.IdP
	op  *ssotest.OP
}

func newAdminTest(t *testing.T) *adminTest {
	t.Helper()
	idp, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	must(t, err)
	op, err := ssotest.NewOP("client-1", "s3cret")
	must(t, err)
	t.Cleanup(op.Close)
	svc, err := sso.New(sso.Config{
		Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso", Sealer: ssotest.NewSealer(),
		HTTPClient: op.Server.Client(), Clock: func() time.Time { return samlNow },
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {},
		Organization: func(r *http.Request) (string, error) {
			if org := r.Header.Get("X-Org"); org != "" {
				return org, nil
			}
			return "", errors.New("not an admin")
		},
	})
	must(t, err)
	return &adminTest{h: svc.AdminHandler(), idp: idp, op: op}
}

func (a *adminTest) do(t *testing.T, org, method, path, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if org != "" {
		req.Header.Set("X-Org", org)
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: body is not JSON: %q", method, path, rec.Body.String())
		}
	}
	return rec.Code, out
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func errorCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestAdminAPI(t *testing.T) {
	t.Parallel()
	a := newAdminTest(t)
	body := jsonString(map[string]any{"name": "Okta", "protocol": "saml", "enabled": true,
		"saml": map[string]any{"idp_metadata_xml": a.idp.Metadata()}})
	code, out := a.do(t, "org_a", "POST", "/connections", body)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, out)
	}
	id := out["id"].(string)
	sp := out["service_provider"].(map[string]any)
	if sp["acs_url"] != "https://sp.example/sso/saml/"+id+"/acs" {
		t.Errorf("acs_url %v", sp["acs_url"])
	}
	if certs := sp["idp_certificates"].([]any); len(certs) != 1 {
		t.Errorf("certificates %v", certs)
	}

	if code, _ := a.do(t, "org_a", "GET", "/connections/"+id, ""); code != http.StatusOK {
		t.Errorf("get: %d", code)
	}
	if code, out := a.do(t, "org_b", "GET", "/connections/"+id, ""); code != http.StatusNotFound ||
		errorCode(out) != "not_found" {
		t.Errorf("another organization reads it: %d %v", code, out)
	}
	if code, _ := a.do(t, "org_b", "DELETE", "/connections/"+id, ""); code != http.StatusNotFound {
		t.Errorf("another organization deletes it: %d", code)
	}
	if code, out := a.do(t, "org_a", "POST", "/connections/"+id+"/test", ""); code != 200 || out["ok"] != true {
		t.Errorf("test: %d %v", code, out)
	}
	if code, out := a.do(t, "org_a", "GET", "/connections/"+id+"/attempts", ""); code != 200 ||
		len(out["data"].([]any)) != 0 {
		t.Errorf("attempts: %d %v", code, out)
	}
	put := jsonString(map[string]any{"name": "Okta 2", "protocol": "saml", "enabled": false,
		"saml": map[string]any{"idp_metadata_xml": a.idp.Metadata()}})
	if code, out := a.do(t, "org_a", "PUT", "/connections/"+id, put); code != 200 || out["name"] != "Okta 2" {
		t.Errorf("put: %d %v", code, out)
	}
	if code, _ := a.do(t, "org_a", "DELETE", "/connections/"+id, ""); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code, _ := a.do(t, "org_a", "GET", "/connections/"+id, ""); code != http.StatusNotFound {
		t.Errorf("get after delete: %d", code)
	}
}

func TestAdminOIDCSecretNeverShown(t *testing.T) {
	t.Parallel()
	a := newAdminTest(t)
	body := jsonString(map[string]any{"name": "OP", "protocol": "oidc", "enabled": true,
		"oidc": map[string]any{"issuer": a.op.Issuer(), "client_id": "client-1", "client_secret": "s3cret"}})
	code, out := a.do(t, "org_a", "POST", "/connections", body)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, out)
	}
	raw := jsonString(out)
	if strings.Contains(raw, "s3cret") || strings.Contains(raw, "sealed") {
		t.Errorf("the response shows the secret: %s", raw)
	}
	if o := out["oidc"].(map[string]any); o["has_client_secret"] != true {
		t.Errorf("oidc view %v", o)
	}
	// The admin sees what to register at the provider for logout.
	base := "https://sp.example/sso/oidc/" + out["id"].(string)
	if o := out["oidc"].(map[string]any); o["post_logout_redirect_uri"] != base+"/logout" ||
		o["backchannel_logout_uri"] != base+"/backchannel-logout" {
		t.Errorf("oidc view %v", o)
	}
}

func TestAdminRefusals(t *testing.T) {
	t.Parallel()
	a := newAdminTest(t)
	tests := []struct {
		name, org, method, path, body string
		status                        int
		code                          string
	}{
		{"no organization", "", "GET", "/connections", "", 403, "forbidden"},
		{"unknown field", "org_a", "POST", "/connections", `{"name":"x","bogus":1}`, 400, "invalid_json"},
		{"sealed secret from outside", "org_a", "POST", "/connections",
			`{"protocol":"oidc","oidc":{"issuer":"https://x.example","client_id":"c","sealed_client_secret":"AA=="}}`,
			400, "invalid_json"},
		{"bad metadata", "org_a", "POST", "/connections",
			`{"protocol":"saml","saml":{"idp_metadata_xml":"<x/>"}}`, 400, "invalid_connection"},
		{"metadata with a DOCTYPE", "org_a", "POST", "/connections",
			`{"protocol":"saml","saml":{"idp_metadata_xml":"<!DOCTYPE x><x/>"}}`, 400, "invalid_connection"},
		{"unknown protocol", "org_a", "POST", "/connections", `{"protocol":"ldap"}`, 400, "invalid_connection"},
		{"discovery does not answer", "org_a", "POST", "/connections",
			`{"protocol":"oidc","oidc":{"issuer":"http://127.0.0.1:1","client_id":"c","client_secret":"s"}}`,
			400, "invalid_connection"},
		{"bad limit", "org_a", "GET", "/connections?limit=0", "", 400, "invalid_limit"},
		{"bad cursor", "org_a", "GET", "/connections?cursor=bm90LWpzb24", "", 400, "invalid_cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out := a.do(t, tt.org, tt.method, tt.path, tt.body)
			if code != tt.status || errorCode(out) != tt.code {
				t.Errorf("got %d %v, want %d %s", code, out, tt.status, tt.code)
			}
		})
	}
}

func TestAdminListPages(t *testing.T) {
	t.Parallel()
	a := newAdminTest(t)
	body := jsonString(map[string]any{"protocol": "saml", "saml": map[string]any{"idp_metadata_xml": a.idp.Metadata()}})
	for range 5 {
		if code, out := a.do(t, "org_a", "POST", "/connections", body); code != 201 {
			t.Fatalf("create: %d %v", code, out)
		}
	}
	seen, cursor := 0, ""
	for page := 0; page < 10; page++ {
		_, out := a.do(t, "org_a", "GET", "/connections?limit=2&cursor="+cursor, "")
		seen += len(out["data"].([]any))
		next, _ := out["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	if seen != 5 {
		t.Errorf("paged through %d connections, want 5", seen)
	}
}

// By default the service fetches nothing from the host's own network: an
// admin cannot make it probe internal addresses.
func TestDefaultClientRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	idp, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	must(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(idp.Metadata()))
	}))
	t.Cleanup(srv.Close)
	svc, err := sso.New(sso.Config{Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso",
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {}})
	must(t, err)
	for _, u := range []string{srv.URL, "http://169.254.169.254/latest/meta-data/", "http://[::1]:1/"} {
		_, err = svc.CreateConnection(context.Background(), &sso.Connection{OrganizationID: "o",
			Protocol: sso.ProtocolSAML, SAML: &sso.SAMLConfig{IdPMetadataURL: u}})
		var ve *sso.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(ve.Problem, "not a public address") {
			t.Errorf("%s: %v", u, err)
		}
	}
}

func TestAdminRefreshMetadata(t *testing.T) {
	t.Parallel()
	a := newAdminTest(t)
	var mu sync.Mutex
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write([]byte(a.idp.Metadata()))
	}))
	t.Cleanup(srv.Close)
	body := jsonString(map[string]any{"protocol": "saml", "saml": map[string]any{"idp_metadata_url": srv.URL}})
	code, out := a.do(t, "org_a", "POST", "/connections", body)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, out)
	}
	id := out["id"].(string)
	if code, out := a.do(t, "org_a", "POST", "/connections/"+id+"/refresh", ""); code != http.StatusOK {
		t.Errorf("refresh: %d %v", code, out)
	}
	mu.Lock()
	status = http.StatusInternalServerError
	mu.Unlock()
	code, out = a.do(t, "org_a", "POST", "/connections/"+id+"/refresh", "")
	if code != http.StatusBadGateway || errorCode(out) != "metadata_refresh_failed" {
		t.Errorf("failed refresh: %d %v", code, out)
	}
	if code, _ := a.do(t, "org_b", "POST", "/connections/"+id+"/refresh", ""); code != http.StatusNotFound {
		t.Errorf("refresh from another organization: %d", code)
	}
}
