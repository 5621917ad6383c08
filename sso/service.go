package sso

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Sealer seals secrets at rest, such as OIDC client secrets. The secrets
// package's Sealer fits it.
type Sealer interface {
	Seal(ctx context.Context, plaintext, associatedData []byte) ([]byte, error)
	Open(ctx context.Context, sealed, associatedData []byte) ([]byte, error)
}

// DomainResolver maps an email address to the organization that holds its
// domain, returning "" and a nil error when none does. The domain
// package's Service fits it.
type DomainResolver interface {
	OrganizationForEmail(ctx context.Context, email string) (organizationID string, err error)
}

// Defaults and bounds of [Config].
const (
	// DefaultClockSkew is the clock skew allowed when Config.ClockSkew is 0.
	DefaultClockSkew = 90 * time.Second
	// MaxClockSkew is the largest Config.ClockSkew accepted.
	MaxClockSkew = 5 * time.Minute
	// DefaultLoginTTL is how long a started login waits for its answer.
	DefaultLoginTTL = 10 * time.Minute
	// DefaultMetadataRefresh is how old fetched IdP metadata may grow.
	DefaultMetadataRefresh = 24 * time.Hour
)

// Config configures a [Service]. Zero values are safe defaults where a
// default exists; Store, BaseURL and OnSuccess are required.
type Config struct {
	// Store keeps connections and login state.
	Store Store
	// BaseURL is the absolute URL at which [Service.Handler] is mounted,
	// such as "https://app.example.com/sso". The default SP entity IDs,
	// ACS URLs and OIDC redirect URIs are made from it.
	BaseURL string
	// OnSuccess receives the verified profile and the validated local
	// path the login asked to return to. It starts the host's session.
	OnSuccess func(w http.ResponseWriter, r *http.Request, p *Profile, returnPath string)
	// OnLogout, if set, ends the host's sessions that an identity
	// provider's SAML LogoutRequest or OIDC back-channel logout token
	// names (see [LogoutNotice]); an error makes the service answer the
	// IdP with a Responder status (SAML) or 400 (OIDC). Without it, the
	// service refuses IdP-initiated logouts (SAML Responder, OIDC 501);
	// SP-initiated ones work.
	OnLogout func(ctx context.Context, n LogoutNotice) error
	// OnFailure, if set, answers a failed login. err is a *LoginError
	// whose detail is for logs, never for the user. The default answers
	// 403 with a generic message.
	OnFailure func(w http.ResponseWriter, r *http.Request, err error)

	// Sealer seals OIDC client secrets; required to save one.
	Sealer Sealer
	// Domains routes logins by email address; required for them.
	Domains DomainResolver
	// AllowEmail, if set, must approve the email of every profile for its
	// organization (for example: its domain is one of the organization's
	// verified domains), so that one customer's IdP cannot assert another
	// customer's users.
	AllowEmail func(ctx context.Context, organizationID, email string) (bool, error)

	// SAMLSigner and SAMLCertificate, if set, sign AuthnRequests and are
	// published in the SP metadata.
	SAMLSigner      crypto.Signer
	SAMLCertificate *x509.Certificate

	// OIDCClientKey, if set, authenticates the service at token endpoints
	// of connections that use private_key_jwt (RSA, ECDSA or Ed25519), and
	// OIDCClientKeyID names it in the JWKS that the handler publishes.
	OIDCClientKey   crypto.Signer
	OIDCClientKeyID string

	// ClockSkew is how far the IdP's clock may be off; default
	// DefaultClockSkew, at most MaxClockSkew.
	ClockSkew time.Duration
	// MetadataRefresh is how old IdP metadata fetched from a URL may grow
	// before a login fetches it again; default DefaultMetadataRefresh.
	MetadataRefresh time.Duration
	// LoginTTL bounds how long a started login may take; default
	// DefaultLoginTTL.
	LoginTTL time.Duration

	// HTTPClient fetches metadata and talks to OIDC providers. The default
	// has a 10 second timeout and reaches only public addresses, since the
	// URLs come from organization admins (no probing of the host's own
	// network); a host that runs its IdP on a private network or on
	// localhost passes its own client.
	HTTPClient *http.Client
	Logger     *slog.Logger
	Clock      func() time.Time
	// OnEvent, if set, receives each [Event]: logins and logouts that
	// succeeded or failed (and why) and changes of connections. It is
	// called synchronously, after the change is stored, and must not
	// block for long. A process that dies before OnEvent returns loses
	// the call: the connection events (created, updated, deleted, and a
	// metadata refresh that changed the certificates) are durable
	// nonetheless, written to the Store's outbox with the change, and a
	// host's audit log should read them with [Service.Events] instead.
	// Login and logout events go only to OnEvent; the connection's log of
	// attempts ([Store.RecordAttempt]) keeps the failures.
	OnEvent func(context.Context, Event)
	// Organization tells, for the admin API, which organization the caller
	// administers, or refuses with an error.
	Organization func(*http.Request) (string, error)
}

// maxDetail bounds the detail of a logged attempt, which may quote values
// from the untrusted response.
const maxDetail = 512

// truncateDetail bounds the detail of a logged attempt to maxDetail bytes.
func truncateDetail(d string) string {
	if len(d) <= maxDetail {
		return d
	}
	return strings.ToValidUTF8(d[:maxDetail], "") + "…"
}

// Service runs single sign-on for every organization of the host. It is
// safe for concurrent use and keeps no state of its own that matters for
// correctness.
type Service struct {
	cfg      Config
	base     *url.URL
	basePath string
	oidc     *oidcCache
}

// New validates cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("sso: Config.Store is required")
	}
	if cfg.OnSuccess == nil {
		return nil, errors.New("sso: Config.OnSuccess is required")
	}
	base, err := url.Parse(strings.TrimSuffix(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("sso: Config.BaseURL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.ClockSkew == 0 {
		cfg.ClockSkew = DefaultClockSkew
	}
	if cfg.ClockSkew < 0 || cfg.ClockSkew > MaxClockSkew {
		return nil, fmt.Errorf("sso: Config.ClockSkew %v is outside [0, %v]", cfg.ClockSkew, MaxClockSkew)
	}
	if cfg.MetadataRefresh <= 0 {
		cfg.MetadataRefresh = DefaultMetadataRefresh
	}
	if cfg.LoginTTL <= 0 {
		cfg.LoginTTL = DefaultLoginTTL
	}
	if (cfg.SAMLSigner == nil) != (cfg.SAMLCertificate == nil) {
		return nil, errors.New("sso: Config.SAMLSigner and SAMLCertificate go together")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = publicClient()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	cache := &oidcCache{docs: map[string]cachedDoc{}, keys: map[string]*cachedKeys{}}
	return &Service{cfg: cfg, base: base, basePath: base.Path, oidc: cache}, nil
}

func (s *Service) now() time.Time { return s.cfg.Clock() }

// Store returns the service's Store.
func (s *Service) Store() Store { return s.cfg.Store }

// endpoint returns the absolute URL of one of the service's endpoints.
func (s *Service) endpoint(parts ...string) string {
	return s.base.String() + "/" + strings.Join(parts, "/")
}

// Handler returns the handler of the endpoints that browsers and identity
// providers call, to be mounted at the path of Config.BaseURL:
//
//	GET  {base}/login?connection=|organization=|email=&return=
//	GET  {base}/saml/{connection}/metadata
//	POST {base}/saml/{connection}/acs
//	GET  {base}/saml/{connection}/slo (and POST: single logout)
//	GET  {base}/oidc/{connection}/callback
//	GET  {base}/oidc/{connection}/logout (back from RP-initiated logout)
//	POST {base}/oidc/{connection}/backchannel-logout
//	GET  {base}/oidc/jwks (the public key of Config.OIDCClientKey)
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	p := s.basePath
	mux.HandleFunc("GET "+p+"/login", s.handleLogin)
	mux.HandleFunc("GET "+p+"/saml/{id}/metadata", s.handleSPMetadata)
	mux.HandleFunc("POST "+p+"/saml/{id}/acs", s.handleACS)
	mux.HandleFunc("GET "+p+"/saml/{id}/slo", s.handleSLO)
	mux.HandleFunc("POST "+p+"/saml/{id}/slo", s.handleSLO)
	mux.HandleFunc("GET "+p+"/oidc/{id}/callback", s.handleOIDCCallback)
	mux.HandleFunc("GET "+p+"/oidc/{id}/logout", s.handleOIDCLogout)
	mux.HandleFunc("POST "+p+"/oidc/{id}/backchannel-logout", s.handleBackChannelLogout)
	mux.HandleFunc("GET "+p+"/oidc/jwks", s.handleClientJWKS)
	return mux
}

// finish records the attempt and hands the outcome to the host.
func (s *Service) finish(w http.ResponseWriter, r *http.Request, conn *Connection,
	p *Profile, returnPath string, err error) {
	if err == nil {
		err = s.checkEmail(r.Context(), conn, p)
	}
	s.record(r.Context(), conn, p, err)
	if err != nil {
		s.cfg.Logger.InfoContext(r.Context(), "sso: login failed", "connection", connID(conn),
			"reason", ReasonOf(err), "error", err)
		s.fail(w, r, err)
		return
	}
	s.cfg.OnSuccess(w, r, p, returnPath)
}

func connID(c *Connection) string {
	if c == nil {
		return ""
	}
	return c.ID
}

func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	if ReasonOf(err) == "" {
		err = &LoginError{Reason: ReasonConfiguration, Detail: err.Error(), Err: err}
	}
	if s.cfg.OnFailure != nil {
		s.cfg.OnFailure(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "Sign-in failed. Ask your administrator to check the single sign-on settings.",
		http.StatusForbidden)
}

func (s *Service) checkEmail(ctx context.Context, conn *Connection, p *Profile) error {
	if s.cfg.AllowEmail == nil {
		return nil
	}
	if p.Email == "" {
		return fail(ReasonDomain, "the profile has no email to check against verified domains")
	}
	ok, err := s.cfg.AllowEmail(ctx, conn.OrganizationID, p.Email)
	if err != nil {
		return &LoginError{Reason: ReasonDomain, Detail: "checking the email domain failed", Err: err}
	}
	if !ok {
		return fail(ReasonDomain, "%q is not in a verified domain of the organization", p.Email)
	}
	return nil
}

func (s *Service) record(ctx context.Context, conn *Connection, p *Profile, err error) {
	if conn == nil {
		return
	}
	subject := ""
	if p != nil {
		subject = p.Subject
	}
	a := s.logAttempt(ctx, conn, FlowLogin, subject, err)
	s.emitLogin(ctx, conn, p, a)
}

// logAttempt adds a login or logout attempt to conn's log, with the
// reason code and detail of err (nil for a success), and returns it.
func (s *Service) logAttempt(ctx context.Context, conn *Connection, flow Flow, subject string,
	err error) *Attempt {
	now := s.now()
	a := &Attempt{ID: newAttemptID(now), OrganizationID: conn.OrganizationID,
		ConnectionID: conn.ID, Time: now, Flow: flow, Subject: subject}
	var le *LoginError
	if errors.As(err, &le) {
		a.Reason, a.Detail = le.Reason, le.Detail
	} else if err != nil {
		a.Reason, a.Detail = ReasonConfiguration, err.Error()
	}
	a.Detail = truncateDetail(a.Detail)
	if rerr := s.cfg.Store.RecordAttempt(ctx, a); rerr != nil {
		s.cfg.Logger.WarnContext(ctx, "sso: recording an attempt", "flow", flow, "error", rerr)
	}
	return a
}
