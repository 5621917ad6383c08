package scim

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// issuer is a test token issuer publishing its keys like Entra ID.
type issuer struct {
	t       *testing.T
	srv     *httptest.Server
	key     jwk.Key
	set     atomic.Value // jwk.Set
	fetches atomic.Int32
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	is := &issuer{t: t}
	is.rotate("k1")
	is.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		is.fetches.Add(1)
		_ = json.NewEncoder(w).Encode(is.set.Load())
	}))
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) rotate(kid string) {
	raw, _ := rsa.GenerateKey(rand.Reader, 2048)
	key, _ := jwk.FromRaw(raw)
	_ = key.Set(jwk.KeyIDKey, kid)
	is.key = key
	pub, _ := key.PublicKey()
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	is.set.Store(set)
}

const (
	testIss = "https://sts.windows.net/tenant-1/"
	testAud = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621"
)

// sign makes a token; edit changes the claims before signing.
func (is *issuer) sign(now time.Time, edit func(jwt.Token)) string {
	tok := jwt.New()
	_ = tok.Set(jwt.IssuerKey, testIss)
	_ = tok.Set(jwt.AudienceKey, []string{testAud})
	_ = tok.Set(jwt.SubjectKey, "app-1")
	_ = tok.Set(jwt.IssuedAtKey, now)
	_ = tok.Set(jwt.ExpirationKey, now.Add(time.Hour))
	if edit != nil {
		edit(tok)
	}
	b, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, is.key))
	if err != nil {
		is.t.Fatal(err)
	}
	return string(b)
}

func TestFederatedJWT(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	clock := &fakeClock{t: time.Now().Truncate(time.Second)}
	store := NewMemoryStore()
	ctx := context.Background()
	bootstrap, _ := New(Config{Store: store})
	dir, _ := bootstrap.CreateDirectory(ctx, "org_1", "Entra")
	svc, err := New(Config{Store: store, Clock: clock.now, HTTPClient: is.srv.Client(),
		FederatedIssuers: []FederatedIssuer{{DirectoryID: dir.ID, Issuer: testIss, JWKSURL: is.srv.URL,
			Audience: testAud, Subject: "app-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	call := func(token string) int {
		req, _ := http.NewRequest("GET", srv.URL+"/Users", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	now := clock.t
	if got := call(is.sign(now, nil)); got != 200 {
		t.Fatalf("valid token: %d", got)
	}

	other := newIssuer(t) // a different key under the same kid
	ecRaw, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecKey, _ := jwk.FromRaw(ecRaw)
	_ = ecKey.Set(jwk.KeyIDKey, "k1")
	cases := map[string]string{
		"wrong issuer":      is.sign(now, func(t jwt.Token) { _ = t.Set(jwt.IssuerKey, "https://evil/") }),
		"wrong audience":    is.sign(now, func(t jwt.Token) { _ = t.Set(jwt.AudienceKey, []string{"other"}) }),
		"wrong subject":     is.sign(now, func(t jwt.Token) { _ = t.Set(jwt.SubjectKey, "app-2") }),
		"expired":           is.sign(now.Add(-2*time.Hour), nil),
		"not yet valid":     is.sign(now, func(t jwt.Token) { _ = t.Set(jwt.NotBeforeKey, now.Add(time.Hour)) }),
		"no exp":            is.sign(now, func(t jwt.Token) { _ = t.Remove(jwt.ExpirationKey) }),
		"no iat":            is.sign(now, func(t jwt.Token) { _ = t.Remove(jwt.IssuedAtKey) }),
		"too long-lived":    is.sign(now, func(t jwt.Token) { _ = t.Set(jwt.ExpirationKey, now.Add(48*time.Hour)) }),
		"another key":       other.sign(now, nil),
		"unsigned":          unsigned(now),
		"HMAC with the kid": hmacToken(t, now),
		"EC key, same kid":  signWith(t, ecKey, jwa.ES256, now),
		"garbage":           "a.b.c",
	}
	for name, tok := range cases {
		if got := call(tok); got != 401 {
			t.Errorf("%s: %d, want 401", name, got)
		}
	}

	// After a key rotation the new key is fetched once and accepted.
	before := is.fetches.Load()
	is.rotate("k2")
	clock.t = clock.t.Add(2 * jwksMinRefetch)
	if got := call(is.sign(clock.t, nil)); got != 200 {
		t.Errorf("token of the rotated key: %d", got)
	}
	if n := is.fetches.Load() - before; n != 1 {
		t.Errorf("fetched the keys %d times after rotation, want 1", n)
	}
}

func unsigned(now time.Time) string {
	tok := jwt.New()
	_ = tok.Set(jwt.IssuerKey, testIss)
	_ = tok.Set(jwt.AudienceKey, []string{testAud})
	_ = tok.Set(jwt.SubjectKey, "app-1")
	_ = tok.Set(jwt.IssuedAtKey, now)
	_ = tok.Set(jwt.ExpirationKey, now.Add(time.Hour))
	b, _ := jwt.NewSerializer().Serialize(tok)
	return "eyJhbGciOiJub25lIiwia2lkIjoiazEifQ." + string(b64(b)) + "."
}

func hmacToken(t *testing.T, now time.Time) string {
	key, _ := jwk.FromRaw([]byte("shared-secret-shared-secret-1234"))
	_ = key.Set(jwk.KeyIDKey, "k1")
	return signWith(t, key, jwa.HS256, now)
}

func signWith(t *testing.T, key jwk.Key, alg jwa.SignatureAlgorithm, now time.Time) string {
	tok := jwt.New()
	_ = tok.Set(jwt.IssuerKey, testIss)
	_ = tok.Set(jwt.AudienceKey, []string{testAud})
	_ = tok.Set(jwt.SubjectKey, "app-1")
	_ = tok.Set(jwt.IssuedAtKey, now)
	_ = tok.Set(jwt.ExpirationKey, now.Add(time.Hour))
	b, err := jwt.Sign(tok, jwt.WithKey(alg, key))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func b64(b []byte) []byte {
	out := make([]byte, base64.RawURLEncoding.EncodedLen(len(b)))
	base64.RawURLEncoding.Encode(out, b)
	return out
}

func TestStoredFederatedIssuers(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	clock := &fakeClock{t: time.Now().Truncate(time.Second)}
	svc, err := New(Config{Store: NewMemoryStore(), Clock: clock.now, HTTPClient: is.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dirA, _ := svc.CreateDirectory(ctx, "org_a", "Entra A")
	dirB, _ := svc.CreateDirectory(ctx, "org_b", "Entra B")
	trust := FederatedIssuer{DirectoryID: dirA.ID, Issuer: testIss, JWKSURL: is.srv.URL, Audience: testAud}
	fed, err := svc.AddFederatedIssuer(ctx, "org_a", trust)
	if err != nil {
		t.Fatal(err)
	}

	// Another organization can neither claim the same trust for its own
	// directory nor add one to org_a's directory.
	squat := trust
	squat.DirectoryID = dirB.ID
	if _, err := svc.AddFederatedIssuer(ctx, "org_b", squat); !errors.Is(err, ErrUniqueness) {
		t.Errorf("org_b claiming org_a's trust: %v, want ErrUniqueness", err)
	}
	if _, err := svc.AddFederatedIssuer(ctx, "org_b", trust); !errors.Is(err, ErrNotFound) {
		t.Errorf("org_b adding a trust to org_a's directory: %v, want ErrNotFound", err)
	}
	plain := trust
	plain.JWKSURL = "http://keys.example/"
	if _, err := svc.AddFederatedIssuer(ctx, "org_a", plain); err == nil {
		t.Error("an http JWKS URL was accepted")
	}

	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	call := func(token string) int {
		req, _ := http.NewRequest("GET", srv.URL+"/Users", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	tok := is.sign(clock.t, nil)
	if got := call(tok); got != 200 {
		t.Fatalf("token of a stored trust: %d", got)
	}
	if err := svc.RemoveFederatedIssuer(ctx, "org_b", dirA.ID, fed.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("org_b removing org_a's trust: %v", err)
	}
	if err := svc.RemoveFederatedIssuer(ctx, "org_a", dirA.ID, fed.ID); err != nil {
		t.Fatal(err)
	}
	if got := call(tok); got != 401 {
		t.Errorf("token after the trust was removed: %d, want 401", got)
	}
}
