package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/sso/ssotest"
)

// devUser is a person of the development identity provider.
type devUser struct {
	Subject, Email, First, Last string
	Groups                      []string
}

// devUsers are the people you can sign in as. Their domain,
// acme-demo.example, is verified for the demo organization; Eve's is
// not, so the demo refuses her sign-in.
var devUsers = []devUser{
	{"u-jane", "jane@acme-demo.example", "Jane", "Doe", []string{"finance"}},
	{"u-sam", "sam@acme-demo.example", "Sam", "Lee", nil},
	{"u-eve", "eve@outsider.example", "Eve", "Outsider", nil},
}

// devIdP is the development identity provider built into the demo, served
// under /dev-idp: package ssotest's SAML IdP and OpenID provider, with a
// page to pick whom to sign in as. It is a test fixture, not a product: it
// signs in whoever is picked and answers any service provider that asks.
type devIdP struct {
	saml *ssotest.IdP
	oidc *ssotest.OP
	// spSLO returns the single logout URL of the demo's SAML connection.
	spSLO func(context.Context) string
	// spBackChannel returns the back-channel logout URL of the demo's
	// OIDC connection, and client reaches it.
	spBackChannel func(context.Context) string
	client        *http.Client
}

func newDevIdP(base string) (*devIdP, error) {
	idp, err := ssotest.NewIdP(base+"/dev-idp/saml/metadata", base+"/dev-idp/saml/sso")
	if err != nil {
		return nil, err
	}
	// With a single logout service, the IdP's metadata offers it to the
	// demo, and the IdP's handler answers LogoutRequests at /slo.
	idp.SLOURL = base + "/dev-idp/saml/slo"
	op, err := ssotest.NewOPAt(base+"/dev-idp/oidc", "gatehouse-demo", rand.Text())
	if err != nil {
		return nil, err
	}
	op.Pick = pickOIDC
	return &devIdP{saml: idp, oidc: op}, nil
}

func (d *devIdP) issuer() string { return d.oidc.Issuer() }

func (d *devIdP) mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /dev-idp/saml/logout", d.handleLogout)
	mux.HandleFunc("GET /dev-idp/oidc-logout", d.handleBackChannelLogout)
	mux.Handle("/dev-idp/saml/", http.StripPrefix("/dev-idp/saml", d.saml.Handler(pickSAML)))
	mux.Handle("/dev-idp/oidc/", http.StripPrefix("/dev-idp/oidc", d.oidc.Handler()))
}

var pickPage = newPage(`
<p>This is the demo's development identity provider ({{.Data.Protocol}}). Pick whom to sign in as.</p>
<form method="get">
{{range $k, $v := .Data.Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
{{range .Data.Users}}<p><button name="user" value="{{.Subject}}">{{.First}} {{.Last}}</button>
<span class="muted">{{.Email}}{{with .Groups}} · groups: {{range .}}{{.}} {{end}}{{end}}</span></p>{{end}}
</form>`)

// picked returns the user the picker page chose, or shows the page, which
// comes back to the same endpoint with the request's parameters, and
// returns false.
func picked(w http.ResponseWriter, r *http.Request, protocol string) (devUser, bool) {
	for _, u := range devUsers {
		if u.Subject == r.FormValue("user") {
			return u, true
		}
	}
	hidden := map[string]string{}
	for k, v := range r.URL.Query() {
		if k != "user" && len(v) > 0 {
			hidden[k] = v[0]
		}
	}
	var buf bytes.Buffer
	err := pickPage.ExecuteTemplate(&buf, "layout", pageData{Title: "Development identity provider",
		Data: map[string]any{"Protocol": protocol, "Hidden": hidden, "Users": devUsers}})
	if err != nil {
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return devUser{}, false
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = buf.WriteTo(w)
	return devUser{}, false
}

// handleLogout is IdP-initiated single logout: it asks whom to log out,
// then sends the browser to the demo's SAML connection with a signed
// LogoutRequest for that user, which ends all of the user's sessions
// there. Like the rest of the dev IdP, it logs out whoever is picked.
func (d *devIdP) handleLogout(w http.ResponseWriter, r *http.Request) {
	u, ok := picked(w, r, "SAML: sign a user out everywhere")
	if !ok {
		return
	}
	dest := d.spSLO(r.Context())
	if dest == "" {
		http.Error(w, "The demo's SAML connection is not set up yet.", http.StatusServiceUnavailable)
		return
	}
	now := time.Now()
	el := d.saml.LogoutRequestElement(ssotest.Logout{Now: now, Destination: dest, NameID: u.Email,
		NameIDFormat: ssotest.NameIDEmail, NotOnOrAfter: now.Add(5 * time.Minute)})
	target, err := d.saml.RedirectURL(dest, "SAMLRequest", el, "", true)
	if err != nil {
		http.Error(w, "The LogoutRequest could not be made.", http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, target, http.StatusFound)
}

// handleBackChannelLogout is the OpenID provider's side of a logout: it
// asks whom to log out, then posts a signed logout token for that user,
// server to server, to the demo's back-channel logout URL, which ends all
// of the user's sessions there. Like the rest of the dev IdP, it logs out
// whoever is picked.
func (d *devIdP) handleBackChannelLogout(w http.ResponseWriter, r *http.Request) {
	u, ok := picked(w, r, "OpenID Connect: sign a user out by back-channel logout")
	if !ok {
		return
	}
	dest := d.spBackChannel(r.Context())
	if dest == "" {
		http.Error(w, "The demo's OIDC connection is not set up yet.", http.StatusServiceUnavailable)
		return
	}
	token, err := d.oidc.LogoutToken(map[string]any{"sub": u.Subject})
	if err != nil {
		http.Error(w, "The logout token could not be made.", http.StatusInternalServerError)
		return
	}
	status, body, err := ssotest.BackChannelLogout(r.Context(), d.client, dest, token)
	if err != nil || status != http.StatusOK {
		http.Error(w, fmt.Sprintf("The service provider refused the logout token (%d): %.200s %v",
			status, body, err), http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = fmt.Fprintf(w, "Signed out of the service provider: %s (back-channel logout).\n", u.Email)
}

func pickSAML(w http.ResponseWriter, r *http.Request) (ssotest.User, bool) {
	u, ok := picked(w, r, "SAML")
	return ssotest.User{NameID: u.Email, Attributes: map[string][]string{
		"email": {u.Email}, "firstName": {u.First}, "lastName": {u.Last}, "groups": u.Groups,
	}}, ok
}

func pickOIDC(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	u, ok := picked(w, r, "OpenID Connect")
	return map[string]any{"sub": u.Subject, "email": u.Email, "email_verified": true,
		"given_name": u.First, "family_name": u.Last, "groups": u.Groups}, ok
}
