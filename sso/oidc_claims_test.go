package sso_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

// An ID token without email: the userinfo endpoint fills it in, but only
// for the same subject.
func TestOIDCUserInfoMerge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		userinfo func(map[string]any)
		want     string
	}{
		{"same subject", nil, "carol@example.com"},
		{"another subject", func(c map[string]any) { c["sub"], c["email"] = "user-2", "eve@example.com" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ot := newOIDCTest(t, sso.AuthClientSecretBasic)
			ot.op.IDTokenClaims = func(c map[string]any) { delete(c, "email") }
			ot.op.UserInfo = tt.userinfo
			p, _, err := ot.svc.AcceptOIDCCallback(context.Background(), ot.conn, ot.request(ot.authorize(t)))
			must(t, err)
			if p.Email != tt.want || p.Subject != "user-1" {
				t.Errorf("email %q subject %q, want email %q", p.Email, p.Subject, tt.want)
			}
		})
	}
}

// Entra ID's multi-tenant endpoint names the issuer {tenantid}; the token's
// iss must be that template filled with the token's own tid.
func TestOIDCEntraMultiTenant(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		claim func(map[string]any)
		want  sso.Reason
	}{
		{"the tenant's own issuer", nil, ""},
		{"iss of another tenant", func(c map[string]any) { c["tid"] = "tenant-b" }, sso.ReasonIssuer},
		{"no tid", func(c map[string]any) { delete(c, "tid") }, sso.ReasonIssuer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ot := newOIDCTest(t, sso.AuthClientSecretBasic, func(op *ssotest.OP) { op.TenantID = "tenant-a" })
			ot.op.IDTokenClaims = tt.claim
			_, _, err := ot.svc.AcceptOIDCCallback(context.Background(), ot.conn, ot.request(ot.authorize(t)))
			if got := sso.ReasonOf(err); got != tt.want {
				t.Errorf("reason %q, want %q (%v)", got, tt.want, err)
			}
		})
	}
}
