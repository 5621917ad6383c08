package sso_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

var inputField = regexp.MustCompile(`name="(SAMLResponse|RelayState)" value="([^"]*)"`)

// The test IdP's HTTP endpoints carry a login from start to ACS, through
// both bindings.
func TestSSOTestIdPHandler(t *testing.T) {
	t.Parallel()
	idp, err := ssotest.NewIdP("https://idp.example/metadata", "")
	must(t, err)
	srv := httptest.NewServer(idp.Handler(func(http.ResponseWriter, *http.Request) (ssotest.User, bool) {
		return ssotest.User{NameID: "dev@example.com", Attributes: map[string][]string{"firstName": {"Dev"}}}, true
	}))
	t.Cleanup(srv.Close)
	idp.SSOURL = srv.URL + "/sso"
	var got *sso.Profile
	svc, err := sso.New(sso.Config{Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso",
		HTTPClient: srv.Client(),
		OnSuccess: func(w http.ResponseWriter, _ *http.Request, p *sso.Profile, _ string) {
			got = p
			w.WriteHeader(http.StatusNoContent)
		}})
	must(t, err)
	for _, binding := range []string{"redirect", "post"} {
		conn, err := svc.CreateConnection(context.Background(), &sso.Connection{OrganizationID: "o",
			Enabled: true, Protocol: sso.ProtocolSAML,
			SAML: &sso.SAMLConfig{IdPMetadataURL: srv.URL + "/metadata", Binding: binding}})
		must(t, err)
		rec := httptest.NewRecorder()
		must(t, svc.Login(rec, httptest.NewRequest(http.MethodGet, "/", nil), sso.LoginRequest{ConnectionID: conn.ID}))
		login := rec
		var resp *http.Response
		if binding == "redirect" {
			resp, err = srv.Client().Get(rec.Header().Get("Location"))
		} else {
			form := url.Values{}
			for _, m := range regexp.MustCompile(`name="(SAMLRequest|RelayState)" value="([^"]*)"`).
				FindAllStringSubmatch(rec.Body.String(), -1) {
				form.Set(m[1], html.UnescapeString(m[2]))
			}
			resp, err = srv.Client().PostForm(idp.SSOURL, form)
		}
		must(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		form := url.Values{}
		for _, m := range inputField.FindAllStringSubmatch(string(body), -1) {
			form.Set(m[1], html.UnescapeString(m[2]))
		}
		req := httptest.NewRequest(http.MethodPost, svc.ACSURL(conn), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		addCookies(req, login)
		rec = httptest.NewRecorder()
		got = nil
		svc.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent || got == nil || got.Email != "dev@example.com" || got.FirstName != "Dev" {
			t.Errorf("%s: ACS answered %d, profile %+v (IdP said %.200s)", binding, rec.Code, got, body)
		}
	}
}

// The test IdP's /slo endpoint answers an SP-initiated logout by the
// binding it came by, and the answer completes the logout at our SLO.
func TestSSOTestIdPSLO(t *testing.T) {
	t.Parallel()
	for _, binding := range []string{"redirect", "post"} {
		t.Run(binding, func(t *testing.T) {
			t.Parallel()
			idp, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
			must(t, err)
			srv := httptest.NewServer(idp.Handler(nil))
			t.Cleanup(srv.Close)
			idp.SLOURL = srv.URL + "/slo"
			key, cert := spKeyPairNow(t)
			svc, err := sso.New(sso.Config{Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso",
				SAMLSigner: key, SAMLCertificate: cert,
				OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {}})
			must(t, err)
			conn, err := svc.CreateConnection(context.Background(), &sso.Connection{
				OrganizationID: "o", Protocol: sso.ProtocolSAML, Enabled: true,
				SAML: &sso.SAMLConfig{IdPMetadataXML: idp.Metadata(), IdPSLOBinding: binding}})
			must(t, err)
			rec := httptest.NewRecorder()
			must(t, svc.Logout(rec, httptest.NewRequest(http.MethodPost, "/signout", nil),
				sso.LogoutRequest{ConnectionID: conn.ID, NameID: "dev@example.com", SessionIndex: "_s",
					ReturnPath: "/bye"}))
			atIdP := forward(t, rec, idp.Handler(nil))
			checkBinding(t, binding, rec, atIdP)
			back := forward(t, atIdP, svc.Handler(), rec)
			if back.Code != http.StatusSeeOther || back.Header().Get("Location") != "/bye" {
				t.Fatalf("our SLO answered %d %q: %s", back.Code, back.Header().Get("Location"), back.Body)
			}
			got := idp.LogoutRequests()
			if len(got) != 1 || got[0].NameID != "dev@example.com" || !got[0].Signed ||
				got[0].Issuer != svc.SPEntityID(conn) || strings.Join(got[0].SessionIndexes, "") != "_s" {
				t.Errorf("the IdP received %+v", got)
			}
		})
	}
}
