package sso_test

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	saml2 "github.com/russellhaering/gosaml2"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

// benchResponses makes n responses signed with the IdP's 2048-bit RSA key
// (response and assertion), each answering its own pending request.
func benchResponses(b *testing.B, st *samlTest, n int) (encoded, ids []string) {
	b.Helper()
	for range n {
		id := "_" + strings.Repeat("0", 8) + randomHex(b)
		must(b, st.store.SaveLoginState(context.Background(), &sso.LoginState{ID: id,
			OrganizationID: "org_a", ConnectionID: st.conn.ID, ReturnPath: "/",
			CreatedAt: samlNow, ExpiresAt: samlNow.Add(time.Hour)}))
		doc, err := st.idp.SignedResponse(st.response(id))
		must(b, err)
		encoded, ids = append(encoded, ssotest.Encode(doc)), append(ids, id)
	}
	return encoded, ids
}

func randomHex(b *testing.B) string {
	idp := ssotest.Encode([]byte(time.Now().String()))
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, idp) + "x" + strings.ReplaceAll(b.Name(), "/", "")
}

func mustB(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkGosaml2Validate is the baseline: gosaml2's own validation of a
// signed response, as its RetrieveAssertionInfo does it.
func BenchmarkGosaml2Validate(b *testing.B) {
	st := newSAMLTest(b, nil)
	encoded, _ := benchResponses(b, st, 1)
	sp := &saml2.SAMLServiceProvider{
		IdentityProviderIssuer: st.idp.EntityID, AssertionConsumerServiceURL: st.svc.ACSURL(st.conn),
		AudienceURI: st.svc.SPEntityID(st.conn), ServiceProviderIssuer: st.svc.SPEntityID(st.conn),
		IDPCertificateStore: &dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{st.idp.Cert}},
		Clock:               dsig.NewFakeClockAt(samlNow),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sp.RetrieveAssertionInfo(encoded[0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAcceptSAMLResponse is the same validation with every check of
// the package: shape, InResponseTo taken from the Store, replay cache,
// audience and time window, profile mapping.
func BenchmarkAcceptSAMLResponse(b *testing.B) {
	st := newSAMLTest(b, nil)
	const pool = 2000
	encoded, ids := benchResponses(b, st, pool)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if i == pool {
			b.StopTimer()
			encoded, ids = benchResponses(b, st, pool)
			i = 0
			b.StartTimer()
		}
		if _, _, err := st.svc.AcceptSAMLResponse(ctx, st.conn, encoded[i], ids[i]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkACSHandler is the whole ACS request: form parsing, the
// checks, the attempt log and the host's success handler.
func BenchmarkACSHandler(b *testing.B) {
	st := newSAMLTest(b, nil)
	const pool = 2000
	encoded, ids := benchResponses(b, st, pool)
	h := st.svc.Handler()
	acs := st.svc.ACSURL(st.conn)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if i == pool {
			b.StopTimer()
			encoded, ids = benchResponses(b, st, pool)
			i = 0
			b.StartTimer()
		}
		form := url.Values{"SAMLResponse": {encoded[i]}, "RelayState": {ids[i]}}.Encode()
		req := httptest.NewRequest(http.MethodPost, acs, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 300 {
			b.Fatalf("ACS answered %d", rec.Code)
		}
		i++
	}
}

// BenchmarkVerifyIDToken verifies an RS256 ID token with the discovery
// document and JWKS cached.
func BenchmarkVerifyIDToken(b *testing.B) {
	ot := newOIDCTest(b, sso.AuthClientSecretBasic)
	tok, err := ot.op.IDToken("n-1")
	mustB(b, err)
	ctx := context.Background()
	_, err = ot.svc.VerifyIDToken(ctx, ot.conn, tok, "n-1")
	mustB(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ot.svc.VerifyIDToken(ctx, ot.conn, tok, "n-1"); err != nil {
			b.Fatal(err)
		}
	}
}
