package sso_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

// TestResealClientSecrets rotates the Sealer's key, reseals, and signs
// in with the resealed secret; another organization's connection is left
// as it was.
func TestResealClientSecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ot := newOIDCTest(t, sso.AuthClientSecretBasic)
	other, err := ot.svc.CreateConnection(ctx, &sso.Connection{
		OrganizationID: "org_p", Protocol: sso.ProtocolOIDC, Enabled: true,
		OIDC: &sso.OIDCConfig{Issuer: ot.op.Issuer(), ClientID: "client-1", ClientSecret: "s3cret"},
	})
	must(t, err)
	before := sealedSecret(t, ot.store, "org_o", ot.conn.ID)

	if n, err := ot.svc.ResealClientSecrets(ctx, "org_o"); err != nil || n != 0 {
		t.Fatalf("reseal before any rotation: %d, %v; want nothing to do", n, err)
	}
	ot.sealer.Rotate()
	if n, err := ot.svc.ResealClientSecrets(ctx, "org_o"); err != nil || n != 1 {
		t.Fatalf("reseal after a rotation: %d, %v; want 1", n, err)
	}
	after := sealedSecret(t, ot.store, "org_o", ot.conn.ID)
	if bytes.Equal(before, after) {
		t.Fatal("the client secret was not resealed")
	}
	if stale, _ := ot.sealer.NeedsReseal(ctx, after); stale {
		t.Error("the resealed secret is still under the old key")
	}
	if n, _ := ot.svc.ResealClientSecrets(ctx, "org_o"); n != 0 {
		t.Errorf("a second run resealed %d secrets", n)
	}
	if stale, _ := ot.sealer.NeedsReseal(ctx, sealedSecret(t, ot.store, "org_p", other.ID)); !stale {
		t.Error("resealing org_o touched org_p's connection")
	}
	if rec := ot.callback(ot.authorize(t)); rec.Code != http.StatusNoContent {
		t.Fatalf("login with the resealed secret answered %d %q", rec.Code, rec.Body.String())
	}
}

func TestResealClientSecretsNeedsAResealer(t *testing.T) {
	t.Parallel()
	svc, err := sso.New(sso.Config{Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso",
		Sealer:    sealOnly{ssotest.NewSealer()},
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {}})
	must(t, err)
	if _, err := svc.ResealClientSecrets(context.Background(), "org_o"); err == nil {
		t.Error("ResealClientSecrets ran with a Sealer that cannot reseal")
	}
}

// sealOnly hides every method of its Sealer but Seal and Open.
type sealOnly struct{ s sso.Sealer }

func (o sealOnly) Seal(ctx context.Context, p, ad []byte) ([]byte, error) {
	return o.s.Seal(ctx, p, ad)
}
func (o sealOnly) Open(ctx context.Context, b, ad []byte) ([]byte, error) {
	return o.s.Open(ctx, b, ad)
}

func sealedSecret(t *testing.T, store sso.Store, org, id string) []byte {
	t.Helper()
	c, err := store.Connection(context.Background(), org, id)
	must(t, err)
	return c.OIDC.SealedClientSecret
}
