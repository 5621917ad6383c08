package sso_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
	"github.com/google/go-cmp/cmp"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// bclTest is an OIDC connection whose service records the notices of
// back-channel logouts.
type bclTest struct {
	*oidcTest
	mu      sync.Mutex
	notices []sso.LogoutNotice
	hookErr error
}

func newBCLTest(t *testing.T, hook bool) *bclTest {
	t.Helper()
	bt := &bclTest{}
	bt.oidcTest = newOIDCTestWith(t, sso.AuthClientSecretBasic, func(c *sso.Config) {
		if hook {
			c.OnLogout = bt.onLogout
		}
	})
	return bt
}

func (bt *bclTest) onLogout(_ context.Context, n sso.LogoutNotice) error {
	bt.mu.Lock()
	defer bt.mu.Unlock()
	bt.notices = append(bt.notices, n)
	return bt.hookErr
}

func (bt *bclTest) gotNotices() []sso.LogoutNotice {
	bt.mu.Lock()
	defer bt.mu.Unlock()
	return append([]sso.LogoutNotice(nil), bt.notices...)
}

// post sends a form body to the connection's back-channel logout endpoint.
func (bt *bclTest) post(conn *sso.Connection, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, bt.svc.BackChannelLogoutURL(conn),
		strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	bt.svc.Handler().ServeHTTP(rec, req)
	return rec
}

func (bt *bclTest) send(token string) *httptest.ResponseRecorder {
	return bt.post(bt.conn, url.Values{"logout_token": {token}}.Encode())
}

func (bt *bclTest) token(t *testing.T, claims map[string]any) string {
	t.Helper()
	tok, err := bt.op.LogoutToken(claims)
	must(t, err)
	return tok
}

// checkRefused checks a 400 answer with an OAuth error, never cached.
func checkRefused(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	var body struct{ Error, ErrorDescription string }
	err := json.Unmarshal(rec.Body.Bytes(), &body)
	if err != nil || rec.Code != http.StatusBadRequest || body.Error != "invalid_request" {
		t.Errorf("answered %d %q", rec.Code, rec.Body.String())
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", rec.Header().Get("Cache-Control"))
	}
}

// A valid logout token reaches OnLogout with its sub and sid, is answered
// 200 without caching, and is recorded.
func TestBackChannelLogout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		claims map[string]any
		want   sso.LogoutNotice
	}{
		{"sub", nil, sso.LogoutNotice{Subject: "user-1"}},
		{"sid", map[string]any{"sub": nil, "sid": "sess-9"}, sso.LogoutNotice{SessionID: "sess-9"}},
		{"sub and sid", map[string]any{"sid": "sess-9"},
			sso.LogoutNotice{Subject: "user-1", SessionID: "sess-9"}},
		{"no exp", map[string]any{"exp": nil}, sso.LogoutNotice{Subject: "user-1"}},
		{"explicit aud list", map[string]any{"aud": []string{"client-1", "other"}},
			sso.LogoutNotice{Subject: "user-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bt := newBCLTest(t, true)
			rec := bt.send(bt.token(t, tt.claims))
			if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("answered %d %q, Cache-Control %q", rec.Code, rec.Body.String(),
					rec.Header().Get("Cache-Control"))
			}
			want := tt.want
			want.OrganizationID, want.ConnectionID, want.Protocol = "org_o", bt.conn.ID, sso.ProtocolOIDC
			if diff := cmp.Diff([]sso.LogoutNotice{want}, bt.gotNotices()); diff != "" {
				t.Errorf("notices (-want +got):\n%s", diff)
			}
			a := bt.lastAttempt(t)
			if a.Flow != sso.FlowLogout || a.Reason != "" || a.Subject != tt.want.Subject {
				t.Errorf("attempt %+v", a)
			}
		})
	}
}

// Each attack on the back-channel endpoint gets 400 with an OAuth error,
// reaches no OnLogout, and is recorded with its reason.
func TestBackChannelLogoutAttacks(t *testing.T) {
	t.Parallel()
	bt := newBCLTest(t, true)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	other, err := ssotest.NewOP("client-1", "s3cret")
	must(t, err)
	t.Cleanup(other.Close)
	now := time.Now()
	claims := func(edit map[string]any) map[string]any {
		c := map[string]any{"iss": bt.op.Issuer(), "aud": "client-1", "sub": "user-1",
			"iat": now.Unix(), "jti": "j-" + rand.Text(),
			"events": map[string]any{ssotest.BackChannelLogoutEvent: map[string]any{}}}
		for k, v := range edit {
			c[k] = v
		}
		return c
	}
	form := func(tok string) string { return url.Values{"logout_token": {tok}}.Encode() }
	tok := func(edit map[string]any) func(*testing.T) string {
		return func(t *testing.T) string { return form(bt.token(t, edit)) }
	}
	tests := []struct {
		name string
		body func(t *testing.T) string
		want sso.Reason
	}{
		{"alg none", func(t *testing.T) string {
			return form(unsignedJWT(t, map[string]string{"alg": "none", "kid": bt.op.KeyID},
				claims(nil)))
		}, sso.ReasonLogoutToken},
		{"HS256 keyed with the public key", func(t *testing.T) string {
			hdrs := jws.NewHeaders()
			_ = hdrs.Set(jws.KeyIDKey, bt.op.KeyID)
			payload, _ := json.Marshal(claims(nil))
			pub := bt.op.Key.Public().(*rsa.PublicKey)
			b, err := jws.Sign(payload, jws.WithKey(jwa.HS256, pub.N.Bytes(),
				jws.WithProtectedHeaders(hdrs)))
			must(t, err)
			return form(string(b))
		}, sso.ReasonLogoutToken},
		{"a key of another provider under the provider's kid", func(t *testing.T) string {
			s, err := ssotest.SignJWT(claims(nil), otherKey, bt.op.KeyID)
			must(t, err)
			return form(s)
		}, sso.ReasonLogoutToken},
		{"unknown kid", func(t *testing.T) string {
			s, err := ssotest.SignJWT(claims(nil), otherKey, "key-unknown")
			must(t, err)
			return form(s)
		}, sso.ReasonLogoutToken},
		{"another connection's token", func(t *testing.T) string {
			s, err := other.LogoutToken(nil)
			must(t, err)
			return form(s)
		}, sso.ReasonLogoutToken},
		{"wrong issuer", tok(map[string]any{"iss": "https://evil.example"}), sso.ReasonIssuer},
		{"wrong audience", tok(map[string]any{"aud": "client-2"}), sso.ReasonAudience},
		{"no events", tok(map[string]any{"events": nil}), sso.ReasonLogoutToken},
		{"events of another kind", tok(map[string]any{"events": map[string]any{
			"http://schemas.openid.net/event/other": map[string]any{}}}), sso.ReasonLogoutToken},
		{"events not an object", tok(map[string]any{"events": ssotest.BackChannelLogoutEvent}),
			sso.ReasonLogoutToken},
		{"event value not an object", tok(map[string]any{"events": map[string]any{
			ssotest.BackChannelLogoutEvent: "yes"}}), sso.ReasonLogoutToken},
		{"a nonce (an ID token)", tok(map[string]any{"nonce": "n-1"}), sso.ReasonLogoutToken},
		{"neither sub nor sid", tok(map[string]any{"sub": nil}), sso.ReasonMissingSubject},
		{"no jti", tok(map[string]any{"jti": nil}), sso.ReasonLogoutToken},
		{"no iat", tok(map[string]any{"iat": nil}), sso.ReasonLogoutToken},
		{"iat in the future", tok(map[string]any{"iat": now.Add(10 * time.Minute).Unix(),
			"exp": now.Add(20 * time.Minute).Unix()}), sso.ReasonNotYetValid},
		{"iat too old", tok(map[string]any{"iat": now.Add(-time.Hour).Unix(), "exp": nil}),
			sso.ReasonExpired},
		{"expired exp", tok(map[string]any{"iat": now.Add(-5 * time.Minute).Unix(),
			"exp": now.Add(-3 * time.Minute).Unix()}), sso.ReasonExpired},
		{"malformed JWT", func(*testing.T) string { return form("not.a.jwt") }, sso.ReasonLogoutToken},
		{"token too large", func(*testing.T) string {
			return form(strings.Repeat("a", sso.MaxLogoutTokenSize+1))
		}, sso.ReasonLogoutToken},
		{"body too large", func(*testing.T) string {
			return form(strings.Repeat("a", 2*sso.MaxLogoutTokenSize))
		}, sso.ReasonMalformed},
		{"no logout_token", func(*testing.T) string { return "token=x" }, sso.ReasonMalformed},
		{"two logout_tokens", func(t *testing.T) string {
			a, b := bt.token(t, nil), bt.token(t, nil)
			return url.Values{"logout_token": {a, b}}.Encode()
		}, sso.ReasonMalformed},
		{"malformed form", func(*testing.T) string { return "logout_token=%zz" }, sso.ReasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := bt.post(bt.conn, tt.body(t))
			checkRefused(t, rec)
			if a := bt.lastAttempt(t); a.Flow != sso.FlowLogout || a.Reason != tt.want {
				t.Errorf("attempt reason %q, want %q (%s)", a.Reason, tt.want, a.Detail)
			}
		})
	}
	if n := bt.gotNotices(); len(n) != 0 {
		t.Errorf("OnLogout was called: %+v", n)
	}
}

// A logout token is used once: a replay fails, on any instance that
// shares the Store.
func TestBackChannelLogoutReplay(t *testing.T) {
	t.Parallel()
	bt := newBCLTest(t, true)
	tok := bt.token(t, nil)
	if rec := bt.send(tok); rec.Code != http.StatusOK {
		t.Fatalf("first use answered %d %q", rec.Code, rec.Body.String())
	}
	checkRefused(t, bt.send(tok))
	if a := bt.lastAttempt(t); a.Reason != sso.ReasonReplay {
		t.Errorf("attempt %+v", a)
	}
	if n := bt.gotNotices(); len(n) != 1 {
		t.Errorf("OnLogout was called %d times", len(n))
	}
}

// A failing OnLogout gets 400; none at all gets 501, as section 2.8 has
// it; a disabled connection and a SAML or unknown connection get 400.
func TestBackChannelLogoutFailures(t *testing.T) {
	t.Parallel()
	t.Run("hook fails", func(t *testing.T) {
		t.Parallel()
		bt := newBCLTest(t, true)
		bt.hookErr = errors.New("database down")
		checkRefused(t, bt.send(bt.token(t, nil)))
		if a := bt.lastAttempt(t); a.Reason != sso.ReasonLogoutHook ||
			!strings.Contains(a.Detail, "database down") {
			t.Errorf("attempt %+v", a)
		}
	})
	t.Run("no hook", func(t *testing.T) {
		t.Parallel()
		bt := newBCLTest(t, false)
		rec := bt.send(bt.token(t, nil))
		if rec.Code != http.StatusNotImplemented || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("answered %d %q", rec.Code, rec.Body.String())
		}
		if a := bt.lastAttempt(t); a.Reason != sso.ReasonLogoutHook {
			t.Errorf("attempt %+v", a)
		}
	})
	t.Run("disabled connection", func(t *testing.T) {
		t.Parallel()
		bt := newBCLTest(t, true)
		bt.conn.Enabled = false
		_, err := bt.svc.UpdateConnection(context.Background(), bt.conn)
		must(t, err)
		checkRefused(t, bt.send(bt.token(t, nil)))
		if a := bt.lastAttempt(t); a.Reason != sso.ReasonConnectionDisabled {
			t.Errorf("attempt %+v", a)
		}
		if n := bt.gotNotices(); len(n) != 0 {
			t.Errorf("OnLogout was called: %+v", n)
		}
	})
	t.Run("unknown connection", func(t *testing.T) {
		t.Parallel()
		bt := newBCLTest(t, true)
		checkRefused(t, bt.post(&sso.Connection{ID: "conn_missing"},
			url.Values{"logout_token": {bt.token(t, nil)}}.Encode()))
	})
}

// A logout token under a rotated key makes the service fetch the JWKS
// again, at most once a minute, as for ID tokens.
func TestBackChannelLogoutKeyRotation(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now()
	later := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	bt := &bclTest{}
	bt.oidcTest = newOIDCTestWith(t, sso.AuthClientSecretBasic, func(c *sso.Config) {
		c.OnLogout = bt.onLogout
		c.Clock = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	if rec := bt.send(bt.token(t, nil)); rec.Code != http.StatusOK { // caches the JWKS
		t.Fatalf("answered %d %q", rec.Code, rec.Body.String())
	}
	newKey, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	bt.op.Key, bt.op.KeyID = newKey, "key-2"
	later(30 * time.Second)
	checkRefused(t, bt.send(bt.token(t, nil)))
	if a := bt.lastAttempt(t); a.Reason != sso.ReasonLogoutToken {
		t.Errorf("within a minute of the last fetch: attempt %+v", a)
	}
	later(time.Minute)
	if rec := bt.send(bt.token(t, nil)); rec.Code != http.StatusOK {
		t.Errorf("after the rotation: %d %q", rec.Code, rec.Body.String())
	}
}
