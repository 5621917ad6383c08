package sso_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

// private_key_jwt: the service signs its client assertion with a
// crypto.Signer (ECDSA P-256 here) and publishes the public key.
func TestOIDCPrivateKeyJWT(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	op, err := ssotest.NewOP("client-1", "")
	must(t, err)
	t.Cleanup(op.Close)
	op.ClientKey, op.ClientKeyAlg = &key.PublicKey, "ES256"
	var got *sso.Profile
	svc, err := sso.New(sso.Config{Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso",
		HTTPClient: op.Server.Client(), OIDCClientKey: key, OIDCClientKeyID: "sp-key-1",
		OnSuccess: func(w http.ResponseWriter, _ *http.Request, p *sso.Profile, _ string) {
			got = p
			w.WriteHeader(http.StatusNoContent)
		}})
	must(t, err)
	conn, err := svc.CreateConnection(context.Background(), &sso.Connection{OrganizationID: "o",
		Enabled: true, Protocol: sso.ProtocolOIDC, OIDC: &sso.OIDCConfig{Issuer: op.Issuer(),
			ClientID: "client-1", AuthMethod: sso.AuthPrivateKeyJWT}})
	must(t, err)
	ot := &oidcTest{op: op, svc: svc, conn: conn}
	cb := ot.authorize(t)
	rec := httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, ot.request(cb))
	if rec.Code != http.StatusNoContent || got == nil || got.Subject != "user-1" {
		atts, _ := svc.Store().Attempts(context.Background(), "o", conn.ID, 1)
		t.Fatalf("callback answered %d; attempts %+v", rec.Code, atts)
	}

	// The public key is published for the provider.
	rec = httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://sp.example/sso/oidc/jwks", nil))
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	must(t, json.Unmarshal(rec.Body.Bytes(), &set))
	if len(set.Keys) != 1 || set.Keys[0]["kid"] != "sp-key-1" || set.Keys[0]["alg"] != "ES256" ||
		set.Keys[0]["d"] != nil {
		t.Errorf("JWKS %v", set.Keys)
	}

	// The assertion must be signed by the registered key.
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	op.ClientKey = &other.PublicKey
	cb = ot.authorize(t)
	_, _, err = svc.AcceptOIDCCallback(context.Background(), conn, ot.request(cb))
	if sso.ReasonOf(err) != sso.ReasonTokenExchange {
		t.Errorf("with another registered key: %v", err)
	}
}
