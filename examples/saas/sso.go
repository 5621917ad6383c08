package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/gatehouse/gatehouse/secrets"
	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssosql"
)

// ssoFeature wires package sso: a SAML and an OIDC connection of the demo
// organization to the development identity provider, sign-in by email
// routed by verified domain, and the session that a login starts.
type ssoFeature struct {
	app *app
	svc *sso.Service
	dev *devIdP
	// ready is closed once both connections are in place.
	ready chan struct{}
}

// Names of the demo organization's connections.
const (
	samlConnectionName = "Development IdP (SAML)"
	oidcConnectionName = "Development IdP (OIDC)"
)

// The secrets package's Sealer seals the OIDC client secret, and can
// reseal it after the master key rotates.
var _ sso.Resealer = (*secrets.Sealer)(nil)

func newSSOFeature(ctx context.Context, a *app) (*ssoFeature, error) {
	if err := ssosql.Migrate(ctx, a.db); err != nil {
		return nil, err
	}
	store, err := ssosql.New(a.db)
	if err != nil {
		return nil, err
	}
	dev, err := newDevIdP(a.cfg.baseURL)
	if err != nil {
		return nil, err
	}
	f := &ssoFeature{app: a, dev: dev, ready: make(chan struct{})}
	f.svc, err = sso.New(sso.Config{
		Store:        store,
		BaseURL:      a.cfg.baseURL + "/sso",
		OnSuccess:    f.onSuccess,
		OnFailure:    f.onFailure,
		OnLogout:     f.onLogout,       // the dev IdP's single logout ends the demo's sessions
		Sealer:       a.secrets.sealer, // the OIDC client secret is stored sealed
		Domains:      a.domains.svc,    // sign-in by email, routed by verified domain
		AllowEmail:   f.allowEmail,
		Organization: a.adminOrganization,
		Logger:       a.log.With("package", "sso"),
		// The package's default client reaches only public addresses; the
		// demo's identity provider is the demo itself, on loopback.
		HTTPClient: selfClient(a.cfg.baseURL),
	})
	dev.spSLO = f.samlSLOURL
	dev.spBackChannel = f.oidcBackChannelURL
	dev.client = selfClient(a.cfg.baseURL)
	return f, err
}

// selfClient is an HTTP client that reaches the demo's own address and
// nothing else.
func selfClient(base string) *http.Client {
	self := strings.TrimPrefix(strings.TrimPrefix(base, "http://"), "https://")
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr != self {
			return nil, fmt.Errorf("the demo's SSO client reaches only %s, not %s", self, addr)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: transport}
}

func (f *ssoFeature) mount(mux *http.ServeMux) {
	mux.Handle("/sso/", f.svc.Handler())
	mux.Handle("/admin/sso/", http.StripPrefix("/admin/sso", f.svc.AdminHandler()))
	f.dev.mount(mux)
}

func (f *ssoFeature) landing(string) landingSection {
	return landingSection{
		Title: "Single sign-on",
		Text: "The demo organization signs in through a built-in development identity provider, by SAML " +
			"or OpenID Connect: enter jane@acme-demo.example on the sign-in page, and the verified " +
			"domain acme-demo.example routes you to it. Eve, of an unverified domain, is refused. " +
			"Signing out also signs you out at the identity provider (SAML single logout, or " +
			"OpenID Connect RP-initiated logout), and /dev-idp/saml/logout and " +
			"/dev-idp/oidc-logout (a back-channel logout token) log a user out from the identity " +
			"provider's side.",
	}
}

// background puts the connections in place once the server answers (the
// OIDC connection's discovery document is served by the demo itself), then
// refreshes IdP metadata on a schedule; all along, it hands connection
// events to the audit log.
func (f *ssoFeature) background(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { f.forwardEvents(ctx) })
	for attempt := 0; ; attempt++ {
		err := f.ensureConnections(ctx)
		if err == nil {
			close(f.ready)
			// Connections configured from a metadata URL (an admin's, through
			// /admin/sso) are refreshed hourly.
			_ = f.svc.RunMetadataRefresh(ctx, time.Hour)
			return
		}
		if attempt%50 == 10 {
			f.app.log.Warn("setting up the SSO connections", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// forwardEvents hands each connection event of the outbox to the audit
// log, at least once, with the cursor kept in the database: a change of a
// connection reaches the log even when the demo stops right after it.
func (f *ssoFeature) forwardEvents(ctx context.Context) {
	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
			forward(ctx, f.app, "sso", f.svc.Events,
				func(e sso.Event) string { return e.Cursor }, fromSSOEvent)
		}
	}
}

// ensureConnections creates the two connections, or updates them with
// this run's keys: the dev IdP makes new ones at each start.
func (f *ssoFeature) ensureConnections(ctx context.Context) error {
	existing, err := f.svc.Store().ListConnections(ctx, demoOrg, "", 100)
	if err != nil {
		return err
	}
	byName := map[string]*sso.Connection{}
	for _, c := range existing {
		byName[c.Name] = c
	}
	want := []*sso.Connection{
		{OrganizationID: demoOrg, Name: samlConnectionName, Protocol: sso.ProtocolSAML, Enabled: true,
			SAML: &sso.SAMLConfig{IdPMetadataXML: f.dev.saml.Metadata()}},
		{OrganizationID: demoOrg, Name: oidcConnectionName, Protocol: sso.ProtocolOIDC, Enabled: true,
			OIDC: &sso.OIDCConfig{Issuer: f.dev.issuer(), ClientID: f.dev.oidc.ClientID,
				ClientSecret: sso.Secret(f.dev.oidc.ClientSecret), Scopes: []string{"email", "profile"}}},
	}
	for _, c := range want {
		var err error
		if old, ok := byName[c.Name]; ok {
			c.ID = old.ID
			_, err = f.svc.UpdateConnection(ctx, c)
		} else {
			_, err = f.svc.CreateConnection(ctx, c)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// connectionID returns the ID of the named connection, or "".
func (f *ssoFeature) connectionID(ctx context.Context, name string) string {
	cs, err := f.svc.Store().ListConnections(ctx, demoOrg, "", 100)
	if err != nil {
		return ""
	}
	for _, c := range cs {
		if c.Name == name {
			return c.ID
		}
	}
	return ""
}

// login starts a sign-in by email address: the verified domain names the
// organization, and its first enabled connection signs the user in.
func (f *ssoFeature) login(w http.ResponseWriter, r *http.Request, email string) error {
	err := f.svc.Login(w, r, sso.LoginRequest{Email: email, ReturnPath: "/profile"})
	if errors.Is(err, sso.ErrNoConnection) {
		return userMessage("No organization has set up single sign-on for that email's domain.")
	}
	if err != nil {
		return userMessage("Single sign-on could not start: " + err.Error())
	}
	return nil
}

// allowEmail lets an organization's IdP sign in only users of the domains
// that the organization verified, so that one customer's IdP cannot
// assert another customer's users.
func (f *ssoFeature) allowEmail(ctx context.Context, org, email string) (bool, error) {
	holder, err := f.app.domains.svc.OrganizationForEmail(ctx, email)
	return err == nil && holder == org, nil
}

func (f *ssoFeature) onSuccess(w http.ResponseWriter, r *http.Request, p *sso.Profile, returnPath string) {
	ctx := r.Context()
	if !f.app.userActive(ctx, p.OrganizationID, p.Email) {
		f.refuse(w, r, p.OrganizationID, "deprovisioned", "Your account has been deactivated.")
		return
	}
	if err := f.app.authz.join(ctx, p.Email); err != nil {
		f.app.log.Error("adding a signed-in user to the organization", "err", err)
	}
	name := strings.TrimSpace(p.FirstName + " " + p.LastName)
	s := session{Organization: p.OrganizationID, UserID: p.Subject, Email: strings.ToLower(p.Email),
		Name: name, Via: string(p.Protocol), Profile: map[string]any{
			"subject": p.Subject, "connection": p.ConnectionID, "groups": p.Groups,
		}}
	switch p.Protocol {
	case sso.ProtocolSAML:
		// What a single logout names, at sign-out or from the IdP.
		s.SAML = &samlSession{Connection: p.ConnectionID, NameID: p.NameID,
			NameIDFormat: p.SubjectFormat, SessionIndex: p.SessionIndex}
	case sso.ProtocolOIDC:
		// The ID token for RP-initiated logout; sub and sid for the
		// provider's back-channel logout.
		s.OIDC = &oidcSession{Connection: p.ConnectionID, Subject: p.Subject,
			SessionID: p.SessionID, IDToken: p.IDToken.Reveal()}
	}
	f.app.startSession(w, s)
	_ = f.app.audit.record(ctx, r, audit.Event{OrganizationID: p.OrganizationID, Action: "user.signed_in",
		Actor:    audit.Actor{Type: "user", ID: strings.ToLower(p.Email), Name: name},
		Targets:  []audit.Target{{Type: "sso_connection", ID: p.ConnectionID}},
		Metadata: map[string]any{"method": string(p.Protocol)}})
	http.Redirect(w, r, returnPath, http.StatusSeeOther)
}

// logout sends the browser of a SAML or OIDC session, which the demo has
// just ended, to the identity provider to end the IdP's session too, and
// back to the landing page. It reports false, having written nothing,
// when the IdP has no single logout service or the logout cannot start.
func (f *ssoFeature) logout(w http.ResponseWriter, r *http.Request, s session) bool {
	req := sso.LogoutRequest{OrganizationID: s.Organization, ReturnPath: "/"}
	switch {
	case s.SAML != nil:
		req.ConnectionID, req.NameID = s.SAML.Connection, s.SAML.NameID
		req.NameIDFormat, req.SessionIndex = s.SAML.NameIDFormat, s.SAML.SessionIndex
	case s.OIDC != nil:
		req.ConnectionID, req.IDToken = s.OIDC.Connection, sso.Secret(s.OIDC.IDToken)
	default:
		return false
	}
	err := f.svc.Logout(w, r, req)
	if err != nil && !errors.Is(err, sso.ErrNoSingleLogout) {
		f.app.log.Warn("starting single logout", "err", err)
	}
	return err == nil
}

// onLogout ends the sessions that the IdP's single logout (SAML) or
// back-channel logout token (OIDC) names, on every instance (see
// sessionEnded).
func (f *ssoFeature) onLogout(ctx context.Context, n sso.LogoutNotice) error {
	user, method := strings.ToLower(n.NameID), "saml-idp-logout"
	var err error
	if n.Protocol == sso.ProtocolOIDC {
		user, method = n.Subject, "oidc-backchannel-logout"
		if user == "" {
			user = "sid:" + n.SessionID
		}
		err = f.app.endOIDCSessions(ctx, n.ConnectionID, n.Subject, n.SessionID)
	} else {
		err = f.app.endSAMLSessions(ctx, n.ConnectionID, n.NameID, n.SessionIndexes)
	}
	if err != nil {
		return err
	}
	return f.app.audit.record(ctx, nil, audit.Event{OrganizationID: n.OrganizationID,
		Action: "user.signed_out", Actor: audit.Actor{Type: "idp", ID: n.ConnectionID},
		Targets:  []audit.Target{{Type: "user", ID: user}},
		Metadata: map[string]any{"method": method}})
}

// samlSLOURL is the single logout URL of the demo's SAML connection, for
// the dev IdP's logout page; "" until the connection exists.
func (f *ssoFeature) samlSLOURL(ctx context.Context) string {
	id := f.connectionID(ctx, samlConnectionName)
	if id == "" {
		return ""
	}
	return f.svc.SLOURL(&sso.Connection{ID: id})
}

// oidcBackChannelURL is the back-channel logout URL of the demo's OIDC
// connection, where the dev IdP posts logout tokens; "" until the
// connection exists.
func (f *ssoFeature) oidcBackChannelURL(ctx context.Context) string {
	id := f.connectionID(ctx, oidcConnectionName)
	if id == "" {
		return ""
	}
	return f.svc.BackChannelLogoutURL(&sso.Connection{ID: id})
}

func (f *ssoFeature) onFailure(w http.ResponseWriter, r *http.Request, err error) {
	f.refuse(w, r, demoOrg, string(sso.ReasonOf(err)),
		"Sign-in failed. Ask your administrator to check the single sign-on settings.")
}

// refuse records a refused sign-in and tells the user in general terms;
// the precise reason is for the admins, in the audit log and in the
// connection's attempts.
func (f *ssoFeature) refuse(w http.ResponseWriter, r *http.Request, org, reason, msg string) {
	_ = f.app.audit.record(r.Context(), r, audit.Event{OrganizationID: org, Action: "user.sign_in_failed",
		Actor: audit.Actor{Type: "anonymous", ID: "unknown"}, Metadata: map[string]any{"reason": reason}})
	f.app.signin.fail(w, r, http.StatusForbidden, msg)
}
