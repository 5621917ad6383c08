package sso_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

// TestZitadelOP signs in end to end against zitadel/oidc's OpenID
// provider: discovery, the authorization code flow with PKCE, its login
// form, the token endpoint with client_secret_basic, and its ID token.
func TestZitadelOP(t *testing.T) {
	t.Parallel()
	var op http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	clients := map[string]*storage.Client{}
	st := storage.NewStorageWithClients(storage.NewUserStore(srv.URL), clients)
	op = exampleop.SetupServer(srv.URL, st, slog.New(slog.DiscardHandler), false)

	var got *sso.Profile
	svc, err := sso.New(sso.Config{
		Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso", Sealer: ssotest.NewSealer(),
		HTTPClient: srv.Client(),
		OnSuccess: func(w http.ResponseWriter, _ *http.Request, p *sso.Profile, _ string) {
			got = p
			w.WriteHeader(http.StatusNoContent)
		},
	})
	must(t, err)
	conn, err := svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_z", Protocol: sso.ProtocolOIDC, Enabled: true,
		OIDC: &sso.OIDCConfig{Issuer: srv.URL, ClientID: "web", ClientSecret: "secret"},
	})
	must(t, err)
	clients["web"] = storage.WebClient("web", "secret", "https://sp.example/sso/oidc/"+conn.ID+"/callback")

	rec := httptest.NewRecorder()
	must(t, svc.Login(rec, httptest.NewRequest(http.MethodGet, "/", nil),
		sso.LoginRequest{ConnectionID: conn.ID}))
	browser := *srv.Client()
	browser.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Host == "sp.example" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := browser.Get(rec.Header().Get("Location"))
	must(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	// The login form of the example OP: post the user's credentials.
	id := resp.Request.URL.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("the OP did not show its login form: %s", resp.Request.URL)
	}
	host, _ := url.Parse(srv.URL)
	form := url.Values{"username": {"test-user@" + host.Hostname()}, "password": {"verysecure"}, "id": {id}}
	resp, err = browser.Post(srv.URL+"/login/username", "application/x-www-form-urlencoded",
		strings.NewReader(form.Encode()))
	must(t, err)
	resp.Body.Close()
	cb := resp.Header.Get("Location")
	if !strings.HasPrefix(cb, "https://sp.example/sso/oidc/") {
		t.Fatalf("the OP answered %d, Location %q", resp.StatusCode, cb)
	}

	login := rec
	rec = httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, cb, nil)
	addCookies(req, login)
	svc.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent || got == nil {
		t.Fatalf("callback answered %d %q", rec.Code, rec.Body.String())
	}
	if got.Subject != "id1" || got.Email != "test-user@zitadel.ch" || got.FirstName != "Test" ||
		got.LastName != "User" {
		t.Errorf("profile %+v", got)
	}
}
