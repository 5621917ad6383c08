package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/audit"
)

var signinPage = newPage(`
{{with .Data.Error}}<p class="error">{{.}}</p>{{end}}
{{if .Data.SSO}}
<h2>Sign in with your work email</h2>
<p>Your email's domain tells which organization, and so which identity provider, signs you in.</p>
<form method="post" action="/signin/sso">
<input name="email" type="email" placeholder="jane@acme-demo.example" required size="30">
<button>Continue</button></form>
{{with .Data.Connections}}<p>Or sign in to the demo organization directly:
{{range .}}<a href="/sso/login?connection={{.ID}}&amp;return=/profile">{{.Name}}</a> {{end}}</p>{{end}}{{end}}
<h2>Organization admin</h2>
<p>Sign in as the demo organization's admin with the token printed at start-up.</p>
<form method="post" action="/signin/admin">
<input name="token" type="password" placeholder="admin token" required size="40">
<button>Sign in</button></form>`)

var profilePage = newPage(`
{{with .Session}}
<table>
<tr><th>Organization</th><td>{{.Organization}}</td></tr>
<tr><th>User</th><td>{{.UserID}}</td></tr>
<tr><th>Email</th><td>{{.Email}}</td></tr>
<tr><th>Name</th><td>{{.Name}}</td></tr>
<tr><th>Signed in with</th><td>{{.Via}}</td></tr>
<tr><th>Admin</th><td>{{.Admin}}</td></tr>
{{range $k, $v := .Profile}}<tr><th>{{$k}}</th><td><code>{{$v}}</code></td></tr>{{end}}
</table>{{else}}<p>You are not signed in. <a href="/signin">Sign in</a>.</p>{{end}}`)

// userMessage is an error whose text is a sentence for the person at the
// browser.
type userMessage string

func (m userMessage) Error() string { return string(m) }

// adminEmail is the demo admin's user name, in sessions and tuples.
const adminEmail = "admin@" + demoOrg

// signinFeature serves the sign-in, sign-out and profile pages.
type signinFeature struct {
	app *app
	// sso, when set, starts a single sign-on for an email address.
	sso func(w http.ResponseWriter, r *http.Request, email string) error
}

func (f *signinFeature) mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /signin", f.handleForm)
	mux.HandleFunc("POST /signin/admin", f.handleAdmin)
	mux.HandleFunc("POST /signin/sso", f.handleSSO)
	mux.HandleFunc("POST /signout", f.handleSignout)
	mux.HandleFunc("GET /profile", f.handleProfile)
}

func (f *signinFeature) background(context.Context) {}

func (f *signinFeature) handleForm(w http.ResponseWriter, r *http.Request) {
	f.fail(w, r, http.StatusOK, "")
}

// fail shows the sign-in page with a message (none when msg is empty).
func (f *signinFeature) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	data := map[string]any{"SSO": f.sso != nil, "Error": msg}
	if f.app.sso != nil {
		var conns []map[string]string
		for _, name := range []string{samlConnectionName, oidcConnectionName} {
			if id := f.app.sso.connectionID(r.Context(), name); id != "" {
				conns = append(conns, map[string]string{"ID": id, "Name": name})
			}
		}
		data["Connections"] = conns
	}
	f.app.render(w, r, status, signinPage, "Sign in", data)
}

func (f *signinFeature) handleAdmin(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		f.fail(w, r, http.StatusForbidden, "That form did not come from this site.")
		return
	}
	token := r.PostFormValue("token")
	if subtle.ConstantTimeCompare([]byte(token), []byte(f.app.cfg.adminToken)) != 1 {
		f.fail(w, r, http.StatusUnauthorized, "That is not the admin token.")
		return
	}
	f.app.startSession(w, session{Organization: demoOrg, UserID: "admin", Email: adminEmail,
		Name: "Demo admin", Admin: true, Via: "admin-token"})
	_ = f.app.audit.record(r.Context(), r, audit.Event{Action: "user.signed_in",
		Actor: audit.Actor{Type: "user", ID: "admin", Name: "Demo admin"}, Metadata: map[string]any{"method": "admin-token"}})
	http.Redirect(w, r, "/profile", http.StatusSeeOther)
}

func (f *signinFeature) handleSSO(w http.ResponseWriter, r *http.Request) {
	if f.sso == nil || !sameOrigin(r) {
		f.fail(w, r, http.StatusBadRequest, "Single sign-on is not available.")
		return
	}
	if err := f.sso(w, r, strings.TrimSpace(r.PostFormValue("email"))); err != nil {
		f.fail(w, r, http.StatusBadRequest, err.Error())
	}
}

// handleSignout ends the session here, for every holder of its cookie,
// and at the identity provider: through single logout for a SAML
// session, RP-initiated logout for an OIDC one, which comes back to the
// landing page.
func (f *signinFeature) handleSignout(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	endSession(w)
	s, ok := f.app.currentSession(r)
	if !ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if err := f.app.revokeSession(r.Context(), s); err != nil {
		f.app.log.Error("revoking a session", "err", err)
	}
	_ = f.app.audit.record(r.Context(), r, audit.Event{OrganizationID: s.Organization,
		Action: "user.signed_out", Actor: audit.Actor{Type: "user", ID: s.Email, Name: s.Name},
		Metadata: map[string]any{"method": s.Via}})
	if f.app.sso != nil && f.app.sso.logout(w, r, s) {
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (f *signinFeature) handleProfile(w http.ResponseWriter, r *http.Request) {
	f.app.render(w, r, http.StatusOK, profilePage, "Profile", nil)
}

// adminOrganization is the demo's Config.Organization for every admin
// API: the demo organization's admin token as a bearer token, or the
// session of a signed-in admin (for state-changing requests, only from
// this site's own pages). Anything else is refused. A real host maps its
// own session to an organization here and checks that the user may
// administer it.
func (a *app) adminOrganization(r *http.Request) (string, error) {
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		if subtle.ConstantTimeCompare([]byte(token), []byte(a.cfg.adminToken)) == 1 {
			return demoOrg, nil
		}
		return "", errors.New("not the demo organization's admin token")
	}
	s, ok := a.currentSession(r)
	if !ok || !s.Admin {
		return "", errNotSignedIn
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameOrigin(r) {
		return "", errors.New("cross-site request")
	}
	return s.Organization, nil
}
