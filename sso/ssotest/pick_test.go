package ssotest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestOPPick checks that Pick chooses who signs in, per request, and can
// stop the request with a page of its own.
func TestOPPick(t *testing.T) {
	op, err := NewOPAt("https://idp.test", "client", "secret")
	if err != nil {
		t.Fatal(err)
	}
	op.Pick = func(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
		if who := r.FormValue("user"); who != "" {
			return map[string]any{"sub": who}, true
		}
		_, _ = w.Write([]byte("pick a user"))
		return nil, false
	}
	q := url.Values{"client_id": {"client"}, "response_type": {"code"}, "code_challenge_method": {"S256"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "redirect_uri": {"https://rp.test/cb"},
		"state": {"s"}}
	rec := httptest.NewRecorder()
	op.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/authorize?"+q.Encode(), nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "pick a user") {
		t.Fatalf("without a pick: %d %q", rec.Code, rec.Body)
	}

	q.Set("user", "u-ada")
	rec = httptest.NewRecorder()
	op.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/authorize?"+q.Encode(), nil))
	to, err := url.Parse(rec.Header().Get("Location"))
	if rec.Code != http.StatusFound || err != nil || to.Query().Get("code") == "" {
		t.Fatalf("with a pick: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {to.Query().Get("code")},
		"redirect_uri": {"https://rp.test/cb"}, "code_verifier": {"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"},
		"client_id": {"client"}, "client_secret": {"secret"}}
	req := httptest.NewRequest("POST", "/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	op.Handler().ServeHTTP(rec, req)
	var tok struct {
		IDToken string `json:"id_token"`
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &tok) != nil {
		t.Fatalf("token: %d %s", rec.Code, rec.Body)
	}
	parts := strings.Split(tok.IDToken, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[min(1, len(parts)-1)])
	var claims struct {
		Sub string `json:"sub"`
	}
	if err != nil || json.Unmarshal(payload, &claims) != nil || claims.Sub != "u-ada" {
		t.Errorf("the ID token names %q, want the picked user u-ada", claims.Sub)
	}
}
