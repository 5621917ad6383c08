package sso

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwt"
)

// MaxLogoutTokenSize bounds a back-channel logout token, in bytes.
const MaxLogoutTokenSize = 16 << 10

// backChannelEvent is the member of a logout token's events claim that
// makes it one (Back-Channel Logout 1.0, section 2.4).
const backChannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// BackChannelLogoutURL returns an OIDC connection's back-channel logout
// endpoint, {base}/oidc/{id}/backchannel-logout. The admin registers it at
// the provider as the client's backchannel_logout_uri; the provider POSTs
// logout tokens there, server to server, and Config.OnLogout receives a
// [LogoutNotice] for each valid one. Nothing is advertised: the provider
// learns the URL only from its admin.
func (s *Service) BackChannelLogoutURL(conn *Connection) string {
	return s.endpoint("oidc", conn.ID, "backchannel-logout")
}

// logoutClaims is what a verified logout token names.
type logoutClaims struct {
	subject, sessionID string
}

// handleBackChannelLogout serves a provider's back-channel logout request
// (Back-Channel Logout 1.0, sections 2.5 to 2.8): it verifies the logout
// token, has Config.OnLogout end the sessions it names, and answers 200,
// 400 with an OAuth error (a bad token, or OnLogout failed) or 501 (no
// OnLogout), never cached.
func (s *Service) handleBackChannelLogout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	conn, err := s.cfg.Store.ConnectionByID(ctx, r.PathValue("id"))
	if err != nil || conn.Protocol != ProtocolOIDC || conn.OIDC == nil {
		s.answerBackChannel(w, fail(ReasonConfiguration, "unknown connection"))
		return
	}
	var c *logoutClaims
	raw, err := readLogoutToken(w, r)
	if err == nil {
		c, err = s.acceptLogoutToken(ctx, conn, raw)
	}
	subject := ""
	if c != nil {
		subject = c.subject
	}
	s.recordLogout(ctx, conn, subject, err)
	if err != nil {
		s.cfg.Logger.InfoContext(ctx, "sso: back-channel logout failed", "connection", conn.ID,
			"reason", ReasonOf(err), "error", err)
	}
	s.answerBackChannel(w, err)
}

// readLogoutToken reads the logout_token parameter of a form-encoded POST
// body, exactly once, within size limits.
func readLogoutToken(w http.ResponseWriter, r *http.Request) (string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxLogoutTokenSize+1024)
	if err := r.ParseForm(); err != nil {
		return "", fail(ReasonMalformed, "the request is not a form within size limits: %v", err)
	}
	v := r.PostForm["logout_token"]
	if len(v) != 1 || v[0] == "" {
		return "", fail(ReasonMalformed, "the form needs exactly one logout_token")
	}
	return v[0], nil
}

// acceptLogoutToken verifies a logout token, remembers its jti and hands
// the logout to Config.OnLogout. It returns the claims with the error
// when the token verified but a later step failed.
func (s *Service) acceptLogoutToken(ctx context.Context, conn *Connection,
	raw string) (*logoutClaims, error) {
	if !conn.Enabled {
		return nil, fail(ReasonConnectionDisabled, "the connection is disabled")
	}
	md, err := s.discover(ctx, conn.OIDC.Issuer)
	if err != nil {
		return nil, &LoginError{Reason: ReasonConfiguration, Detail: err.Error(), Err: err}
	}
	tok, until, err := s.verifyLogoutToken(ctx, conn, md, raw)
	if err != nil {
		return nil, err
	}
	c := &logoutClaims{subject: tok.Subject(), sessionID: claimString(tok, "sid")}
	if s.cfg.OnLogout == nil {
		return c, fail(ReasonLogoutHook, "Config.OnLogout is not set, so no session can be ended")
	}

	// Section 2.6 step 7: a jti seen before is a replay, on any instance.
	err = s.cfg.Store.Remember(ctx, "bcl:"+conn.ID+":"+tok.JwtID(), until, s.now())
	if errors.Is(err, ErrReplay) {
		return c, fail(ReasonReplay, "logout token jti %q was already used", tok.JwtID())
	}
	if err != nil {
		return c, &LoginError{Reason: ReasonConfiguration, Detail: "recording the jti", Err: err}
	}

	n := LogoutNotice{OrganizationID: conn.OrganizationID, ConnectionID: conn.ID,
		Protocol: ProtocolOIDC, Subject: c.subject, SessionID: c.sessionID}
	if err := s.cfg.OnLogout(ctx, n); err != nil {
		return c, &LoginError{Reason: ReasonLogoutHook, Detail: "ending the sessions: " + err.Error(),
			Err: err}
	}
	return c, nil
}

// verifyLogoutToken checks a logout token of conn's provider following
// Back-Channel Logout 1.0, section 2.6, and returns it with the time
// until which its jti must be remembered. Checked, each in turn: the size;
// the algorithm is asymmetric and advertised by the provider; the key
// comes from the provider's JWKS (refreshed, rate-limited, on an unknown
// kid); iss is the issuer; aud contains the client ID; iat is neither in
// the future nor older than Config.LoginTTL, and exp, if present, has not
// passed (both with Config.ClockSkew); jti is present; the events claim
// is an object with the back-channel logout event; sub or sid is
// present; there is no nonce (which tells an ID token from a logout
// token). NOT checked: the typ header, since explicit typing
// (logout+jwt) is only recommended and the events claim and the absence
// of a nonce already keep other JWTs out. NOT supported: encrypted logout
// tokens.
func (s *Service) verifyLogoutToken(ctx context.Context, conn *Connection, md *providerMetadata,
	raw string) (jwt.Token, time.Time, error) {
	if len(raw) > MaxLogoutTokenSize {
		return nil, time.Time{}, fail(ReasonLogoutToken, "the logout token exceeds %d bytes",
			MaxLogoutTokenSize)
	}
	tok, err := s.parseSigned(ctx, md, raw, ReasonLogoutToken)
	if err != nil {
		return nil, time.Time{}, err
	}
	if err := checkIssuer(md, tok); err != nil {
		return nil, time.Time{}, err
	}
	if aud := tok.Audience(); !slices.Contains(aud, conn.OIDC.ClientID) {
		return nil, time.Time{}, fail(ReasonAudience, "aud %v does not contain the client ID %q",
			aud, conn.OIDC.ClientID)
	}
	until, err := s.logoutTokenWindow(tok)
	if err != nil {
		return nil, time.Time{}, err
	}
	if err := checkLogoutEvent(tok); err != nil {
		return nil, time.Time{}, err
	}
	return tok, until, nil
}

// logoutTokenWindow checks iat and exp with the clock skew and returns
// until when the token's jti must be remembered: a token is accepted for
// at most Config.LoginTTL after it was issued, and never after its exp.
func (s *Service) logoutTokenWindow(tok jwt.Token) (time.Time, error) {
	now, skew := s.now(), s.cfg.ClockSkew
	iat := tok.IssuedAt()
	if iat.IsZero() {
		return time.Time{}, fail(ReasonLogoutToken, "the logout token has no iat")
	}
	if now.Add(skew).Before(iat) {
		return time.Time{}, fail(ReasonNotYetValid, "iat is %s, now is %s",
			iat.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	until := iat.Add(s.cfg.LoginTTL)
	if exp := tok.Expiration(); !exp.IsZero() && exp.Before(until) {
		until = exp
	}
	if !now.Add(-skew).Before(until) {
		return time.Time{}, fail(ReasonExpired, "the logout token was issued at %s and expired at %s",
			iat.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339))
	}
	return until.Add(skew), nil
}

// checkLogoutEvent checks the claims that make a JWT a logout token and
// not, say, an ID token (section 2.4 and section 4.1).
func checkLogoutEvent(tok jwt.Token) error {
	if tok.JwtID() == "" {
		return fail(ReasonLogoutToken, "the logout token has no jti")
	}
	v, _ := tok.Get("events")
	events, ok := v.(map[string]any)
	if !ok {
		return fail(ReasonLogoutToken, "the events claim is missing or not an object")
	}
	if _, ok := events[backChannelEvent].(map[string]any); !ok {
		return fail(ReasonLogoutToken, "the events claim lacks %s with an object value",
			backChannelEvent)
	}
	if _, ok := tok.Get("nonce"); ok {
		return fail(ReasonLogoutToken, "the logout token has a nonce, which is forbidden")
	}
	if tok.Subject() == "" && claimString(tok, "sid") == "" {
		return fail(ReasonMissingSubject, "the logout token has neither sub nor sid")
	}
	return nil
}

// answerBackChannel writes the response of section 2.8: 200 on success;
// 501 when there is no OnLogout; else 400 with an OAuth 2.0 error.
func (s *Service) answerBackChannel(w http.ResponseWriter, err error) {
	w.Header().Set("Cache-Control", "no-store")
	if err == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	status, desc := http.StatusBadRequest, "the logout token was refused: "+string(ReasonOf(err))
	if ReasonOf(err) == ReasonLogoutHook {
		desc = "the relying party could not end the sessions"
		if s.cfg.OnLogout == nil {
			status, desc = http.StatusNotImplemented, "the relying party does not end sessions "+
				"on back-channel logout"
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request",
		"error_description": desc})
}
