package sso_test

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

func TestValidReturnPath(t *testing.T) {
	t.Parallel()
	good := map[string]string{"": "/", "/": "/", "/app?x=1#y": "/app?x=1#y", "/a/b%20c": "/a/b%20c"}
	for in, want := range good {
		if got, err := sso.ValidReturnPath(in); err != nil || got != want {
			t.Errorf("ValidReturnPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{
		"https://evil.example/", "//evil.example", "/\\evil.example", "\\\\evil.example",
		"javascript:alert(1)", "evil.example", "/%2F/evil.example", "/%5Cevil.example",
		"/\tevil", "/a\nb", "///evil.example", "http:/evil.example", " /x",
		"/" + strings.Repeat("a", sso.MaxReturnPathLength),
	}
	for _, in := range bad {
		if got, err := sso.ValidReturnPath(in); !errors.Is(err, sso.ErrBadReturnPath) {
			t.Errorf("ValidReturnPath(%q) = %q, %v; want ErrBadReturnPath", in, got, err)
		}
	}
}

type domains map[string]string

func (d domains) OrganizationForEmail(_ context.Context, email string) (string, error) {
	_, dom, _ := strings.Cut(email, "@")
	return d[strings.ToLower(dom)], nil
}

func TestLoginRouting(t *testing.T) {
	t.Parallel()
	idp, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	must(t, err)
	store := sso.NewMemoryStore()
	svc, err := sso.New(sso.Config{
		Store: store, BaseURL: "https://sp.example/sso", Domains: domains{"acme.test": "org_acme"},
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {},
	})
	must(t, err)
	ctx := context.Background()
	off, err := svc.CreateConnection(ctx, &sso.Connection{OrganizationID: "org_acme",
		Protocol: sso.ProtocolSAML, SAML: &sso.SAMLConfig{IdPMetadataXML: idp.Metadata()}})
	must(t, err)
	on, err := svc.CreateConnection(ctx, &sso.Connection{OrganizationID: "org_acme", Enabled: true,
		Protocol: sso.ProtocolSAML, SAML: &sso.SAMLConfig{IdPMetadataXML: idp.Metadata()}})
	must(t, err)
	tests := []struct {
		name string
		req  sso.LoginRequest
		want error
	}{
		{"by email", sso.LoginRequest{Email: "dave@ACME.test"}, nil},
		{"by organization", sso.LoginRequest{OrganizationID: "org_acme"}, nil},
		{"by connection", sso.LoginRequest{ConnectionID: on.ID}, nil},
		{"unknown domain", sso.LoginRequest{Email: "eve@other.test"}, sso.ErrNoConnection},
		{"disabled connection", sso.LoginRequest{ConnectionID: off.ID}, sso.ErrNoConnection},
		{"connection of another organization", sso.LoginRequest{ConnectionID: on.ID,
			OrganizationID: "org_other"}, sso.ErrNoConnection},
		{"open redirect", sso.LoginRequest{ConnectionID: on.ID, ReturnPath: "//evil.example"},
			sso.ErrBadReturnPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			err := svc.Login(rec, httptest.NewRequest(http.MethodGet, "/", nil), tt.req)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Login: %v, want %v", err, tt.want)
			}
			if err == nil && !strings.HasPrefix(rec.Header().Get("Location"), "https://idp.example/sso?") {
				t.Errorf("redirected to %q", rec.Header().Get("Location"))
			}
			if err != nil && rec.Body.Len()+len(rec.Header()) != 0 {
				t.Errorf("wrote a response on error")
			}
		})
	}
}

// The AuthnRequest carries the login state's ID, our ACS and entity ID;
// with the POST binding and a signer it is signed.
func TestAuthnRequest(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "sp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	cert, _ := x509.ParseCertificate(der)
	idp, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	must(t, err)
	svc, err := sso.New(sso.Config{Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso",
		SAMLSigner: key, SAMLCertificate: cert,
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {}})
	must(t, err)
	for _, binding := range []string{"redirect", "post"} {
		conn, err := svc.CreateConnection(context.Background(), &sso.Connection{OrganizationID: "o",
			Enabled: true, Protocol: sso.ProtocolSAML,
			SAML: &sso.SAMLConfig{IdPMetadataXML: idp.Metadata(), Binding: binding}})
		must(t, err)
		rec := httptest.NewRecorder()
		must(t, svc.Login(rec, httptest.NewRequest(http.MethodGet, "/", nil), sso.LoginRequest{ConnectionID: conn.ID}))
		var xmlReq, relay string
		if binding == "redirect" {
			u, _ := url.Parse(rec.Header().Get("Location"))
			raw, _ := base64.StdEncoding.DecodeString(u.Query().Get("SAMLRequest"))
			inflated, _ := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
			xmlReq, relay = string(inflated), u.Query().Get("RelayState")
			if u.Query().Get("Signature") == "" || u.Query().Get("SigAlg") == "" {
				t.Errorf("redirect binding: the request is not signed")
			}
		} else {
			body := rec.Body.String()
			m := formField.FindAllStringSubmatch(body, -1)
			if len(m) == 0 || !strings.Contains(body, `name="SAMLRequest"`) {
				t.Fatalf("post binding: no form: %q", body)
			}
			i := strings.Index(body, `name="SAMLRequest" value="`) + len(`name="SAMLRequest" value="`)
			raw, _ := base64.StdEncoding.DecodeString(html.UnescapeString(body[i : i+strings.Index(body[i:], `"`)]))
			xmlReq, relay = string(raw), html.UnescapeString(m[len(m)-1][2])
			if !strings.Contains(xmlReq, "SignatureValue") {
				t.Errorf("post binding: the request is not signed")
			}
		}
		for _, want := range []string{`ID="` + relay + `"`, svc.ACSURL(conn), svc.SPEntityID(conn)} {
			if !strings.Contains(xmlReq, want) {
				t.Errorf("%s: AuthnRequest lacks %q: %s", binding, want, xmlReq)
			}
		}
		md, err := svc.SPMetadata(conn)
		must(t, err)
		if !bytes.Contains(md, []byte(`AuthnRequestsSigned="true"`)) ||
			!bytes.Contains(md, []byte(base64.StdEncoding.EncodeToString(cert.Raw))) {
			t.Errorf("SP metadata lacks the signing certificate: %s", md)
		}
	}
}

// With AllowEmail, a profile whose email is outside the organization's
// verified domains is refused.
func TestAllowEmail(t *testing.T) {
	t.Parallel()
	st := newSAMLTest(t, nil)
	svc, err := sso.New(sso.Config{
		Store: st.store, BaseURL: "https://sp.example/sso", Clock: func() time.Time { return samlNow },
		OnSuccess: func(w http.ResponseWriter, _ *http.Request, _ *sso.Profile, _ string) {
			w.WriteHeader(http.StatusNoContent)
		},
		AllowEmail: func(_ context.Context, org, email string) (bool, error) {
			return org == "org_a" && strings.HasSuffix(email, "@example.com"), nil
		},
	})
	must(t, err)
	for _, tc := range []struct {
		email string
		code  int
	}{{"alice@example.com", http.StatusNoContent}, {"mallory@other.test", http.StatusForbidden}} {
		id := st.start(t)
		r := st.response(id)
		r.NameID = tc.email
		form := url.Values{"SAMLResponse": {ssotest.Encode(signed(t, st, r))}, "RelayState": {id}}
		req := httptest.NewRequest(http.MethodPost, svc.ACSURL(st.conn), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		addCookies(req, st.logins...)
		rec := httptest.NewRecorder()
		svc.Handler().ServeHTTP(rec, req)
		if rec.Code != tc.code {
			t.Errorf("%s: %d, want %d", tc.email, rec.Code, tc.code)
		}
	}
	atts, err := st.store.Attempts(context.Background(), "org_a", st.conn.ID, 1)
	must(t, err)
	if len(atts) != 1 || atts[0].Reason != sso.ReasonDomain {
		t.Errorf("last attempt %+v", atts)
	}
}
