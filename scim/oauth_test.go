package scim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

func TestOAuthClientCredentials(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	client, secret, err := h.svc.CreateOAuthClient(ctx, "org_1", h.dir.ID, "entra")
	if err != nil {
		t.Fatal(err)
	}
	tokenSrv := httptest.NewServer(h.svc.TokenHandler())
	defer tokenSrv.Close()

	// golang.org/x/oauth2 as the client, with each way of authenticating.
	for _, style := range []int{1, 2} { // AuthStyleInParams, AuthStyleInHeader
		cc := clientcredentials.Config{ClientID: client.ID, ClientSecret: secret.Reveal(),
			TokenURL: tokenSrv.URL, AuthStyle: oauth2AuthStyle(style)}
		tok, err := cc.Token(ctx)
		if err != nil {
			t.Fatalf("style %d: %v", style, err)
		}
		if tok.TokenType != "Bearer" || time.Until(tok.Expiry) <= 0 {
			t.Errorf("token = %+v", tok)
		}
		h.doAs(tok.AccessToken, "GET", "/Users", nil).must(t, 200)
	}

	// The client secret itself is no bearer token.
	h.doAs(secret.Reveal(), "GET", "/Users", nil).scimError(t, 401, "")

	// Expiry and revocation end access tokens.
	cc := clientcredentials.Config{ClientID: client.ID, ClientSecret: secret.Reveal(), TokenURL: tokenSrv.URL}
	tok, _ := cc.Token(ctx)
	h.clock.t = h.clock.t.Add(DefaultAccessTokenTTL + time.Second)
	h.doAs(tok.AccessToken, "GET", "/Users", nil).scimError(t, 401, "")
	tok, _ = cc.Token(ctx)
	h.doAs(tok.AccessToken, "GET", "/Users", nil).must(t, 200)
	if err := h.svc.RevokeToken(ctx, "org_1", h.dir.ID, client.ID); err != nil {
		t.Fatal(err)
	}
	h.doAs(tok.AccessToken, "GET", "/Users", nil).scimError(t, 401, "")
	if _, err := cc.Token(ctx); err == nil {
		t.Error("a revoked client got a token")
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	client, secret, _ := h.svc.CreateOAuthClient(ctx, "org_1", h.dir.ID, "entra")
	other, otherSecret, _ := h.svc.CreateOAuthClient(ctx, "org_1", h.dir.ID, "other")
	cases := []struct {
		name   string
		method string
		form   url.Values
		status int
		code   string
	}{
		{"GET", "GET", nil, 405, "invalid_request"},
		{"password grant", "POST", url.Values{"grant_type": {"password"}, "client_id": {client.ID},
			"client_secret": {secret.Reveal()}}, 400, "unsupported_grant_type"},
		{"no grant", "POST", url.Values{"client_id": {client.ID}}, 400, "unsupported_grant_type"},
		{"no client", "POST", url.Values{"grant_type": {"client_credentials"}}, 401, "invalid_client"},
		{"wrong secret", "POST", url.Values{"grant_type": {"client_credentials"}, "client_id": {client.ID},
			"client_secret": {otherSecret.Reveal()}}, 401, "invalid_client"},
		{"another client's ID", "POST", url.Values{"grant_type": {"client_credentials"}, "client_id": {other.ID},
			"client_secret": {secret.Reveal()}}, 401, "invalid_client"},
		{"bearer token as client secret", "POST", url.Values{"grant_type": {"client_credentials"},
			"client_id": {client.ID}, "client_secret": {h.token}}, 401, "invalid_client"},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(tc.method, "/oauth/token", strings.NewReader(tc.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.svc.TokenHandler().ServeHTTP(rec, req)
		var body map[string]string
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != tc.status || body["error"] != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, rec.Code, rec.Body, tc.status, tc.code)
		}
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", tc.name, rec.Header().Get("Cache-Control"))
		}
	}
	_ = http.StatusOK
}

func oauth2AuthStyle(n int) oauth2.AuthStyle { return oauth2.AuthStyle(n) }
