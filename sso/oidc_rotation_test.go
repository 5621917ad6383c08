package sso_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

// When the provider rotates its key, a token under the new kid makes the
// service fetch the JWKS again, but at most once a minute.
func TestOIDCKeyRotation(t *testing.T) {
	t.Parallel()
	op, err := ssotest.NewOP("client-1", "s3cret")
	must(t, err)
	t.Cleanup(op.Close)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	later := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	svc, err := sso.New(sso.Config{Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso",
		Sealer: ssotest.NewSealer(), HTTPClient: op.Server.Client(), Clock: clock,
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {}})
	must(t, err)
	conn, err := svc.CreateConnection(context.Background(), &sso.Connection{OrganizationID: "o",
		Protocol: sso.ProtocolOIDC, OIDC: &sso.OIDCConfig{Issuer: op.Issuer(), ClientID: "client-1",
			ClientSecret: "s3cret"}})
	must(t, err)
	token := func() string {
		c := map[string]any{"iss": op.Issuer(), "aud": "client-1", "sub": "u", "nonce": "n",
			"iat": clock().Unix(), "exp": clock().Add(time.Minute).Unix()}
		s, err := ssotest.SignJWT(c, op.Key, op.KeyID)
		must(t, err)
		return s
	}
	verify := func() error {
		_, err := svc.VerifyIDToken(context.Background(), conn, token(), "n")
		return err
	}

	must(t, verify()) // caches the JWKS
	newKey, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	op.Key, op.KeyID = newKey, "key-2"
	later(30 * time.Second)
	if err := verify(); sso.ReasonOf(err) != sso.ReasonIDToken {
		t.Fatalf("within a minute of the last fetch the JWKS is not fetched again: %v", err)
	}
	later(time.Minute)
	if err := verify(); err != nil {
		t.Fatalf("after the rotation: %v", err)
	}
}

// A mapping may take the stable user ID from an attribute: Entra ID's
// object ID here, which survives renames.
func TestMappingSubject(t *testing.T) {
	t.Parallel()
	svc, conn, encoded, _ := realIdP(t, "adfs")
	c := conn.Clone()
	c.Mapping.Subject = "http://schemas.microsoft.com/identity/claims/objectidentifier"
	c, err := svc.UpdateConnection(context.Background(), c)
	must(t, err)
	p, _, err := svc.AcceptSAMLResponse(context.Background(), c, encoded, "")
	must(t, err)
	if p.Subject != "74a35d48-1914-4115-82f1-1b8a01449f3d" || p.Email != "ulysse.carion@codomaindata.com" {
		t.Errorf("subject %q email %q", p.Subject, p.Email)
	}
}

// The OP mounted under a prefix of the host's own server, as a
// development setup runs it.
func TestOPMounted(t *testing.T) {
	t.Parallel()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	op, err := ssotest.NewOPAt(srv.URL+"/dev-oidc", "demo", "demo-secret")
	must(t, err)
	mux := http.NewServeMux()
	mux.Handle("/dev-oidc/", http.StripPrefix("/dev-oidc", op.Handler()))
	h = mux
	ot := &oidcTest{op: op, store: sso.NewMemoryStore()}
	ot.svc, err = sso.New(sso.Config{Store: ot.store, BaseURL: "https://sp.example/sso",
		Sealer: ssotest.NewSealer(), HTTPClient: srv.Client(),
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {}})
	must(t, err)
	ot.conn, err = ot.svc.CreateConnection(context.Background(), &sso.Connection{OrganizationID: "o",
		Enabled: true, Protocol: sso.ProtocolOIDC,
		OIDC: &sso.OIDCConfig{Issuer: op.Issuer(), ClientID: "demo", ClientSecret: "demo-secret"}})
	must(t, err)
	ot.op.Server = srv // authorize follows redirects with this client
	p, _, err := ot.svc.AcceptOIDCCallback(context.Background(), ot.conn, ot.request(ot.authorize(t)))
	must(t, err)
	if p.Email != "carol@example.com" {
		t.Errorf("profile %+v", p)
	}
}
