package sso_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
	"github.com/google/go-cmp/cmp"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

type oidcTest struct {
	op     *ssotest.OP
	svc    *sso.Service
	store  *sso.MemoryStore
	sealer *ssotest.Sealer
	conn   *sso.Connection
	got    *sso.Profile
	rp     string
	// logins holds the responses of Login, whose cookies the browser keeps.
	logins []*httptest.ResponseRecorder
}

func newOIDCTest(t testing.TB, method sso.AuthMethod, edit ...func(*ssotest.OP)) *oidcTest {
	t.Helper()
	return newOIDCTestWith(t, method, nil, edit...)
}

// newOIDCTestWith is newOIDCTest with a change to the service's Config.
func newOIDCTestWith(t testing.TB, method sso.AuthMethod, config func(*sso.Config),
	edit ...func(*ssotest.OP)) *oidcTest {
	t.Helper()
	op, err := ssotest.NewOP("client-1", "s3cret")
	must(t, err)
	t.Cleanup(op.Close)
	for _, f := range edit {
		f(op)
	}
	ot := &oidcTest{op: op, store: sso.NewMemoryStore(), sealer: ssotest.NewSealer()}
	cfg := sso.Config{
		Store: ot.store, BaseURL: "https://sp.example/sso", Sealer: ot.sealer,
		HTTPClient: op.Server.Client(),
		OnSuccess: func(w http.ResponseWriter, _ *http.Request, p *sso.Profile, rp string) {
			ot.got, ot.rp = p, rp
			w.WriteHeader(http.StatusNoContent)
		},
	}
	if config != nil {
		config(&cfg)
	}
	ot.svc, err = sso.New(cfg)
	must(t, err)
	ot.conn, err = ot.svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_o", Protocol: sso.ProtocolOIDC, Enabled: true,
		OIDC: &sso.OIDCConfig{Issuer: op.Issuer(), ClientID: "client-1", ClientSecret: "s3cret",
			AuthMethod: method},
	})
	must(t, err)
	return ot
}

// authorize starts a login and follows the provider's redirect; it returns
// the callback URL the browser would load.
func (ot *oidcTest) authorize(t *testing.T) *url.URL {
	t.Helper()
	rec := httptest.NewRecorder()
	must(t, ot.svc.Login(rec, httptest.NewRequest(http.MethodGet, "/", nil),
		sso.LoginRequest{ConnectionID: ot.conn.ID, ReturnPath: "/home"}))
	ot.logins = append(ot.logins, rec)
	client := *ot.op.Server.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(rec.Header().Get("Location"))
	must(t, err)
	resp.Body.Close()
	cb, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return cb
}

func (ot *oidcTest) callback(cb *url.URL) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	ot.got = nil
	ot.svc.Handler().ServeHTTP(rec, ot.request(cb))
	return rec
}

// request is the browser's request for the callback URL cb.
func (ot *oidcTest) request(cb *url.URL) *http.Request {
	req := httptest.NewRequest(http.MethodGet, cb.String(), nil)
	addCookies(req, ot.logins...)
	return req
}

func TestOIDCLogin(t *testing.T) {
	t.Parallel()
	for _, m := range []sso.AuthMethod{sso.AuthClientSecretBasic, sso.AuthClientSecretPost} {
		t.Run(string(m), func(t *testing.T) {
			t.Parallel()
			ot := newOIDCTest(t, m)
			stored, err := ot.store.Connection(context.Background(), "org_o", ot.conn.ID)
			must(t, err)
			if stored.OIDC.ClientSecret != "" || bytes.Contains(stored.OIDC.SealedClientSecret, []byte("s3cret")) {
				t.Fatalf("the client secret is stored in the clear")
			}
			cb := ot.authorize(t)
			if rec := ot.callback(cb); rec.Code != http.StatusNoContent {
				t.Fatalf("callback answered %d %q", rec.Code, rec.Body.String())
			}
			want := &sso.Profile{Subject: "user-1", Email: "carol@example.com", FirstName: "Carol",
				LastName: "Jones", Groups: []string{"eng"}, OrganizationID: "org_o",
				ConnectionID: ot.conn.ID, Protocol: sso.ProtocolOIDC}
			if sid := ot.got.Attributes["sid"]; len(sid) == 1 && sid[0] != "" {
				want.SessionID = sid[0]
			} else {
				t.Errorf("the ID token's sid is %q", sid)
			}
			if !strings.HasPrefix(ot.got.IDToken.Reveal(), "ey") {
				t.Errorf("the profile lacks the raw ID token")
			}
			ot.got.Attributes, ot.got.IDToken = nil, ""
			if diff := cmp.Diff(want, ot.got); diff != "" {
				t.Errorf("profile (-want +got):\n%s", diff)
			}
			if ot.rp != "/home" {
				t.Errorf("return path %q", ot.rp)
			}
			if rec := ot.callback(cb); rec.Code != http.StatusForbidden {
				t.Errorf("the same callback again answered %d", rec.Code)
			}
		})
	}
}

func TestOIDCCallbackAttacks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(t *testing.T, ot *oidcTest, cb *url.URL)
		want sso.Reason
	}{
		{"wrong state", func(_ *testing.T, _ *oidcTest, cb *url.URL) { setQuery(cb, "state", "_forged") },
			sso.ReasonState},
		{"missing state", func(_ *testing.T, _ *oidcTest, cb *url.URL) { setQuery(cb, "state", "") },
			sso.ReasonState},
		{"code of another login", func(t *testing.T, ot *oidcTest, cb *url.URL) {
			other := ot.authorize(t)
			setQuery(cb, "state", other.Query().Get("state"))
		}, sso.ReasonTokenExchange},
		{"callback in another browser", func(_ *testing.T, ot *oidcTest, _ *url.URL) { ot.logins = nil },
			sso.ReasonState},
		{"provider error", func(_ *testing.T, _ *oidcTest, cb *url.URL) { setQuery(cb, "error", "access_denied") },
			sso.ReasonStatus},
		{"nonce of another login", func(t *testing.T, ot *oidcTest, _ *url.URL) {
			ot.op.IDTokenClaims = func(c map[string]any) { c["nonce"] = "other" }
		}, sso.ReasonNonce},
		{"ID token for another client", func(t *testing.T, ot *oidcTest, _ *url.URL) {
			ot.op.IDTokenClaims = func(c map[string]any) { c["aud"] = "client-2" }
		}, sso.ReasonAudience},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ot := newOIDCTest(t, sso.AuthClientSecretBasic)
			cb := ot.authorize(t)
			tt.edit(t, ot, cb)
			_, _, err := ot.svc.AcceptOIDCCallback(context.Background(), ot.conn, ot.request(cb))
			if got := sso.ReasonOf(err); got != tt.want {
				t.Errorf("reason %q, want %q (%v)", got, tt.want, err)
			}
		})
	}
}

func setQuery(u *url.URL, k, v string) {
	q := u.Query()
	q.Set(k, v)
	u.RawQuery = q.Encode()
}

func TestIDTokenAttacks(t *testing.T) {
	t.Parallel()
	ot := newOIDCTest(t, sso.AuthClientSecretBasic)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	now := time.Now()
	base := func() map[string]any {
		return map[string]any{"iss": ot.op.Issuer(), "aud": "client-1", "sub": "user-1",
			"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": "n-1"}
	}
	sign := func(t *testing.T, c map[string]any) string {
		s, err := ssotest.SignJWT(c, ot.op.Key, ot.op.KeyID)
		must(t, err)
		return s
	}
	tests := []struct {
		name  string
		token func(t *testing.T) string
		want  sso.Reason
	}{
		{"alg none", func(t *testing.T) string {
			return unsignedJWT(t, map[string]string{"alg": "none", "kid": ot.op.KeyID}, base())
		}, sso.ReasonIDToken},
		{"HS256 keyed with the public key", func(t *testing.T) string {
			pub := ot.op.Key.Public().(*rsa.PublicKey)
			hdrs := jws.NewHeaders()
			_ = hdrs.Set(jws.KeyIDKey, ot.op.KeyID)
			payload, _ := json.Marshal(base())
			b, err := jws.Sign(payload, jws.WithKey(jwa.HS256, pub.N.Bytes(), jws.WithProtectedHeaders(hdrs)))
			must(t, err)
			return string(b)
		}, sso.ReasonIDToken},
		{"another key with the provider's kid", func(t *testing.T) string {
			s, err := ssotest.SignJWT(base(), otherKey, ot.op.KeyID)
			must(t, err)
			return s
		}, sso.ReasonIDToken},
		{"unknown kid", func(t *testing.T) string {
			s, err := ssotest.SignJWT(base(), otherKey, "key-unknown")
			must(t, err)
			return s
		}, sso.ReasonIDToken},
		{"wrong issuer", func(t *testing.T) string {
			c := base()
			c["iss"] = "https://evil.example"
			return sign(t, c)
		}, sso.ReasonIssuer},
		{"wrong audience", func(t *testing.T) string {
			c := base()
			c["aud"] = "client-2"
			return sign(t, c)
		}, sso.ReasonAudience},
		{"several audiences without azp", func(t *testing.T) string {
			c := base()
			c["aud"] = []string{"client-1", "client-2"}
			return sign(t, c)
		}, sso.ReasonAudience},
		{"azp of another client", func(t *testing.T) string {
			c := base()
			c["azp"] = "client-2"
			return sign(t, c)
		}, sso.ReasonAudience},
		{"expired", func(t *testing.T) string {
			c := base()
			c["iat"], c["exp"] = now.Add(-time.Hour).Unix(), now.Add(-10*time.Minute).Unix()
			return sign(t, c)
		}, sso.ReasonExpired},
		{"not yet valid", func(t *testing.T) string {
			c := base()
			c["nbf"] = now.Add(10 * time.Minute).Unix()
			return sign(t, c)
		}, sso.ReasonExpired},
		{"no iat", func(t *testing.T) string {
			c := base()
			delete(c, "iat")
			return sign(t, c)
		}, sso.ReasonIDToken},
		{"nonce mismatch", func(t *testing.T) string {
			c := base()
			c["nonce"] = "n-2"
			return sign(t, c)
		}, sso.ReasonNonce},
		{"missing nonce", func(t *testing.T) string {
			c := base()
			delete(c, "nonce")
			return sign(t, c)
		}, sso.ReasonNonce},
		{"garbage", func(*testing.T) string { return "not.a.jwt" }, sso.ReasonIDToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ot.svc.VerifyIDToken(context.Background(), ot.conn, tt.token(t), "n-1")
			if got := sso.ReasonOf(err); got != tt.want {
				t.Errorf("reason %q, want %q (%v)", got, tt.want, err)
			}
		})
	}
	t.Run("good", func(t *testing.T) {
		t.Parallel()
		if _, err := ot.svc.VerifyIDToken(context.Background(), ot.conn, sign(t, base()), "n-1"); err != nil {
			t.Fatal(err)
		}
	})
}

func unsignedJWT(t *testing.T, hdr map[string]string, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(hdr)
	c, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	return strings.Join([]string{enc(h), enc(c), ""}, ".")
}
