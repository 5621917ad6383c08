package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/beevik/etree"
)

// SAML status codes of logout responses (SAML core section 3.2.2.2).
const (
	statusSuccess   = "urn:oasis:names:tc:SAML:2.0:status:Success"
	statusRequester = "urn:oasis:names:tc:SAML:2.0:status:Requester"
	statusResponder = "urn:oasis:names:tc:SAML:2.0:status:Responder"
)

// LogoutRequest says whose session at the identity provider a single
// logout ends, as the login's [Profile] gave it (see [LogoutRequestFor]):
// for SAML the user's NameID and session index, for OIDC the ID token.
// ReturnPath is where the browser goes once the IdP confirms; it must be
// local (see [ValidReturnPath]).
type LogoutRequest struct {
	ConnectionID string
	// OrganizationID, if set, must own the connection.
	OrganizationID string
	// NameID, NameIDFormat and SessionIndex name the SAML session; NameID
	// is required for SAML.
	NameID       string
	NameIDFormat string
	SessionIndex string
	// IDToken is the raw ID token of the OIDC login ([Profile.IDToken]),
	// sent as id_token_hint so that the provider knows whose session to
	// end without asking the user. Optional; sensitive, like the
	// profile's.
	IDToken    Secret
	ReturnPath string
}

// LogoutRequestFor returns the LogoutRequest that ends the IdP session in
// which p signed in, returning to returnPath.
func LogoutRequestFor(p *Profile, returnPath string) LogoutRequest {
	return LogoutRequest{ConnectionID: p.ConnectionID, OrganizationID: p.OrganizationID,
		NameID: p.NameID, NameIDFormat: p.SubjectFormat, SessionIndex: p.SessionIndex,
		IDToken: p.IDToken, ReturnPath: returnPath}
}

// LogoutNotice is what an identity provider asked to end, passed to
// Config.OnLogout. Protocol tells which fields name the sessions.
//
// For SAML: the sessions of the user with NameID in the connection, those
// named by SessionIndexes or, when there are none, all of them (SAML core
// section 3.7.3.2).
//
// For OIDC (a back-channel logout token): when SessionID is set, the
// sessions that began in that provider session (the sid of the login's
// ID token, [Profile.SessionID]); otherwise all sessions of the user with
// Subject in the connection. Subject may be "" when SessionID is set.
type LogoutNotice struct {
	OrganizationID string
	ConnectionID   string
	// Protocol is the connection's protocol.
	Protocol Protocol
	// NameID, NameIDFormat and SessionIndexes name SAML sessions.
	NameID         string
	NameIDFormat   string
	SessionIndexes []string
	// Subject is the sub claim of an OIDC logout token ([Profile.Subject]
	// before any attribute mapping), "" if the token has none.
	Subject string
	// SessionID is the sid claim of an OIDC logout token, "" if the token
	// has none.
	SessionID string
}

// ErrNoSingleLogout reports that a connection's identity provider offers
// no single logout service (for SAML none in its metadata and none set by
// hand, for OIDC no end_session_endpoint in discovery).
// The host has ended its own session; the IdP's session stays.
var ErrNoSingleLogout = errors.New("sso: the connection's IdP has no single logout service")

// SLOURL returns conn's single logout endpoint, {base}/saml/{id}/slo,
// which the SP metadata advertises for both bindings.
func (s *Service) SLOURL(conn *Connection) string {
	return s.endpoint("saml", conn.ID, "slo")
}

// Logout starts an SP-initiated single logout: it stores the pending
// logout as a [LoginState] of [FlowLogout], binds it to the browser with
// a cookie, and sends the browser to the identity provider.
//
// For SAML, that is the IdP's single logout service with a LogoutRequest
// (HTTP-Redirect binding, or HTTP-POST when that is all the IdP offers),
// signed when Config.SAMLSigner is set; the IdP answers at
// [Service.SLOURL]. For OIDC (RP-Initiated Logout 1.0), it is the
// provider's end_session_endpoint with id_token_hint (when req.IDToken is
// set), client_id, post_logout_redirect_uri
// ([Service.PostLogoutRedirectURL]) and the state's ID as state; the
// provider comes back there. Either endpoint then redirects to the
// return path.
//
// It writes nothing when it returns an error (ErrBadReturnPath,
// ErrNoConnection, ErrNoSingleLogout or a Store or discovery failure), so
// the host can answer as it likes.
//
// The host MUST end its own session before calling Logout: the IdP's
// answer may never come back.
func (s *Service) Logout(w http.ResponseWriter, r *http.Request, req LogoutRequest) error {
	rp, err := ValidReturnPath(req.ReturnPath)
	if err != nil {
		return err
	}
	if req.ConnectionID == "" {
		return ErrNoConnection
	}
	conn, err := s.connectionFor(r.Context(), LoginRequest{ConnectionID: req.ConnectionID,
		OrganizationID: req.OrganizationID})
	if err != nil {
		return err
	}
	if conn.Protocol == ProtocolOIDC && conn.OIDC != nil {
		return s.startOIDCLogout(w, r, conn, rp, req)
	}
	if conn.Protocol != ProtocolSAML || conn.SAML == nil {
		return ErrNoSingleLogout
	}
	if req.NameID == "" {
		return errors.New("sso: a logout request needs the NameID")
	}
	conn = s.freshMetadata(r.Context(), conn)
	if conn.SAML.IdPSLOURL == "" {
		return ErrNoSingleLogout
	}
	st := s.newState(conn, rp)
	st.Flow = FlowLogout
	cookie := s.bindBrowser(st)
	el := s.logoutRequestElement(conn, st, req)
	if err := s.cfg.Store.SaveLoginState(r.Context(), st); err != nil {
		return fmt.Errorf("sso: saving logout state: %w", err)
	}
	http.SetCookie(w, cookie)
	return s.send(w, r, "SAMLRequest", el, conn.SAML.IdPSLOURL, conn.SAML.IdPSLOBinding, st.ID)
}

// logoutRequestElement writes the LogoutRequest of st (SAML core section
// 3.7.1), valid as long as the state.
func (s *Service) logoutRequestElement(conn *Connection, st *LoginState,
	req LogoutRequest) *etree.Element {
	el := etree.NewElement("samlp:LogoutRequest")
	el.CreateAttr("xmlns:samlp", nsProtocol)
	el.CreateAttr("xmlns:saml", nsAssertion)
	el.CreateAttr("ID", st.ID)
	el.CreateAttr("Version", "2.0")
	el.CreateAttr("IssueInstant", samlTime(st.CreatedAt))
	el.CreateAttr("Destination", conn.SAML.IdPSLOURL)
	el.CreateAttr("NotOnOrAfter", samlTime(st.ExpiresAt))
	el.CreateElement("saml:Issuer").SetText(s.SPEntityID(conn))
	id := el.CreateElement("saml:NameID")
	if req.NameIDFormat != "" {
		id.CreateAttr("Format", req.NameIDFormat)
	}
	id.SetText(req.NameID)
	if req.SessionIndex != "" {
		el.CreateElement("samlp:SessionIndex").SetText(req.SessionIndex)
	}
	return el
}

func samlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// handleSLO serves a connection's single logout endpoint: a LogoutResponse
// that answers a [Service.Logout], or a LogoutRequest of the IdP.
func (s *Service) handleSLO(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSLOForm)
	conn, err := s.cfg.Store.ConnectionByID(r.Context(), r.PathValue("id"))
	if err != nil || conn.Protocol != ProtocolSAML || conn.SAML == nil {
		s.logoutFailed(w, r, nil, fail(ReasonConfiguration, "unknown connection"))
		return
	}
	in, err := readInbound(r)
	if err != nil {
		s.logoutFailed(w, r, conn, err)
		return
	}
	if in.field == "SAMLResponse" {
		s.acceptLogoutResponse(w, r, conn, in)
		return
	}
	s.acceptLogoutRequest(w, r, conn, in)
}

// logoutFailed records a failed logout and answers the browser with a
// generic page; the reason is for the connection's admins.
func (s *Service) logoutFailed(w http.ResponseWriter, r *http.Request, conn *Connection,
	err error) {
	s.recordLogout(r.Context(), conn, "", err)
	s.cfg.Logger.InfoContext(r.Context(), "sso: logout failed", "connection", connID(conn),
		"reason", ReasonOf(err), "error", err)
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "Single sign-out could not be completed. Close your browser to make sure "+
		"you are signed out everywhere.", http.StatusBadRequest)
}

// recordLogout logs a logout in the connection's attempts and reports it
// as an event.
func (s *Service) recordLogout(ctx context.Context, conn *Connection, subject string, err error) {
	if conn == nil {
		return
	}
	a := s.logAttempt(ctx, conn, FlowLogout, subject, err)
	typ := EventLogoutSucceeded
	if a.Reason != "" {
		typ = EventLogoutFailed
	}
	s.emit(ctx, typ, conn.OrganizationID, LoginEvent{ConnectionID: conn.ID,
		Protocol: conn.Protocol, Subject: subject, Reason: a.Reason, Detail: a.Detail})
}
