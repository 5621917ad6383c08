package sso_test

import (
	"context"
	"encoding/xml"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/crewjam/saml"
	"github.com/gatehouse/gatehouse/sso"
)

// crewjamSLOUser is crewjam's session provider for single logout: Bob is
// signed in to our SP, and ended sessions are recorded.
type crewjamSLOUser struct {
	crewjamUser
	sp      string // our SP entity ID
	mu      sync.Mutex
	invalid []string // NameIDs whose sessions crewjam ended
}

func (u *crewjamSLOUser) InvalidateSession(_ http.ResponseWriter, _ *http.Request,
	req *saml.IdpLogoutRequest) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if req.Request.NameID == nil {
		return errors.New("no NameID")
	}
	u.invalid = append(u.invalid, req.Request.NameID.Value)
	return nil
}

func (u *crewjamSLOUser) AddSessionParticipant(*http.Request, *saml.Session,
	saml.SessionParticipant) error {
	return nil
}

func (u *crewjamSLOUser) SessionParticipants(*http.Request,
	func(*saml.Session) bool) ([]saml.SessionParticipant, error) {
	bob := saml.NameID{Value: "bob@example.org", Format: string(saml.EmailAddressNameIDFormat)}
	p := saml.SessionParticipant{ServiceProviderID: u.sp, SessionIndex: "idx-1", NameID: bob}
	return []saml.SessionParticipant{p}, nil
}

var sloFormField = regexp.MustCompile(
	`name="(SAMLRequest|SAMLResponse|RelayState)" value="([^"]*)"`)

// crewjamSLO is our service and a connection to crewjam's IdP, which
// knows our SP metadata (signing certificate and SLO endpoints).
type crewjamSLO struct {
	idp     *saml.IdentityProvider
	srv     *httptest.Server
	svc     *sso.Service
	conn    *sso.Connection
	user    *crewjamSLOUser
	notices []sso.LogoutNotice
}

func newCrewjamSLO(t *testing.T, binding string) *crewjamSLO {
	t.Helper()
	idp, srv := newCrewjamIdP(t)
	base, _ := url.Parse(srv.URL)
	idp.LogoutURL = *base.JoinPath("slo")
	idp.LogoutBindings = []string{saml.HTTPRedirectBinding, saml.HTTPPostBinding}
	srv.Config.Handler.(*http.ServeMux).HandleFunc("/slo", idp.ServeSLO)
	c := &crewjamSLO{idp: idp, srv: srv}
	key, cert := spKeyPairNow(t)
	var err error
	c.svc, err = sso.New(sso.Config{Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso",
		HTTPClient: srv.Client(), SAMLSigner: key, SAMLCertificate: cert,
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {},
		OnLogout: func(_ context.Context, n sso.LogoutNotice) error {
			c.notices = append(c.notices, n)
			return nil
		}})
	must(t, err)
	c.conn, err = c.svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_c", Protocol: sso.ProtocolSAML, Enabled: true,
		SAML: &sso.SAMLConfig{IdPMetadataURL: srv.URL + "/metadata", IdPSLOBinding: binding}})
	must(t, err)
	spmd, err := c.svc.SPMetadata(c.conn)
	must(t, err)
	var md saml.EntityDescriptor
	must(t, xml.Unmarshal(spmd, &md))
	if binding == "post" {
		// Make crewjam answer and ask by HTTP-POST: list that endpoint first.
		slo := md.SPSSODescriptors[0].SingleLogoutServices
		slo[0], slo[1] = slo[1], slo[0]
	}
	idp.ServiceProviderProvider = crewjamSP{&md}
	c.user = &crewjamSLOUser{sp: c.svc.SPEntityID(c.conn)}
	idp.SessionProvider = c.user
	return c
}

// forward delivers what one party answered (a redirect or an
// auto-submitting form) to the handler h, with the cookies of from.
func forward(t *testing.T, rec *httptest.ResponseRecorder, h http.Handler,
	from ...*httptest.ResponseRecorder) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if loc := rec.Header().Get("Location"); loc != "" {
		req = httptest.NewRequest(http.MethodGet, loc, nil)
	} else {
		body := rec.Body.String()
		action := regexp.MustCompile(`action="([^"]*)"`).FindStringSubmatch(body)
		if action == nil {
			t.Fatalf("answer %d is neither a redirect nor a form:\n%.500s", rec.Code, body)
		}
		form := url.Values{}
		for _, m := range sloFormField.FindAllStringSubmatch(body, -1) {
			form.Set(m[1], html.UnescapeString(m[2]))
		}
		req = httptest.NewRequest(http.MethodPost, html.UnescapeString(action[1]),
			strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, f := range from {
		for _, c := range f.Result().Cookies() {
			req.AddCookie(c)
		}
	}
	out := httptest.NewRecorder()
	h.ServeHTTP(out, req)
	return out
}

// checkBinding checks that each answer used the binding: a redirect, or a
// form for HTTP-POST.
func checkBinding(t *testing.T, binding string, recs ...*httptest.ResponseRecorder) {
	t.Helper()
	for i, rec := range recs {
		if redirect := rec.Header().Get("Location") != ""; redirect != (binding == "redirect") {
			t.Errorf("message %d: redirect %v, want the %s binding (%d)", i, redirect, binding, rec.Code)
		}
	}
}

// TestCrewjamSLO logs out against crewjam/saml's identity provider, which
// checks our signatures with our SP metadata: SP-initiated (our signed
// LogoutRequest, its signed LogoutResponse) and IdP-initiated (its signed
// LogoutRequest, our signed LogoutResponse), by both bindings.
func TestCrewjamSLO(t *testing.T) {
	t.Parallel()
	for _, binding := range []string{"redirect", "post"} {
		t.Run("sp-initiated "+binding, func(t *testing.T) {
			t.Parallel()
			c := newCrewjamSLO(t, binding)
			rec := httptest.NewRecorder()
			must(t, c.svc.Logout(rec, httptest.NewRequest(http.MethodPost, "/signout", nil),
				sso.LogoutRequest{ConnectionID: c.conn.ID, NameID: "bob@example.org",
					NameIDFormat: string(saml.EmailAddressNameIDFormat), SessionIndex: "idx-1",
					ReturnPath: "/signed-out"}))
			atIdP := forward(t, rec, c.srv.Config.Handler)
			checkBinding(t, binding, rec, atIdP)
			back := forward(t, atIdP, c.svc.Handler(), rec)
			if back.Code != http.StatusSeeOther || back.Header().Get("Location") != "/signed-out" {
				t.Fatalf("our SLO answered %d %q: %s", back.Code, back.Header().Get("Location"), back.Body)
			}
			if strings.Join(c.user.invalid, ",") != "bob@example.org" {
				t.Errorf("crewjam ended the sessions of %v", c.user.invalid)
			}
		})
		t.Run("idp-initiated "+binding, func(t *testing.T) {
			t.Parallel()
			c := newCrewjamSLO(t, binding)
			start := httptest.NewRecorder()
			c.idp.StartLogout(start, httptest.NewRequest(http.MethodGet, c.srv.URL+"/logout", nil),
				&saml.Session{ID: "sess-1"}, "https://idp.example/done")
			atSP := forward(t, start, c.svc.Handler())
			checkBinding(t, binding, atSP) // crewjam asks by redirect when it can
			if len(c.notices) != 1 || c.notices[0].NameID != "bob@example.org" ||
				strings.Join(c.notices[0].SessionIndexes, ",") != "idx-1" {
				t.Fatalf("OnLogout got %+v; SLO answered %d: %s", c.notices, atSP.Code, atSP.Body)
			}
			done := forward(t, atSP, c.srv.Config.Handler, start)
			if done.Code != http.StatusFound || done.Header().Get("Location") != "https://idp.example/done" {
				t.Errorf("crewjam did not accept our LogoutResponse: %d %q %s", done.Code,
					done.Header().Get("Location"), done.Body)
			}
		})
	}
}
