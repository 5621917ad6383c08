package sso_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"
	"github.com/gatehouse/gatehouse/sso"
	"github.com/google/go-cmp/cmp"
)

// crewjamSP hands crewjam's IdP the metadata of our SP.
type crewjamSP struct{ md *saml.EntityDescriptor }

func (p crewjamSP) GetServiceProvider(_ *http.Request, id string) (*saml.EntityDescriptor, error) {
	if id != p.md.EntityID {
		return nil, os.ErrNotExist
	}
	return p.md, nil
}

// crewjamUser is always signed in at the IdP.
type crewjamUser struct{}

func (crewjamUser) GetSession(http.ResponseWriter, *http.Request, *saml.IdpAuthnRequest) *saml.Session {
	return &saml.Session{
		ID: "sess-1", CreateTime: time.Now(), ExpireTime: time.Now().Add(time.Hour), Index: "idx-1",
		NameID: "bob@example.org", UserEmail: "bob@example.org", UserGivenName: "Bob",
		UserSurname: "Builder", Groups: []string{"admins", "devs"},
	}
}

func newCrewjamIdP(t *testing.T) (*saml.IdentityProvider, *httptest.Server) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "crewjam"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	cert, err := x509.ParseCertificate(der)
	must(t, err)
	idp := &saml.IdentityProvider{Key: key, Signer: key, Certificate: cert, SessionProvider: crewjamUser{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/metadata", func(w http.ResponseWriter, r *http.Request) { idp.ServeMetadata(w, r) })
	mux.HandleFunc("/sso", func(w http.ResponseWriter, r *http.Request) { idp.ServeSSO(w, r) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	idp.MetadataURL = *base.JoinPath("metadata")
	idp.SSOURL = *base.JoinPath("sso")
	return idp, srv
}

var formField = regexp.MustCompile(`name="(SAMLResponse|RelayState)" value="([^"]*)"`)

// TestCrewjamIdP signs in end to end against crewjam/saml's identity
// provider: our SP metadata configures it, its metadata URL configures
// us, and the login goes through the Redirect binding and the ACS.
func TestCrewjamIdP(t *testing.T) {
	t.Parallel()
	t.Run("plain", func(t *testing.T) { t.Parallel(); testCrewjamIdP(t, false) })
	// With an RSA SP key, the SP metadata asks for encrypted assertions and
	// crewjam's IdP encrypts them.
	t.Run("encrypted assertion", func(t *testing.T) { t.Parallel(); testCrewjamIdP(t, true) })
}

func testCrewjamIdP(t *testing.T, encrypt bool) {
	idp, srv := newCrewjamIdP(t)
	var got *sso.Profile
	var gotPath string
	cfg := sso.Config{
		Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso", HTTPClient: srv.Client(),
		OnSuccess: func(w http.ResponseWriter, _ *http.Request, p *sso.Profile, rp string) {
			got, gotPath = p, rp
			w.WriteHeader(http.StatusNoContent)
		},
	}
	if encrypt {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		must(t, err)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "sp"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		must(t, err)
		cfg.SAMLSigner = key
		cfg.SAMLCertificate, _ = x509.ParseCertificate(der)
	}
	svc, err := sso.New(cfg)
	must(t, err)
	conn, err := svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_c", Protocol: sso.ProtocolSAML, Enabled: true,
		SAML:    &sso.SAMLConfig{IdPMetadataURL: srv.URL + "/metadata"},
		Mapping: sso.AttributeMapping{Groups: "urn:oid:1.3.6.1.4.1.5923.1.1.1.1"},
	})
	must(t, err)
	spmd, err := svc.SPMetadata(conn)
	must(t, err)
	var md saml.EntityDescriptor
	must(t, xml.Unmarshal(spmd, &md))
	idp.ServiceProviderProvider = crewjamSP{&md}

	// Start the login and follow the redirect to the IdP.
	rec := httptest.NewRecorder()
	must(t, svc.Login(rec, httptest.NewRequest(http.MethodGet, "/", nil),
		sso.LoginRequest{OrganizationID: "org_c", ReturnPath: "/reports?q=1"}))
	login := rec
	resp, err := srv.Client().Get(rec.Header().Get("Location"))
	must(t, err)
	body := readAll(t, resp)
	fields := map[string]string{}
	for _, m := range formField.FindAllStringSubmatch(body, -1) {
		fields[m[1]] = html.UnescapeString(m[2])
	}
	if fields["SAMLResponse"] == "" {
		t.Fatalf("the IdP answered %d without a SAMLResponse: %.300s", resp.StatusCode, body)
	}
	raw, _ := base64.StdEncoding.DecodeString(fields["SAMLResponse"])
	if got := strings.Contains(string(raw), "EncryptedAssertion"); got != encrypt {
		t.Fatalf("the IdP encrypted the assertion: %v, want %v", got, encrypt)
	}

	// Post the IdP's answer to our ACS.
	form := url.Values{"SAMLResponse": {fields["SAMLResponse"]}, "RelayState": {fields["RelayState"]}}
	req := httptest.NewRequest(http.MethodPost, svc.ACSURL(conn), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	addCookies(req, login)
	rec = httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent || got == nil {
		atts, _ := svc.Store().Attempts(context.Background(), "org_c", conn.ID, 1)
		t.Fatalf("ACS answered %d; attempt log: %+v", rec.Code, atts[0])
	}
	want := &sso.Profile{
		Subject: "bob@example.org", Email: "bob@example.org", FirstName: "Bob", LastName: "Builder",
		Groups: []string{"admins", "devs"}, OrganizationID: "org_c", ConnectionID: conn.ID,
		Protocol: sso.ProtocolSAML, SessionIndex: "idx-1", NameID: "bob@example.org",
	}
	got.Attributes, got.SubjectFormat = nil, ""
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("profile (-want +got):\n%s", diff)
	}
	if gotPath != "/reports?q=1" {
		t.Errorf("return path %q", gotPath)
	}

	// The same response again is refused.
	req = httptest.NewRequest(http.MethodPost, svc.ACSURL(conn), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	addCookies(req, login)
	rec = httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("replay answered %d", rec.Code)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	_, err := io.Copy(&b, resp.Body)
	must(t, err)
	return b.String()
}
