package sso_test

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
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
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
	"github.com/google/go-cmp/cmp"
)

const idpSLO = "https://idp.example/slo"

// sloTest is a service that signs, a SAML connection to an IdP with a
// single logout service, and a record of the OnLogout calls.
type sloTest struct {
	idp     *ssotest.IdP
	svc     *sso.Service
	store   *sso.MemoryStore
	conn    *sso.Connection
	spCert  *x509.Certificate
	handler http.Handler

	mu       sync.Mutex
	notices  []sso.LogoutNotice
	events   []string // types of the events reported
	hookFail error
}

func newSLOTest(t *testing.T, edit func(*sso.SAMLConfig)) *sloTest {
	t.Helper()
	idp, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	must(t, err)
	idp.SLOURL = idpSLO
	key, cert := spKeyPair(t, samlNow)
	st := &sloTest{idp: idp, store: sso.NewMemoryStore(), spCert: cert}
	st.svc, err = sso.New(sso.Config{
		Store: st.store, BaseURL: "https://sp.example/sso", Clock: func() time.Time { return samlNow },
		SAMLSigner: key, SAMLCertificate: cert,
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {},
		OnLogout:  st.onLogout,
		OnEvent: func(_ context.Context, e sso.Event) {
			st.mu.Lock()
			defer st.mu.Unlock()
			st.events = append(st.events, e.Type)
		},
	})
	must(t, err)
	cfg := &sso.SAMLConfig{IdPMetadataXML: idp.Metadata()}
	if edit != nil {
		edit(cfg)
	}
	st.conn, err = st.svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_a", Protocol: sso.ProtocolSAML, Enabled: true, SAML: cfg,
	})
	must(t, err)
	st.handler = st.svc.Handler()
	return st
}

// spKeyPairNow returns an SP signing key and certificate valid now.
func spKeyPairNow(t *testing.T) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	return spKeyPair(t, time.Now())
}

// spKeyPair returns an SP signing key and a certificate valid around now.
func spKeyPair(t *testing.T, now time.Time) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "sp"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	cert, err := x509.ParseCertificate(der)
	must(t, err)
	return key, cert
}

func (st *sloTest) onLogout(_ context.Context, n sso.LogoutNotice) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.hookFail != nil {
		return st.hookFail
	}
	st.notices = append(st.notices, n)
	return nil
}

func (st *sloTest) noticeCount() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.notices)
}

// logout starts an SP-initiated logout and returns the recorder (whose
// cookie binds the browser) and the LogoutRequest's ID.
func (st *sloTest) logout(t *testing.T) (*httptest.ResponseRecorder, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "https://sp.example/signout", nil)
	err := st.svc.Logout(rec, req, sso.LogoutRequest{ConnectionID: st.conn.ID,
		NameID: "alice@example.com", NameIDFormat: ssotest.NameIDEmail, SessionIndex: "_s1",
		ReturnPath: "/bye"})
	must(t, err)
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), idpSLO+"?") {
		t.Fatalf("logout redirected to %q", rec.Header().Get("Location"))
	}
	el := inflateQuery(t, loc.Query().Get("SAMLRequest"))
	if rs := loc.Query().Get("RelayState"); rs != el.SelectAttrValue("ID", "") {
		t.Errorf("RelayState %q is not the request ID %q", rs, el.SelectAttrValue("ID", ""))
	}
	return rec, el.SelectAttrValue("ID", "")
}

// formMessage returns the message in field of an auto-submitting form.
func formMessage(t *testing.T, body, field string) *etree.Document {
	t.Helper()
	m := regexp.MustCompile(`name="` + field + `" value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the form has no %s:\n%s", field, body)
	}
	raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
	must(t, err)
	doc := etree.NewDocument()
	must(t, doc.ReadFromBytes(raw))
	return doc
}

// statusOf returns the top-level status code of a LogoutResponse.
func statusOf(resp *etree.Element) string {
	code := resp.FindElement("./Status/StatusCode")
	if code == nil {
		return ""
	}
	return code.SelectAttrValue("Value", "")
}

func inflateQuery(t *testing.T, v string) *etree.Element {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(v)
	must(t, err)
	xml, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
	must(t, err)
	doc := etree.NewDocument()
	must(t, doc.ReadFromBytes(xml))
	return doc.Root()
}

// deliver sends an IdP message to the SLO endpoint with the cookies of
// from (nil for none): by GET when target is a URL, else by POST.
func (st *sloTest) deliver(t *testing.T, target string, form url.Values,
	from *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if form == nil {
		req = httptest.NewRequest(http.MethodGet, target, nil)
	} else {
		req = httptest.NewRequest(http.MethodPost, st.svc.SLOURL(st.conn),
			strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if from != nil {
		for _, c := range from.Result().Cookies() {
			req.AddCookie(c)
		}
	}
	rec := httptest.NewRecorder()
	st.handler.ServeHTTP(rec, req)
	return rec
}

// lastAttempt returns the newest attempt of the connection.
func (st *sloTest) lastAttempt(t *testing.T) *sso.Attempt {
	t.Helper()
	atts, err := st.store.Attempts(context.Background(), "org_a", st.conn.ID, 1)
	must(t, err)
	if len(atts) == 0 {
		t.Fatal("no attempt recorded")
	}
	return atts[0]
}

func (st *sloTest) logoutResponse(id string) ssotest.Logout {
	return ssotest.Logout{Now: samlNow, Destination: st.svc.SLOURL(st.conn), InResponseTo: id}
}

func (st *sloTest) redirect(t *testing.T, field string, el *etree.Element, relay string) string {
	t.Helper()
	u, err := st.idp.RedirectURL(st.svc.SLOURL(st.conn), field, el, relay, true)
	must(t, err)
	return u
}

// verifyQuerySignature checks that the query of u is signed by cert with
// RSA-SHA256, as bindings section 3.4.4.1 orders the parameters.
func verifyQuerySignature(t *testing.T, u string, cert *x509.Certificate) {
	t.Helper()
	parsed, err := url.Parse(u)
	must(t, err)
	signed, sigParam, ok := strings.Cut(parsed.RawQuery, "&Signature=")
	if !ok {
		t.Fatalf("the query is not signed: %s", parsed.RawQuery)
	}
	if parsed.Query().Get("SigAlg") != "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" {
		t.Errorf("SigAlg %q", parsed.Query().Get("SigAlg"))
	}
	sigText, err := url.QueryUnescape(sigParam)
	must(t, err)
	sig, err := base64.StdEncoding.DecodeString(sigText)
	must(t, err)
	sum := sha256.Sum256([]byte(signed))
	pub := cert.PublicKey.(*rsa.PublicKey)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		t.Errorf("the query signature does not verify: %v", err)
	}
}

// TestSLOSPInitiated: the host signs out, the IdP confirms, the browser
// goes to the return path; the request is signed and names the user.
func TestSLOSPInitiated(t *testing.T) {
	t.Parallel()
	st := newSLOTest(t, nil)
	browser, id := st.logout(t)
	loc := browser.Header().Get("Location")
	verifyQuerySignature(t, loc, st.spCert)
	parsed, _ := url.Parse(loc)
	req := inflateQuery(t, parsed.Query().Get("SAMLRequest"))
	got := map[string]string{
		"destination": req.SelectAttrValue("Destination", ""),
		"issuer":      req.SelectElement("Issuer").Text(),
		"nameid":      req.SelectElement("NameID").Text(),
		"format":      req.SelectElement("NameID").SelectAttrValue("Format", ""),
		"session":     req.SelectElement("SessionIndex").Text(),
	}
	want := map[string]string{"destination": idpSLO, "issuer": st.svc.SPEntityID(st.conn),
		"nameid": "alice@example.com", "format": ssotest.NameIDEmail, "session": "_s1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LogoutRequest (-want +got):\n%s", diff)
	}

	el := st.idp.LogoutResponseElement(st.logoutResponse(id))
	rec := st.deliver(t, st.redirect(t, "SAMLResponse", el, id), nil, browser)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/bye" {
		t.Fatalf("SLO answered %d, Location %q: %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	if c := rec.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 ||
		c[0].Name != browser.Result().Cookies()[0].Name {
		t.Errorf("the answer sets cookies %v, want the logout's binding cookie removed", c)
	}
	if a := st.lastAttempt(t); a.Flow != sso.FlowLogout || a.Reason != "" {
		t.Errorf("attempt %+v, want a successful logout", a)
	}
	if diff := cmp.Diff([]string{sso.EventConnectionCreated, sso.EventLogoutSucceeded},
		st.events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// TestSLOSPInitiatedPost: an IdP that offers only HTTP-POST gets a signed
// form, and its POSTed answer completes the logout.
func TestSLOSPInitiatedPost(t *testing.T) {
	t.Parallel()
	st := newSLOTest(t, func(c *sso.SAMLConfig) { c.IdPSLOBinding = "post" })
	rec := httptest.NewRecorder()
	err := st.svc.Logout(rec, httptest.NewRequest(http.MethodPost, "/signout", nil),
		sso.LogoutRequest{ConnectionID: st.conn.ID, NameID: "alice@example.com", ReturnPath: "/bye"})
	must(t, err)
	body := rec.Body.String()
	if !strings.Contains(body, `action="`+idpSLO+`"`) {
		t.Fatalf("the logout form does not post to the IdP:\n%s", body)
	}
	doc := formMessage(t, body, "SAMLRequest")
	if doc.Root().SelectElement("Signature") == nil {
		t.Error("the posted LogoutRequest is not signed")
	}
	id := doc.Root().SelectAttrValue("ID", "")
	form, err := st.idp.PostValues("SAMLResponse", st.idp.LogoutResponseElement(st.logoutResponse(id)),
		id, true)
	must(t, err)
	if got := st.deliver(t, "", form, rec); got.Code != http.StatusSeeOther {
		t.Fatalf("SLO answered %d: %s", got.Code, got.Body)
	}
}

// sloAttack is one bad message for the SLO endpoint: the IdP's message as
// edit makes it, signed by by (default the connection's IdP) unless
// unsigned, sent by redirect or post, its URL changed by mangle, from the
// browser that started the logout unless noCookie.
type sloAttack struct {
	name              string
	edit              func(l *ssotest.Logout)
	by                *ssotest.IdP
	unsigned, post    bool
	mangle            func(u, id string) string
	raw               url.Values // sent as the form instead of a message
	noCookie, twice   bool
	hookFail          bool
	want              sso.Reason
	wantStatus        string // for LogoutRequests: the answer's status, "" for the generic page
	asLogoutRequest   bool   // a LogoutRequest where a LogoutResponse is due
	inResponseToLogin bool   // answer a pending login instead
}

// send delivers the attack's message, built by build, to st's endpoint.
func (a sloAttack) send(t *testing.T, st *sloTest, field string, el *etree.Element, relay string,
	browser *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	t.Helper()
	signer := a.by
	if signer == nil {
		signer = st.idp
	}
	if a.noCookie {
		browser = nil
	}
	if a.raw != nil {
		return st.deliver(t, "", a.raw, browser)
	}
	if a.post {
		form, err := signer.PostValues(field, el, relay, !a.unsigned)
		must(t, err)
		if a.mangle != nil {
			form.Set(field, a.mangle(form.Get(field), ""))
		}
		return st.deliver(t, "", form, browser)
	}
	u, err := signer.RedirectURL(st.svc.SLOURL(st.conn), field, el, relay, !a.unsigned)
	must(t, err)
	if a.mangle != nil {
		u = a.mangle(u, relay)
	}
	if a.twice {
		st.deliver(t, u, nil, browser)
	}
	return st.deliver(t, u, nil, browser)
}

func genericPage(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code != http.StatusBadRequest || rec.Header().Get("Location") != "" {
		t.Errorf("answered %d, Location %q, want the generic page", rec.Code,
			rec.Header().Get("Location"))
	}
}

// TestSLOResponseAttacks: each kind of bad LogoutResponse is refused with
// a generic page and its own reason in the attempt log.
func TestSLOResponseAttacks(t *testing.T) {
	t.Parallel()
	other, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	must(t, err)
	doctype := `<!DOCTYPE x [<!ENTITY e "e">]><samlp:LogoutResponse ` +
		`xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`
	tests := []sloAttack{
		{name: "unsigned redirect", unsigned: true, want: sso.ReasonLogoutUnsigned},
		{name: "unsigned post", unsigned: true, post: true, want: sso.ReasonLogoutUnsigned},
		{name: "signed by another key (redirect)", by: other, want: sso.ReasonSignature},
		{name: "signed by another key (post)", by: other, post: true, want: sso.ReasonSignature},
		{name: "relay state swapped after signing", mangle: func(u, id string) string {
			return strings.Replace(u, "RelayState="+url.QueryEscape(id), "RelayState=x", 1)
		}, want: sso.ReasonSignature},
		{name: "status changed after signing (post)", post: true, mangle: func(v, _ string) string {
			raw, _ := base64.StdEncoding.DecodeString(v)
			return ssotest.Encode(bytes.Replace(raw, []byte(":Success"), []byte(":Requester"), 1))
		}, want: sso.ReasonSignature},
		{name: "wrong issuer", edit: func(l *ssotest.Logout) { l.Issuer = "https://evil.example" },
			want: sso.ReasonIssuer},
		{name: "wrong destination", edit: func(l *ssotest.Logout) { l.Destination = "https://x/slo" },
			want: sso.ReasonDestination},
		{name: "unknown InResponseTo", edit: func(l *ssotest.Logout) { l.InResponseTo = "_unknown" },
			want: sso.ReasonInResponseTo},
		{name: "no InResponseTo", edit: func(l *ssotest.Logout) { l.InResponseTo = "" },
			want: sso.ReasonInResponseTo},
		{name: "reused InResponseTo", twice: true, want: sso.ReasonInResponseTo},
		{name: "answer to a login", inResponseToLogin: true, want: sso.ReasonInResponseTo},
		{name: "another browser", noCookie: true, want: sso.ReasonState},
		{name: "error status", want: sso.ReasonStatus, edit: func(l *ssotest.Logout) {
			l.Status = "urn:oasis:names:tc:SAML:2.0:status:Responder"
		}},
		{name: "a LogoutRequest in SAMLResponse", asLogoutRequest: true, want: sso.ReasonMalformed},
		{name: "not base64", raw: url.Values{"SAMLResponse": {"%%%"}}, want: sso.ReasonMalformed},
		{name: "doctype", raw: url.Values{"SAMLResponse": {ssotest.Encode([]byte(doctype))}},
			want: sso.ReasonMalformed},
		{name: "two messages", raw: url.Values{"SAMLResponse": {"a", "b"}}, want: sso.ReasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := newSLOTest(t, nil)
			browser, id := st.logout(t)
			if tt.inResponseToLogin {
				browser = httptest.NewRecorder()
				must(t, st.svc.Login(browser, httptest.NewRequest(http.MethodGet, "/", nil),
					sso.LoginRequest{ConnectionID: st.conn.ID}))
				loc, _ := url.Parse(browser.Header().Get("Location"))
				id = loc.Query().Get("RelayState")
			}
			l := st.logoutResponse(id)
			if tt.edit != nil {
				tt.edit(&l)
			}
			el := st.idp.LogoutResponseElement(l)
			if tt.asLogoutRequest {
				l.NameID = "alice@example.com"
				el = st.idp.LogoutRequestElement(l)
			}
			genericPage(t, tt.send(t, st, "SAMLResponse", el, id, browser))
			if a := st.lastAttempt(t); a.Reason != tt.want || a.Flow != sso.FlowLogout {
				t.Errorf("attempt %+v, want reason %q", a, tt.want)
			}
			if n := len(st.events); n == 0 || st.events[n-1] != sso.EventLogoutFailed {
				t.Errorf("events %v, want a last %s", st.events, sso.EventLogoutFailed)
			}
		})
	}
}

// TestSLOResponseOfAnotherConnection: a valid response to a logout of one
// connection is refused at another's endpoint, even from the same IdP.
func TestSLOResponseOfAnotherConnection(t *testing.T) {
	t.Parallel()
	st := newSLOTest(t, nil)
	second, err := st.svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_b", Protocol: sso.ProtocolSAML, Enabled: true,
		SAML: &sso.SAMLConfig{IdPMetadataXML: st.idp.Metadata()}})
	must(t, err)
	browser, id := st.logout(t)
	l := st.logoutResponse(id)
	l.Destination = st.svc.SLOURL(second)
	el := st.idp.LogoutResponseElement(l)
	u, err := st.idp.RedirectURL(st.svc.SLOURL(second), "SAMLResponse", el, id, true)
	must(t, err)
	if rec := st.deliver(t, u, nil, browser); rec.Code != http.StatusBadRequest {
		t.Errorf("answered %d, want the generic page", rec.Code)
	}
	atts, err := st.store.Attempts(context.Background(), "org_b", second.ID, 1)
	must(t, err)
	if len(atts) != 1 || atts[0].Reason != sso.ReasonInResponseTo {
		t.Errorf("attempts of the other connection: %+v", atts)
	}
}

// TestSLOIdPInitiated: a signed LogoutRequest from the IdP reaches
// OnLogout, and the IdP gets a signed Success answer by the same binding.
func TestSLOIdPInitiated(t *testing.T) {
	t.Parallel()
	for _, binding := range []string{"redirect", "post"} {
		t.Run(binding, func(t *testing.T) {
			t.Parallel()
			st := newSLOTest(t, func(c *sso.SAMLConfig) { c.IdPSLOBinding = binding })
			el := st.idp.LogoutRequestElement(st.logoutRequest())
			status, irt := st.sendLogoutRequest(t, binding, el)
			if status != "urn:oasis:names:tc:SAML:2.0:status:Success" || irt != "_lr1" {
				t.Errorf("answer status %q InResponseTo %q", status, irt)
			}
			want := []sso.LogoutNotice{{OrganizationID: "org_a", ConnectionID: st.conn.ID,
				Protocol: sso.ProtocolSAML, NameID: "alice@example.com", NameIDFormat: ssotest.NameIDEmail,
				SessionIndexes: []string{"_s1", "_s2"}}}
			if diff := cmp.Diff(want, st.notices); diff != "" {
				t.Errorf("OnLogout notices (-want +got):\n%s", diff)
			}
			if a := st.lastAttempt(t); a.Reason != "" || a.Subject != "alice@example.com" {
				t.Errorf("attempt %+v", a)
			}
		})
	}
}

func (st *sloTest) logoutRequest() ssotest.Logout {
	return ssotest.Logout{Now: samlNow, Destination: st.svc.SLOURL(st.conn), ID: "_lr1",
		NameID: "alice@example.com", NameIDFormat: ssotest.NameIDEmail,
		SessionIndexes: []string{"_s1", "_s2"}, NotOnOrAfter: samlNow.Add(5 * time.Minute)}
}

// sendLogoutRequest delivers a signed LogoutRequest by the binding and
// returns the status and InResponseTo of the service's answer, which it
// checks is signed and addressed to the IdP.
func (st *sloTest) sendLogoutRequest(t *testing.T, binding string,
	el *etree.Element) (string, string) {
	t.Helper()
	var rec *httptest.ResponseRecorder
	if binding == "post" {
		form, err := st.idp.PostValues("SAMLRequest", el, "rs-1", true)
		must(t, err)
		rec = st.deliver(t, "", form, nil)
	} else {
		rec = st.deliver(t, st.redirect(t, "SAMLRequest", el, "rs-1"), nil, nil)
	}
	return readAnswer(t, st, binding, rec)
}

func readAnswer(t *testing.T, st *sloTest, binding string,
	rec *httptest.ResponseRecorder) (string, string) {
	t.Helper()
	var resp *etree.Element
	if binding == "post" {
		body := rec.Body.String()
		if !strings.Contains(body, `action="`+idpSLO+`"`) || !strings.Contains(body, `value="rs-1"`) {
			t.Fatalf("answer is not a form to the IdP with the RelayState (%d):\n%s", rec.Code, body)
		}
		resp = formMessage(t, body, "SAMLResponse").Root()
		if resp.SelectElement("Signature") == nil {
			t.Error("the posted LogoutResponse is not signed")
		}
	} else {
		loc := rec.Header().Get("Location")
		u, err := url.Parse(loc)
		if err != nil || !strings.HasPrefix(loc, idpSLO+"?") || u.Query().Get("RelayState") != "rs-1" {
			t.Fatalf("answer %d redirects to %q, want the IdP with the RelayState: %s",
				rec.Code, loc, rec.Body)
		}
		verifyQuerySignature(t, loc, st.spCert)
		resp = inflateQuery(t, u.Query().Get("SAMLResponse"))
	}
	if resp.SelectAttrValue("Destination", "") != idpSLO {
		t.Errorf("answer Destination %q", resp.SelectAttrValue("Destination", ""))
	}
	code := resp.FindElement("./Status/StatusCode")
	if code == nil {
		t.Fatal("answer has no StatusCode")
	}
	return code.SelectAttrValue("Value", ""), resp.SelectAttrValue("InResponseTo", "")
}

// TestSLORequestAttacks: bad LogoutRequests end no session. Those whose
// signature fails get the generic page; those that verify but fail a
// later check get a Requester (or, for the host's hook, Responder) status.
func TestSLORequestAttacks(t *testing.T) {
	t.Parallel()
	other, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	must(t, err)
	const requester = "urn:oasis:names:tc:SAML:2.0:status:Requester"
	const responder = "urn:oasis:names:tc:SAML:2.0:status:Responder"
	tests := []sloAttack{
		{name: "unsigned redirect", unsigned: true, want: sso.ReasonLogoutUnsigned},
		{name: "unsigned post", unsigned: true, post: true, want: sso.ReasonLogoutUnsigned},
		{name: "signed by another key", by: other, want: sso.ReasonSignature},
		{name: "signed by another key (post)", by: other, post: true, want: sso.ReasonSignature},
		{name: "NameID changed after signing (post)", post: true, mangle: func(v, _ string) string {
			raw, _ := base64.StdEncoding.DecodeString(v)
			return ssotest.Encode(bytes.Replace(raw, []byte("alice@"), []byte("bob@"), 1))
		}, want: sso.ReasonSignature},
		{name: "query changed after signing", mangle: func(u, _ string) string {
			return strings.Replace(u, "RelayState=rs-1", "RelayState=rs-2", 1)
		}, want: sso.ReasonSignature},
		{name: "wrong issuer", edit: func(l *ssotest.Logout) { l.Issuer = "https://evil.example" },
			want: sso.ReasonIssuer, wantStatus: requester},
		{name: "wrong destination", edit: func(l *ssotest.Logout) { l.Destination = "https://x/slo" },
			want: sso.ReasonDestination, wantStatus: requester},
		{name: "no destination", edit: func(l *ssotest.Logout) { l.Destination = "" },
			want: sso.ReasonDestination, wantStatus: requester},
		{name: "expired", want: sso.ReasonExpired, wantStatus: requester, edit: func(l *ssotest.Logout) {
			l.NotOnOrAfter = samlNow.Add(-2 * time.Minute)
		}},
		{name: "issued long ago", edit: func(l *ssotest.Logout) {
			l.Now, l.NotOnOrAfter = samlNow.Add(-time.Hour), time.Time{}
		}, want: sso.ReasonExpired, wantStatus: requester},
		{name: "issued in the future", edit: func(l *ssotest.Logout) { l.Now = samlNow.Add(time.Hour) },
			want: sso.ReasonNotYetValid, wantStatus: requester},
		{name: "replayed", twice: true, want: sso.ReasonReplay, wantStatus: requester},
		{name: "no NameID", edit: func(l *ssotest.Logout) { l.NameID = "" },
			want: sso.ReasonMissingSubject, wantStatus: requester},
		{name: "hook fails", hookFail: true, want: sso.ReasonLogoutHook, wantStatus: responder},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := newSLOTest(t, nil)
			if tt.hookFail {
				st.hookFail = errors.New("session store down")
			}
			l := st.logoutRequest()
			if tt.edit != nil {
				tt.edit(&l)
			}
			rec := tt.send(t, st, "SAMLRequest", st.idp.LogoutRequestElement(l), "rs-1", nil)
			if n, want := st.noticeCount(), map[bool]int{true: 1}[tt.twice]; n != want {
				t.Errorf("OnLogout was called %d times, want %d", n, want)
			}
			if a := st.lastAttempt(t); a.Reason != tt.want || a.Flow != sso.FlowLogout {
				t.Errorf("attempt %+v, want reason %q", a, tt.want)
			}
			if tt.wantStatus == "" {
				genericPage(t, rec)
				return
			}
			loc, err := url.Parse(rec.Header().Get("Location"))
			must(t, err)
			resp := inflateQuery(t, loc.Query().Get("SAMLResponse"))
			if got := statusOf(resp); got != tt.wantStatus {
				t.Errorf("answer status %q, want %q", got, tt.wantStatus)
			}
		})
	}
}

// TestSLOWithoutHook: a service without Config.OnLogout cannot end
// sessions, so it answers Responder rather than claim success.
func TestSLOWithoutHook(t *testing.T) {
	t.Parallel()
	idp, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	must(t, err)
	idp.SLOURL = idpSLO
	svc, err := sso.New(sso.Config{Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso",
		Clock:     func() time.Time { return samlNow },
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {}})
	must(t, err)
	conn, err := svc.CreateConnection(context.Background(), &sso.Connection{OrganizationID: "o",
		Protocol: sso.ProtocolSAML, Enabled: true, SAML: &sso.SAMLConfig{IdPMetadataXML: idp.Metadata()}})
	must(t, err)
	el := idp.LogoutRequestElement(ssotest.Logout{Now: samlNow, Destination: svc.SLOURL(conn),
		NameID: "alice@example.com"})
	u, err := idp.RedirectURL(svc.SLOURL(conn), "SAMLRequest", el, "", true)
	must(t, err)
	rec := httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u, nil))
	loc, err := url.Parse(rec.Header().Get("Location"))
	must(t, err)
	if loc.Query().Get("Signature") != "" {
		t.Error("a service without a signer signed its answer")
	}
	resp := inflateQuery(t, loc.Query().Get("SAMLResponse"))
	if got := statusOf(resp); !strings.HasSuffix(got, ":Responder") {
		t.Errorf("answer status %q, want Responder", got)
	}
}

// TestLogoutReturnPath: Logout refuses a return path that leaves the site
// and stores nothing.
func TestLogoutReturnPath(t *testing.T) {
	t.Parallel()
	st := newSLOTest(t, nil)
	bad := []string{"https://evil.example/", "//evil.example", "/\\evil.example",
		"javascript:alert(1)"}
	for _, rp := range bad {
		rec := httptest.NewRecorder()
		err := st.svc.Logout(rec, httptest.NewRequest(http.MethodPost, "/signout", nil),
			sso.LogoutRequest{ConnectionID: st.conn.ID, NameID: "alice@example.com", ReturnPath: rp})
		if !errors.Is(err, sso.ErrBadReturnPath) {
			t.Errorf("Logout(%q) = %v, want ErrBadReturnPath", rp, err)
		}
		if rec.Header().Get("Location") != "" || len(rec.Result().Cookies()) != 0 {
			t.Errorf("Logout(%q) wrote an answer", rp)
		}
	}
}

// TestLogoutErrors: what Logout refuses before it writes anything.
func TestLogoutErrors(t *testing.T) {
	t.Parallel()
	st := newSLOTest(t, nil)
	noSLO := newSLOTest(t, nil)
	noSLO.idp.SLOURL = ""
	plain, err := noSLO.svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_a", Protocol: sso.ProtocolSAML, Enabled: true,
		SAML: &sso.SAMLConfig{IdPMetadataXML: noSLO.idp.Metadata()}})
	must(t, err)
	tests := []struct {
		name string
		svc  *sso.Service
		req  sso.LogoutRequest
		want error
	}{
		{"no connection", st.svc, sso.LogoutRequest{NameID: "a"}, sso.ErrNoConnection},
		{"unknown connection", st.svc, sso.LogoutRequest{ConnectionID: "conn_x", NameID: "a"},
			sso.ErrNoConnection},
		{"another organization", st.svc, sso.LogoutRequest{ConnectionID: st.conn.ID,
			OrganizationID: "org_b", NameID: "a"}, sso.ErrNoConnection},
		{"IdP without SLO", noSLO.svc, sso.LogoutRequest{ConnectionID: plain.ID, NameID: "a"},
			sso.ErrNoSingleLogout},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		err := tt.svc.Logout(rec, httptest.NewRequest(http.MethodPost, "/signout", nil), tt.req)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
		if rec.Header().Get("Location") != "" {
			t.Errorf("%s: wrote a redirect", tt.name)
		}
	}
}

// TestACSRefusesLogoutState: a SAML Response whose InResponseTo names a
// pending logout does not sign anyone in.
func TestACSRefusesLogoutState(t *testing.T) {
	t.Parallel()
	st := newSLOTest(t, nil)
	_, id := st.logout(t)
	doc, err := st.idp.SignedResponse(ssotest.Response{Now: samlNow,
		Audience: st.svc.SPEntityID(st.conn), Recipient: st.svc.ACSURL(st.conn),
		InResponseTo: id, NameID: "alice@example.com"})
	must(t, err)
	_, _, err = st.svc.AcceptSAMLResponse(context.Background(), st.conn, ssotest.Encode(doc), id)
	if sso.ReasonOf(err) != sso.ReasonInResponseTo {
		t.Errorf("ACS with a logout's ID: %v, want %q", err, sso.ReasonInResponseTo)
	}
}

// TestSLOMetadata: the IdP's SLO service comes from its metadata, and the
// SP metadata advertises ours for both bindings.
func TestSLOMetadata(t *testing.T) {
	t.Parallel()
	st := newSLOTest(t, nil)
	if st.conn.SAML.IdPSLOURL != idpSLO || st.conn.SAML.IdPSLOBinding != "redirect" {
		t.Errorf("IdP SLO %q %q", st.conn.SAML.IdPSLOURL, st.conn.SAML.IdPSLOBinding)
	}
	md, err := st.svc.SPMetadata(st.conn)
	must(t, err)
	doc := etree.NewDocument()
	must(t, doc.ReadFromBytes(md))
	var got []string
	for _, el := range doc.FindElements("//SingleLogoutService") {
		got = append(got, el.SelectAttrValue("Binding", "")+" "+el.SelectAttrValue("Location", ""))
	}
	slo := st.svc.SLOURL(st.conn)
	want := []string{"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect " + slo,
		"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST " + slo}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SP metadata SingleLogoutService (-want +got):\n%s", diff)
	}
}

// TestSLORedirectWithXMLSignature: a redirect whose XML carries an
// enveloped signature, and no query signature, is verified by the former.
func TestSLORedirectWithXMLSignature(t *testing.T) {
	t.Parallel()
	st := newSLOTest(t, nil)
	signed, err := st.idp.SignElement(st.idp.LogoutRequestElement(st.logoutRequest()))
	must(t, err)
	u, err := st.idp.RedirectURL(st.svc.SLOURL(st.conn), "SAMLRequest", signed, "rs-1", false)
	must(t, err)
	status, _ := readAnswer(t, st, "redirect", st.deliver(t, u, nil, nil))
	if !strings.HasSuffix(status, ":Success") || st.noticeCount() != 1 {
		t.Errorf("status %q, %d notices", status, st.noticeCount())
	}
}

// TestSLORequestWithoutIdPSLOURL: an IdP whose single logout service is
// unknown still gets its users' sessions ended; the browser sees a page.
func TestSLORequestWithoutIdPSLOURL(t *testing.T) {
	t.Parallel()
	st := newSLOTest(t, nil)
	st.idp.SLOURL = ""
	conn, err := st.svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_a", Protocol: sso.ProtocolSAML, Enabled: true,
		SAML: &sso.SAMLConfig{IdPMetadataXML: st.idp.Metadata()}})
	must(t, err)
	st.conn = conn
	rec := st.deliver(t, st.redirect(t, "SAMLRequest", st.idp.LogoutRequestElement(st.logoutRequest()),
		""), nil, nil)
	if rec.Code != http.StatusOK || st.noticeCount() != 1 {
		t.Errorf("answered %d with %d notices: %s", rec.Code, st.noticeCount(), rec.Body)
	}
}
