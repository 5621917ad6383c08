package sso

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// logoutMessage is what the service reads from a verified LogoutRequest or
// LogoutResponse.
type logoutMessage struct {
	ID, Version, IssueInstant, Destination, InResponseTo, NotOnOrAfter string
	Issuer                                                             string
	NameID, NameIDFormat                                               string
	SessionIndexes                                                     []string
	Status, SubStatus                                                  string
}

// readLogoutMessage reads a verified message whose root must be the
// protocol element local ("LogoutRequest" or "LogoutResponse").
func readLogoutMessage(root *etree.Element, local string) (*logoutMessage, error) {
	if root.Tag != local || root.NamespaceURI() != nsProtocol {
		return nil, fail(ReasonMalformed, "the message is a %s, want a %s", root.Tag, local)
	}
	attr := func(name string) string { return root.SelectAttrValue(name, "") }
	m := &logoutMessage{ID: attr("ID"), Version: attr("Version"), IssueInstant: attr("IssueInstant"),
		Destination: attr("Destination"), InResponseTo: attr("InResponseTo"),
		NotOnOrAfter: attr("NotOnOrAfter")}
	for _, el := range root.ChildElements() {
		ns := el.NamespaceURI()
		switch {
		case ns == nsAssertion && el.Tag == "Issuer":
			m.Issuer = strings.TrimSpace(el.Text())
		case ns == nsAssertion && el.Tag == "NameID":
			m.NameID = strings.TrimSpace(el.Text())
			m.NameIDFormat = el.SelectAttrValue("Format", "")
		case ns == nsAssertion && el.Tag == "EncryptedID":
			return nil, fail(ReasonMalformed, "an encrypted NameID is not supported; "+
				"configure the IdP to send the NameID in the clear")
		case ns == nsProtocol && el.Tag == "SessionIndex":
			m.SessionIndexes = append(m.SessionIndexes, strings.TrimSpace(el.Text()))
		case ns == nsProtocol && el.Tag == "Status":
			m.Status, m.SubStatus = statusCodes(el)
		}
	}
	if m.Version != "2.0" {
		return nil, fail(ReasonMalformed, "SAML version %q, want 2.0", m.Version)
	}
	if m.ID == "" {
		return nil, fail(ReasonMalformed, "the message has no ID")
	}
	return m, nil
}

// statusCodes returns the top-level status code of a Status element and
// the second-level one, if any.
func statusCodes(status *etree.Element) (string, string) {
	top := status.SelectElement("StatusCode")
	if top == nil {
		return "", ""
	}
	sub := ""
	if second := top.SelectElement("StatusCode"); second != nil {
		sub = second.SelectAttrValue("Value", "")
	}
	return top.SelectAttrValue("Value", ""), sub
}

// verifyLogout verifies an inbound message of conn and makes the checks
// both directions share: signature, issuer and destination.
func (s *Service) verifyLogout(conn *Connection, in *inbound, local string,
	now time.Time) (*logoutMessage, error) {
	root, err := verifyInbound(in, conn.SAML, now.Add(-s.cfg.ClockSkew))
	if err != nil {
		return nil, err
	}
	m, err := readLogoutMessage(root, local)
	if err != nil {
		return nil, err
	}
	if m.Issuer != conn.SAML.IdPEntityID {
		return m, fail(ReasonIssuer, "Issuer is %q, want %q", m.Issuer, conn.SAML.IdPEntityID)
	}
	// A signed message must name its destination (bindings 3.4.5.2, 3.5.5.2).
	if want := s.SLOURL(conn); m.Destination != want {
		return m, fail(ReasonDestination, "Destination is %q, want %q", m.Destination, want)
	}
	return m, nil
}

// acceptLogoutResponse completes an SP-initiated logout: the response
// must answer a pending logout of this connection, started in this
// browser, with Success; the browser then goes to the return path.
func (s *Service) acceptLogoutResponse(w http.ResponseWriter, r *http.Request, conn *Connection,
	in *inbound) {
	st, err := s.checkLogoutResponse(r, conn, in)
	if st != nil {
		clearBrowser(w, st.ID)
	} else if in.relay != "" {
		clearBrowser(w, in.relay)
	}
	if err != nil {
		s.logoutFailed(w, r, conn, err)
		return
	}
	s.recordLogout(r.Context(), conn, "", nil)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, st.ReturnPath, http.StatusSeeOther)
}

// checkLogoutResponse verifies a LogoutResponse and takes the pending
// logout it answers. It returns the state it took, if any, also with an
// error.
func (s *Service) checkLogoutResponse(r *http.Request, conn *Connection,
	in *inbound) (*LoginState, error) {
	now := s.now()
	m, err := s.verifyLogout(conn, in, "LogoutResponse", now)
	if err != nil {
		return nil, err
	}
	if m.InResponseTo == "" {
		return nil, fail(ReasonInResponseTo, "the LogoutResponse answers no request")
	}
	st, err := s.cfg.Store.TakeLoginState(r.Context(), m.InResponseTo, now)
	if errors.Is(err, ErrNotFound) {
		return nil, fail(ReasonInResponseTo, "InResponseTo %q is no pending logout (unknown, "+
			"used or expired)", m.InResponseTo)
	}
	if err != nil {
		return nil, &LoginError{Reason: ReasonConfiguration, Detail: "reading logout state", Err: err}
	}
	if st.Flow != FlowLogout {
		return st, fail(ReasonInResponseTo, "InResponseTo %q names a login, not a logout",
			m.InResponseTo)
	}
	if st.ConnectionID != conn.ID {
		return st, fail(ReasonInResponseTo, "InResponseTo %q is a logout of another connection",
			m.InResponseTo)
	}
	if in.relay != "" && in.relay != st.ID {
		return st, fail(ReasonState, "RelayState does not match the logout request")
	}
	if err := s.checkBrowser(r, st); err != nil {
		return st, err
	}
	if m.Status != statusSuccess {
		return st, fail(ReasonStatus, "the IdP answered status %q %q", m.Status, m.SubStatus)
	}
	return st, nil
}

// acceptLogoutRequest serves an IdP-initiated logout: it verifies the
// request, has Config.OnLogout end the user's sessions, and answers the
// IdP with a LogoutResponse. A request that fails its signature gets the
// generic page, since nothing says the IdP sent it; one that verifies but
// fails a later check gets a LogoutResponse with a Requester status.
func (s *Service) acceptLogoutRequest(w http.ResponseWriter, r *http.Request, conn *Connection,
	in *inbound) {
	ctx := r.Context()
	m, err := s.checkLogoutRequest(ctx, conn, in)
	if m == nil {
		s.logoutFailed(w, r, conn, err)
		return
	}
	status := statusSuccess
	if err != nil {
		status = statusRequester
	} else if err = s.endSessions(ctx, conn, m); err != nil {
		status = statusResponder
	}
	s.recordLogout(ctx, conn, m.NameID, err)
	if conn.SAML.IdPSLOURL == "" {
		// Nowhere to answer: the sessions are ended all the same.
		s.cfg.Logger.WarnContext(ctx, "sso: a LogoutRequest came from an IdP without a single "+
			"logout URL to answer", "connection", conn.ID)
		w.Header().Set("Cache-Control", "no-store")
		if err != nil {
			http.Error(w, "Single sign-out could not be completed.", http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, "You have been signed out.")
		return
	}
	el := s.logoutResponseElement(conn, m.ID, status)
	if serr := s.send(w, r, "SAMLResponse", el, conn.SAML.IdPSLOURL, conn.SAML.IdPSLOBinding,
		in.relay); serr != nil {
		s.cfg.Logger.WarnContext(ctx, "sso: answering a logout request", "error", serr)
		http.Error(w, "Single sign-out could not be answered.", http.StatusInternalServerError)
	}
}

// checkLogoutRequest verifies an IdP's LogoutRequest. It returns the
// message with the error when the signature verified but a later check
// failed, and a nil message when the signature or the shape did not.
func (s *Service) checkLogoutRequest(ctx context.Context, conn *Connection,
	in *inbound) (*logoutMessage, error) {
	now := s.now()
	m, err := s.verifyLogout(conn, in, "LogoutRequest", now)
	if err != nil {
		return m, err
	}
	if !conn.Enabled {
		return m, fail(ReasonConnectionDisabled, "the connection is disabled")
	}
	until, err := s.logoutWindow(m, now)
	if err != nil {
		return m, err
	}
	err = s.cfg.Store.Remember(ctx, "slo:"+conn.ID+":"+m.ID, until, now)
	if errors.Is(err, ErrReplay) {
		return m, fail(ReasonReplay, "LogoutRequest %q was already used", m.ID)
	}
	if err != nil {
		return m, &LoginError{Reason: ReasonConfiguration, Detail: "recording the request ID", Err: err}
	}
	if m.NameID == "" {
		return m, fail(ReasonMissingSubject, "the LogoutRequest has no NameID")
	}
	return m, nil
}

// logoutWindow checks IssueInstant and NotOnOrAfter with the clock skew
// and returns until when the request's ID must be remembered: a request
// is accepted for at most Config.LoginTTL after it was issued, and never
// after its NotOnOrAfter.
func (s *Service) logoutWindow(m *logoutMessage, now time.Time) (time.Time, error) {
	skew := s.cfg.ClockSkew
	issued, err := time.Parse(time.RFC3339, m.IssueInstant)
	if err != nil {
		return time.Time{}, fail(ReasonMalformed, "IssueInstant %q is not a time", m.IssueInstant)
	}
	if now.Add(skew).Before(issued) {
		return time.Time{}, fail(ReasonNotYetValid, "issued at %s, now is %s", m.IssueInstant,
			now.UTC().Format(time.RFC3339))
	}
	until := issued.Add(s.cfg.LoginTTL)
	if m.NotOnOrAfter != "" {
		t, err := notOnOrAfter(m.NotOnOrAfter, now, skew)
		if err != nil {
			return time.Time{}, err
		}
		if t.Before(until) {
			until = t
		}
	}
	if !now.Add(-skew).Before(until) {
		return time.Time{}, fail(ReasonExpired, "issued at %s, older than %v", m.IssueInstant,
			s.cfg.LoginTTL)
	}
	return until.Add(skew), nil
}

// endSessions hands the logout to Config.OnLogout.
func (s *Service) endSessions(ctx context.Context, conn *Connection, m *logoutMessage) error {
	if s.cfg.OnLogout == nil {
		return fail(ReasonLogoutHook, "Config.OnLogout is not set, so no session can be ended")
	}
	n := LogoutNotice{OrganizationID: conn.OrganizationID, ConnectionID: conn.ID,
		Protocol: ProtocolSAML, NameID: m.NameID, NameIDFormat: m.NameIDFormat,
		SessionIndexes: m.SessionIndexes}
	if err := s.cfg.OnLogout(ctx, n); err != nil {
		return &LoginError{Reason: ReasonLogoutHook, Detail: "ending the sessions: " + err.Error(),
			Err: err}
	}
	return nil
}

// logoutResponseElement writes the LogoutResponse to request reqID with
// the status (SAML core section 3.7.2).
func (s *Service) logoutResponseElement(conn *Connection, reqID, status string) *etree.Element {
	now := s.now()
	el := etree.NewElement("samlp:LogoutResponse")
	el.CreateAttr("xmlns:samlp", nsProtocol)
	el.CreateAttr("xmlns:saml", nsAssertion)
	el.CreateAttr("ID", newToken())
	el.CreateAttr("Version", "2.0")
	el.CreateAttr("IssueInstant", samlTime(now))
	el.CreateAttr("Destination", conn.SAML.IdPSLOURL)
	el.CreateAttr("InResponseTo", reqID)
	el.CreateElement("saml:Issuer").SetText(s.SPEntityID(conn))
	el.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", status)
	return el
}
