package sso_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

var samlNow = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

type samlTest struct {
	idp   *ssotest.IdP
	svc   *sso.Service
	store *sso.MemoryStore
	conn  *sso.Connection
	// logins holds the responses of Login, whose cookies the browser keeps.
	logins []*httptest.ResponseRecorder
}

func newSAMLTest(t testing.TB, edit func(*sso.SAMLConfig)) *samlTest {
	t.Helper()
	idp, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	if err != nil {
		t.Fatal(err)
	}
	st := &samlTest{idp: idp, store: sso.NewMemoryStore()}
	st.svc, err = sso.New(sso.Config{
		Store: st.store, BaseURL: "https://sp.example/sso", Clock: func() time.Time { return samlNow },
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &sso.SAMLConfig{IdPMetadataXML: idp.Metadata()}
	if edit != nil {
		edit(cfg)
	}
	st.conn, err = st.svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_a", Protocol: sso.ProtocolSAML, Enabled: true, SAML: cfg,
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// start begins an SP-initiated login through the Redirect binding and
// returns the AuthnRequest ID, which the IdP answers.
func (st *samlTest) start(t *testing.T) string {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "https://sp.example/app", nil)
	err := st.svc.Login(rec, req, sso.LoginRequest{ConnectionID: st.conn.ID, ReturnPath: "/app"})
	if err != nil {
		t.Fatal(err)
	}
	st.logins = append(st.logins, rec)
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil || loc.Host != "idp.example" {
		t.Fatalf("login redirected to %q", rec.Header().Get("Location"))
	}
	rs := loc.Query().Get("RelayState")
	if rs == "" || loc.Query().Get("SAMLRequest") == "" {
		t.Fatalf("redirect lacks SAMLRequest or RelayState: %s", loc)
	}
	return rs
}

func (st *samlTest) response(requestID string) ssotest.Response {
	return ssotest.Response{
		Now: samlNow, Audience: st.svc.SPEntityID(st.conn), Recipient: st.svc.ACSURL(st.conn),
		InResponseTo: requestID, NameID: "alice@example.com", NameIDFormat: ssotest.NameIDEmail,
		Attributes: map[string][]string{"firstName": {"Alice"}, "groups": {"eng", "ops"}},
	}
}

func (st *samlTest) accept(doc []byte, relayState string) (*sso.Profile, error) {
	p, _, err := st.svc.AcceptSAMLResponse(context.Background(), st.conn, ssotest.Encode(doc), relayState)
	return p, err
}

func TestSAMLGoodResponse(t *testing.T) {
	t.Parallel()
	st := newSAMLTest(t, nil)
	id := st.start(t)
	doc, err := st.idp.SignedResponse(st.response(id))
	must(t, err)
	p, rp, err := st.svc.AcceptSAMLResponse(context.Background(), st.conn, ssotest.Encode(doc), id)
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "alice@example.com" || p.SubjectFormat != ssotest.NameIDEmail ||
		p.FirstName != "Alice" || strings.Join(p.Groups, ",") != "eng,ops" || rp != "/app" {
		t.Errorf("profile %+v, return path %q", p, rp)
	}
}

func TestSAMLAttacks(t *testing.T) {
	t.Parallel()
	other, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	must(t, err)
	tests := []struct {
		name   string
		edit   func(*ssotest.Response)
		tamper func(t *testing.T, st *samlTest, r ssotest.Response) []byte
		want   sso.Reason
	}{
		{name: "unsigned assertion in signed response",
			edit: func(r *ssotest.Response) { r.UnsignedAssertion = true }, want: sso.ReasonUnsigned},
		{name: "stripped signatures", tamper: func(t *testing.T, st *samlTest, r ssotest.Response) []byte {
			return write(t, ssotest.StripSignatures(document(t, st, r)))
		}, want: sso.ReasonMalformed},
		{name: "signed by a certificate not in metadata", tamper: func(t *testing.T, _ *samlTest, r ssotest.Response) []byte {
			doc, err := other.SignedResponse(r)
			must(t, err)
			return doc
		}, want: sso.ReasonSignature},
		{name: "tampered attribute", tamper: func(t *testing.T, st *samlTest, r ssotest.Response) []byte {
			return bytes.Replace(signed(t, st, r), []byte(">Alice<"), []byte(">Mallory<"), 1)
		}, want: sso.ReasonSignature},
		{name: "wrong audience",
			edit: func(r *ssotest.Response) { r.Audience = "https://other-sp.example" }, want: sso.ReasonAudience},
		{name: "wrong recipient",
			edit: func(r *ssotest.Response) { r.Recipient, r.Destination = "https://evil.example/acs", "-" },
			want: sso.ReasonRecipient},
		{name: "wrong destination",
			edit: func(r *ssotest.Response) { r.Destination = "https://evil.example/acs" }, want: sso.ReasonDestination},
		{name: "wrong issuer",
			edit: func(r *ssotest.Response) { r.Issuer = "https://evil.example" }, want: sso.ReasonIssuer},
		{name: "expired", edit: func(r *ssotest.Response) {
			r.NotBefore, r.NotOnOrAfter = samlNow.Add(-time.Hour), samlNow.Add(-10*time.Minute)
		}, want: sso.ReasonExpired},
		{name: "not yet valid", edit: func(r *ssotest.Response) {
			r.NotBefore, r.NotOnOrAfter = samlNow.Add(10*time.Minute), samlNow.Add(time.Hour)
		}, want: sso.ReasonNotYetValid},
		{name: "unknown InResponseTo",
			edit: func(r *ssotest.Response) { r.InResponseTo = "_never-sent" }, want: sso.ReasonInResponseTo},
		{name: "unsolicited while IdP-initiated is off",
			edit: func(r *ssotest.Response) { r.InResponseTo = "" }, want: sso.ReasonUnsolicited},
		{name: "SHA-1 not allowed", edit: func(r *ssotest.Response) { r.SHA1 = true }, want: sso.ReasonWeakAlgorithm},
		{name: "IdP error status", edit: func(r *ssotest.Response) {
			r.Status = "urn:oasis:names:tc:SAML:2.0:status:Requester"
		}, want: sso.ReasonStatus},
		{name: "two assertions", tamper: func(t *testing.T, st *samlTest, r ssotest.Response) []byte {
			doc := document(t, st, r)
			a := doc.Root().SelectElement("Assertion").Copy()
			doc.Root().AddChild(a)
			return write(t, doc)
		}, want: sso.ReasonMalformed},
		{name: "external entity", tamper: func(t *testing.T, st *samlTest, r ssotest.Response) []byte {
			return append([]byte(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>`),
				signed(t, st, r)...)
		}, want: sso.ReasonMalformed},
		{name: "entity expansion", tamper: func(t *testing.T, st *samlTest, r ssotest.Response) []byte {
			bomb := `<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>`
			return append([]byte(bomb), signed(t, st, r)...)
		}, want: sso.ReasonMalformed},
		{name: "oversized document", tamper: func(t *testing.T, st *samlTest, r ssotest.Response) []byte {
			r.Attributes["padding"] = []string{strings.Repeat("x", sso.MaxResponseSize)}
			return signed(t, st, r)
		}, want: sso.ReasonMalformed},
		{name: "InResponseTo added to an unsigned response", tamper: func(t *testing.T, st *samlTest, r ssotest.Response) []byte {
			id := r.InResponseTo
			r.InResponseTo, r.UnsignedResponse = "", true
			doc := document(t, st, r)
			doc.Root().CreateAttr("InResponseTo", id)
			return write(t, doc)
		}, want: sso.ReasonUnsolicited},
		{name: "relay state of another login", tamper: func(t *testing.T, st *samlTest, r ssotest.Response) []byte {
			return signed(t, st, r)
		}, want: sso.ReasonState},
	}
	for n := 1; n <= 8; n++ {
		tests = append(tests, struct {
			name   string
			edit   func(*ssotest.Response)
			tamper func(t *testing.T, st *samlTest, r ssotest.Response) []byte
			want   sso.Reason
		}{name: "XSW" + string(rune('0'+n)), tamper: func(t *testing.T, st *samlTest, r ssotest.Response) []byte {
			doc, err := ssotest.XSW(document(t, st, r), n, "admin@example.com")
			must(t, err)
			return write(t, doc)
		}, want: sso.ReasonMalformed})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := newSAMLTest(t, nil)
			id := st.start(t)
			r := st.response(id)
			if tt.edit != nil {
				tt.edit(&r)
			}
			var doc []byte
			if tt.tamper != nil {
				doc = tt.tamper(t, st, r)
			} else {
				doc = signed(t, st, r)
			}
			relay := id
			if tt.want == sso.ReasonState {
				relay = st.start(t)
			}
			p, err := st.accept(doc, relay)
			if err == nil {
				t.Fatalf("accepted, profile %+v", p)
			}
			if got := sso.ReasonOf(err); got != tt.want {
				t.Errorf("reason %q, want %q (%v)", got, tt.want, err)
			}
		})
	}
}

func document(t *testing.T, st *samlTest, r ssotest.Response) *etree.Document {
	t.Helper()
	doc, err := st.idp.ResponseDocument(r)
	must(t, err)
	return doc
}

func signed(t *testing.T, st *samlTest, r ssotest.Response) []byte {
	t.Helper()
	return write(t, document(t, st, r))
}

func write(t *testing.T, doc *etree.Document) []byte {
	t.Helper()
	b, err := doc.WriteToBytes()
	must(t, err)
	return b
}

// A comment inside the NameID must not shorten the subject to another
// user's name: the whole signed text is the subject.
func TestSAMLCommentInNameID(t *testing.T) {
	t.Parallel()
	st := newSAMLTest(t, nil)
	id := st.start(t)
	r := st.response(id)
	r.NameID = "admin@example.com.evil.test"
	doc, err := ssotest.CommentInNameID(signed(t, st, r), len("admin@example.com"))
	must(t, err)
	p, err := st.accept(doc, id)
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	if p.Subject != "admin@example.com.evil.test" {
		t.Fatalf("subject read as %q", p.Subject)
	}
}

func TestSAMLReplay(t *testing.T) {
	t.Parallel()
	st := newSAMLTest(t, func(c *sso.SAMLConfig) { c.InsecureAllowIdPInitiated = true })
	r := st.response("")
	doc := signed(t, st, r)
	if _, err := st.accept(doc, ""); err != nil {
		t.Fatalf("first use: %v", err)
	}
	_, err := st.accept(doc, "")
	if got := sso.ReasonOf(err); got != sso.ReasonReplay {
		t.Fatalf("replay: reason %q (%v)", got, err)
	}
}

// A request ID answers one response only, even with a fresh assertion.
func TestSAMLReusedInResponseTo(t *testing.T) {
	t.Parallel()
	st := newSAMLTest(t, nil)
	id := st.start(t)
	if _, err := st.accept(signed(t, st, st.response(id)), id); err != nil {
		t.Fatal(err)
	}
	_, err := st.accept(signed(t, st, st.response(id)), id)
	if got := sso.ReasonOf(err); got != sso.ReasonInResponseTo {
		t.Fatalf("reason %q (%v)", got, err)
	}
}

// A request of one connection does not validate a response at another.
func TestSAMLInResponseToOfAnotherConnection(t *testing.T) {
	t.Parallel()
	a := newSAMLTest(t, nil)
	b := newSAMLTest(t, nil)
	b.store = a.store
	id := b.start(t)
	r := a.response(id)
	_, err := a.accept(signed(t, a, r), id)
	if got := sso.ReasonOf(err); got != sso.ReasonInResponseTo {
		t.Fatalf("reason %q (%v)", got, err)
	}
}

func TestSAMLQuirks(t *testing.T) {
	t.Parallel()
	old, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	must(t, err)
	tests := []struct {
		name string
		cfg  func(*sso.SAMLConfig, *samlTest)
		edit func(*ssotest.Response)
		wrap bool
	}{
		{name: "AD FS signs the assertion only, with SHA-1",
			cfg:  func(c *sso.SAMLConfig, _ *samlTest) { c.InsecureAllowSHA1 = true },
			edit: func(r *ssotest.Response) { r.SHA1, r.UnsignedResponse = true, true }},
		{name: "Entra ID signs the assertion only",
			edit: func(r *ssotest.Response) { r.UnsignedResponse = true }},
		{name: "signed response only where the admin allows",
			cfg:  func(c *sso.SAMLConfig, _ *samlTest) { c.InsecureAllowUnsignedAssertion = true },
			edit: func(r *ssotest.Response) { r.UnsignedAssertion = true }},
		{name: "OneLogin sends no attribute statement",
			edit: func(r *ssotest.Response) { r.Attributes = nil }},
		{name: "JumpCloud's NameID format",
			edit: func(r *ssotest.Response) { r.NameIDFormat = "urn:oasis:names:tc:SAML:1.0:nameid-format:unspecified" }},
		{name: "PingFederate omits Destination",
			edit: func(r *ssotest.Response) { r.Destination = "-" }},
		{name: "rotation: no KeyInfo, two trusted certificates",
			cfg: func(c *sso.SAMLConfig, st *samlTest) {
				c.IdPMetadataXML = ""
				c.IdPEntityID, c.IdPSSOURL = st.idp.EntityID, st.idp.SSOURL
				c.IdPCertificates = []string{old.CertificatePEM(), st.idp.CertificatePEM()}
			},
			edit: func(r *ssotest.Response) { r.OmitKeyInfo, r.UnsignedResponse = true, true }},
		{name: "Google wraps the SignatureValue over lines",
			edit: func(r *ssotest.Response) { r.UnsignedResponse = true }, wrap: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := newSAMLTest(t, nil)
			if tt.cfg != nil {
				c := st.conn.Clone()
				tt.cfg(c.SAML, st)
				var err error
				st.conn, err = st.svc.UpdateConnection(context.Background(), c)
				must(t, err)
			}
			id := st.start(t)
			r := st.response(id)
			if tt.edit != nil {
				tt.edit(&r)
			}
			doc := document(t, st, r)
			if tt.wrap {
				ssotest.WrapSignatureValue(doc)
			}
			p, err := st.accept(write(t, doc), id)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if p.Subject != "alice@example.com" || p.SubjectFormat != r.NameIDFormat {
				t.Errorf("subject %q format %q", p.Subject, p.SubjectFormat)
			}
		})
	}
}

// Login CSRF: a response to a login that the attacker started must not be
// accepted in the victim's browser, which lacks the login's cookie.
func TestSAMLLoginCSRF(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cookies func(attacker, victim *httptest.ResponseRecorder) []*httptest.ResponseRecorder
		want    int
	}{
		{"the browser that started it", func(a, _ *httptest.ResponseRecorder) []*httptest.ResponseRecorder {
			return []*httptest.ResponseRecorder{a}
		}, http.StatusOK},
		{"no login cookie", func(_, _ *httptest.ResponseRecorder) []*httptest.ResponseRecorder { return nil },
			http.StatusForbidden},
		{"the cookie of another login", func(_, v *httptest.ResponseRecorder) []*httptest.ResponseRecorder {
			return []*httptest.ResponseRecorder{v}
		}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := newSAMLTest(t, nil)
			id := st.start(t)
			st.start(t)
			attacker, victim := st.logins[0], st.logins[1]
			form := url.Values{"SAMLResponse": {ssotest.Encode(signed(t, st, st.response(id)))},
				"RelayState": {id}}
			req := httptest.NewRequest(http.MethodPost, st.svc.ACSURL(st.conn), strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			addCookies(req, tt.cookies(attacker, victim)...)
			rec := httptest.NewRecorder()
			st.svc.Handler().ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("ACS answered %d, want %d", rec.Code, tt.want)
			}
			atts, err := st.store.Attempts(context.Background(), "org_a", st.conn.ID, 1)
			must(t, err)
			if want := map[bool]sso.Reason{true: "", false: sso.ReasonState}[tt.want == http.StatusOK]; atts[0].Reason != want {
				t.Errorf("reason %q, want %q", atts[0].Reason, want)
			}
		})
	}
}

// A response with more XML tokens than gosaml2 accepts is refused as
// malformed, with a hint for the admin.
func TestSAMLTooManyTokens(t *testing.T) {
	t.Parallel()
	st := newSAMLTest(t, nil)
	id := st.start(t)
	doc := signed(t, st, st.response(id))
	end := bytes.LastIndex(doc, []byte("</samlp:Response>"))
	doc = append(doc[:end:end], append(bytes.Repeat([]byte("<x/>"), 20000), doc[end:]...)...)
	_, err := st.accept(doc, id)
	if sso.ReasonOf(err) != sso.ReasonMalformed || !strings.Contains(err.Error(), "groups") {
		t.Fatalf("error %v", err)
	}
}
