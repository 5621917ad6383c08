package sso

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	saml2 "github.com/russellhaering/gosaml2"
	"github.com/russellhaering/gosaml2/types"
)

// maxXMLTokens is gosaml2's default bound on the tokens of a document.
const maxXMLTokens = 50000

// maxACSForm bounds the body of a POST to the ACS endpoint.
const maxACSForm = MaxResponseSize*4/3 + 8<<10

// handleACS receives a SAML response for the connection in the path.
func (s *Service) handleACS(w http.ResponseWriter, r *http.Request) {
	s.ACS(r.PathValue("id")).ServeHTTP(w, r)
}

// ACS returns the assertion consumer service of one connection, for hosts
// that route an ACS URL kept from a previous provider themselves.
func (s *Service) ACS(connectionID string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxACSForm)
		conn, err := s.cfg.Store.ConnectionByID(r.Context(), connectionID)
		if err != nil {
			s.finish(w, r, nil, nil, "", fail(ReasonConfiguration, "unknown connection"))
			return
		}
		if err := r.ParseForm(); err != nil {
			s.finish(w, r, conn, nil, "", fail(ReasonMalformed, "reading the form: %v", err))
			return
		}
		relay := r.PostForm.Get("RelayState")
		p, rp, err := s.acceptSAML(r.Context(), conn, r.PostForm.Get("SAMLResponse"), relay, r)
		if relay != "" {
			clearBrowser(w, relay)
		}
		s.finish(w, r, conn, p, rp, err)
	})
}

// AcceptSAMLResponse verifies a SAMLResponse form value (base64) that
// reached conn's ACS with relayState, and returns the profile and the
// validated return path. Errors are *LoginError values.
//
// It checks, beyond gosaml2: the response's shape (one assertion, directly
// under the response, no DOCTYPE), that the assertion is signed unless the
// admin allows a signed response alone, SHA-1 unless allowed, the audience,
// the time window with the configured skew, InResponseTo against a pending
// request of conn (used once), and that the assertion ID was not seen
// before. It does NOT start a session, and it does NOT check that the
// response reached the browser that started the login (the ACS handler
// does, with the cookie that Login set): a caller that uses it directly
// MUST make that check itself.
func (s *Service) AcceptSAMLResponse(ctx context.Context, conn *Connection, encoded,
	relayState string) (*Profile, string, error) {
	return s.acceptSAML(ctx, conn, encoded, relayState, nil)
}

// acceptSAML is AcceptSAMLResponse that, when r is not nil, also checks
// the browser binding of the login state.
func (s *Service) acceptSAML(ctx context.Context, conn *Connection, encoded, relayState string,
	r *http.Request) (*Profile, string, error) {
	if conn.Protocol != ProtocolSAML || conn.SAML == nil {
		return nil, "", fail(ReasonConfiguration, "the connection is not a SAML connection")
	}
	if !conn.Enabled {
		return nil, "", fail(ReasonConnectionDisabled, "the connection is disabled")
	}
	now := s.now()
	resp, sh, err := s.verifySAML(conn, encoded, now)
	if err != nil {
		return nil, "", err
	}
	a := &resp.Assertions[0]
	if err := s.checkAssertion(conn, resp, a, sh, now); err != nil {
		return nil, "", err
	}
	rp, err := s.matchRequest(ctx, conn, resp, a, relayState, now, r)
	if err != nil {
		return nil, "", err
	}
	if err := s.rememberAssertion(ctx, conn, a, now); err != nil {
		return nil, "", err
	}
	return samlProfile(conn, a), rp, nil
}

// verifySAML decodes the response, makes the structural pass and has
// gosaml2 verify the signatures and its own checks.
func (s *Service) verifySAML(conn *Connection, encoded string, now time.Time) (*types.Response,
	*responseShape, error) {
	encoded = stripSpace(encoded)
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil || len(raw) == 0 {
		return nil, nil, fail(ReasonMalformed, "SAMLResponse is not base64")
	}
	if err := checkXML(raw, MaxResponseSize); err != nil {
		return nil, nil, fail(ReasonMalformed, "%v", err)
	}
	// gosaml2 refuses documents whose token bound exceeds its limit, with
	// an error that its fallback to inflating hides; say it plainly.
	if bound := 3*bytes.Count(raw, []byte("<")) + 1; bound > maxXMLTokens {
		return nil, nil, fail(ReasonMalformed, "the response has too many XML elements (bound %d, "+
			"limit %d): does the IdP send very many groups?", bound, maxXMLTokens)
	}
	sh, err := inspectResponse(raw)
	if err != nil {
		return nil, nil, fail(ReasonMalformed, "%v", err)
	}
	if sh.encrypted > 0 {
		if err := s.inspectEncrypted(raw, sh); err != nil {
			return nil, nil, fail(ReasonMalformed, "%v", err)
		}
		if sh.signatures == 0 && !sh.assertionSigned {
			return nil, nil, fail(ReasonMalformed, "the response carries no signature")
		}
	}
	if alg := sh.weakAlgorithm(); alg != "" && !conn.SAML.InsecureAllowSHA1 {
		return nil, nil, fail(ReasonWeakAlgorithm, "signed with %s; allow SHA-1 on the connection "+
			"or configure the IdP for SHA-256", alg)
	}
	if sh.spacedSigValue && sh.signatures == 1 {
		encoded = base64.StdEncoding.EncodeToString(unwrapSignatureValue(raw))
	}
	resp, err := s.validate(conn, encoded, sh, now)
	if err != nil {
		return nil, nil, err
	}
	return resp, sh, nil
}

// validate runs gosaml2. With several trusted certificates and a signature
// that names none in KeyInfo, goxmldsig cannot choose, so each certificate
// is tried on its own.
func (s *Service) validate(conn *Connection, encoded string, sh *responseShape,
	now time.Time) (*types.Response, error) {
	certs := conn.SAML.IdPCertificates
	if len(certs) == 0 {
		return nil, fail(ReasonConfiguration, "the connection trusts no IdP certificate")
	}
	sets := [][]string{certs}
	if sh.missingKeyInfo && len(certs) > 1 {
		sets = sets[:0]
		for _, c := range certs {
			sets = append(sets, []string{c})
		}
	}
	var last error
	for _, set := range sets {
		sp, err := s.serviceProvider(conn, set, now)
		if err != nil {
			return nil, &LoginError{Reason: ReasonConfiguration, Detail: err.Error(), Err: err}
		}
		resp, err := sp.ValidateEncodedResponse(encoded)
		if err == nil {
			return resp, nil
		}
		last = err
	}
	return nil, samlError(last)
}

// samlError turns a gosaml2 error into a *LoginError.
func samlError(err error) error {
	var iv saml2.ErrInvalidValue
	if errors.As(err, &iv) {
		r := ReasonMalformed
		switch iv.Key {
		case saml2.DestinationAttr:
			r = ReasonDestination
		case saml2.RecipientAttr:
			r = ReasonRecipient
		case saml2.IssuerTag:
			r = ReasonIssuer
		case saml2.StatusCodeTag:
			r = ReasonStatus
		case saml2.NotOnOrAfterAttr:
			r = ReasonExpired
		}
		return &LoginError{Reason: r, Detail: fmt.Sprintf("%s is %q, want %q", iv.Key, iv.Actual,
			iv.Expected), Err: err}
	}
	var me saml2.ErrMissingElement
	if errors.As(err, &me) {
		return &LoginError{Reason: ReasonMalformed, Detail: me.Error(), Err: err}
	}

	return &LoginError{Reason: ReasonSignature, Detail: "signature verification failed: " + err.Error(),
		Err: err}
}

// checkAssertion makes the checks gosaml2 leaves to its caller or only
// warns about.
func (s *Service) checkAssertion(conn *Connection, resp *types.Response, a *types.Assertion,
	sh *responseShape, now time.Time) error {
	if len(resp.Assertions) != 1 {
		return fail(ReasonMalformed, "%d verified assertions, want exactly one", len(resp.Assertions))
	}
	if !sh.assertionSigned && !(sh.responseSigned && conn.SAML.InsecureAllowUnsignedAssertion) {
		return fail(ReasonUnsigned, "the assertion is not signed")
	}
	if a.Subject == nil || a.Subject.NameID == nil || a.Subject.NameID.Value == "" {
		return fail(ReasonMissingSubject, "the assertion has no NameID")
	}
	if err := s.checkConditions(conn, a.Conditions, now); err != nil {
		return err
	}
	return nil
}

func (s *Service) checkConditions(conn *Connection, c *types.Conditions, now time.Time) error {
	if c == nil {
		return fail(ReasonMalformed, "the assertion has no Conditions")
	}
	skew := s.cfg.ClockSkew
	if c.NotBefore != "" {
		nb, err := time.Parse(time.RFC3339, c.NotBefore)
		if err != nil {
			return fail(ReasonMalformed, "NotBefore %q is not a time", c.NotBefore)
		}
		if now.Add(skew).Before(nb) {
			return fail(ReasonNotYetValid, "valid from %s, now is %s", c.NotBefore, now.UTC().Format(time.RFC3339))
		}
	}
	if _, err := notOnOrAfter(c.NotOnOrAfter, now, skew); err != nil {
		return err
	}
	want := s.SPEntityID(conn)
	if len(c.AudienceRestrictions) == 0 {
		return fail(ReasonAudience, "the assertion has no AudienceRestriction; want %q", want)
	}
	for _, ar := range c.AudienceRestrictions {
		if !hasAudience(ar, want) {
			return fail(ReasonAudience, "the audience is not %q", want)
		}
	}
	return nil
}

// notOnOrAfter parses an expiry instant and checks it against now.
func notOnOrAfter(v string, now time.Time, skew time.Duration) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fail(ReasonMalformed, "NotOnOrAfter %q is not a time", v)
	}
	if !now.Add(-skew).Before(t) {
		return t, fail(ReasonExpired, "valid until %s, now is %s", v, now.UTC().Format(time.RFC3339))
	}
	return t, nil
}

func hasAudience(ar types.AudienceRestriction, want string) bool {
	for _, a := range ar.Audiences {
		if a.Value == want {
			return true
		}
	}
	return false
}

// matchRequest ties the response to the pending request it answers, or
// accepts it as IdP-initiated where the admin allows. It returns the
// return path.
func (s *Service) matchRequest(ctx context.Context, conn *Connection, resp *types.Response,
	a *types.Assertion, relayState string, now time.Time, r *http.Request) (string, error) {
	irt := resp.InResponseTo
	if !resp.SignatureValidated {
		irt = "" // an unsigned response's attributes are not evidence
	}
	if scd := a.Subject.SubjectConfirmation; scd != nil && scd.SubjectConfirmationData != nil {
		if v := scd.SubjectConfirmationData.InResponseTo; v != "" {
			if irt != "" && irt != v {
				return "", fail(ReasonInResponseTo, "the response and its assertion answer different requests")
			}
			irt = v
		}
	}
	if irt == "" {
		return s.unsolicited(conn, relayState)
	}
	st, err := s.cfg.Store.TakeLoginState(ctx, irt, now)
	if errors.Is(err, ErrNotFound) && conn.SAML.InsecureAllowIdPInitiated {
		// Rippling puts an InResponseTo of its own on IdP-initiated
		// responses; where those are allowed, such a response is one.
		return s.unsolicited(conn, relayState)
	}
	if errors.Is(err, ErrNotFound) {
		return "", fail(ReasonInResponseTo, "InResponseTo %q is no pending request (unknown, used or expired)", irt)
	}
	if err != nil {
		return "", &LoginError{Reason: ReasonConfiguration, Detail: "reading login state", Err: err}
	}
	if st.ConnectionID != conn.ID {
		return "", fail(ReasonInResponseTo, "InResponseTo %q is a request of another connection", irt)
	}
	if st.Flow != FlowLogin {
		return "", fail(ReasonInResponseTo, "InResponseTo %q names a logout, not a login", irt)
	}
	if relayState != "" && relayState != st.ID {
		return "", fail(ReasonState, "RelayState does not match the request")
	}
	if err := s.checkBrowser(r, st); err != nil {
		return "", err
	}
	return st.ReturnPath, nil
}

func (s *Service) unsolicited(conn *Connection, relayState string) (string, error) {
	if !conn.SAML.InsecureAllowIdPInitiated {
		return "", fail(ReasonUnsolicited, "the response answers no request and IdP-initiated login is off")
	}
	rp, err := ValidReturnPath(relayState)
	if err != nil {
		// An IdP's default RelayState is often a URL or garbage: go home.
		rp = "/"
	}
	return rp, nil
}

// rememberAssertion records the assertion's ID until it expires, so that
// no instance accepts it again.
func (s *Service) rememberAssertion(ctx context.Context, conn *Connection, a *types.Assertion,
	now time.Time) error {
	if a.ID == "" {
		return fail(ReasonMalformed, "the assertion has no ID")
	}
	until := now.Add(s.cfg.LoginTTL)
	if a.Conditions != nil {
		if t, err := time.Parse(time.RFC3339, a.Conditions.NotOnOrAfter); err == nil {
			until = t
		}
	}
	if scd := a.Subject.SubjectConfirmation; scd != nil && scd.SubjectConfirmationData != nil {
		if t, err := time.Parse(time.RFC3339, scd.SubjectConfirmationData.NotOnOrAfter); err == nil && t.After(until) {
			until = t
		}
	}
	err := s.cfg.Store.Remember(ctx, "saml:"+conn.ID+":"+a.ID, until.Add(s.cfg.ClockSkew), now)
	if errors.Is(err, ErrReplay) {
		return fail(ReasonReplay, "assertion %q was already used", a.ID)
	}
	if err != nil {
		return &LoginError{Reason: ReasonConfiguration, Detail: "recording the assertion ID", Err: err}
	}
	return nil
}

// samlProfile reads the profile from a verified assertion, keeping every
// value of attributes that occur several times.
func samlProfile(conn *Connection, a *types.Assertion) *Profile {
	p := &Profile{
		Subject: a.Subject.NameID.Value, SubjectFormat: a.Subject.NameID.Format,
		NameID:         a.Subject.NameID.Value,
		OrganizationID: conn.OrganizationID, ConnectionID: conn.ID, Protocol: ProtocolSAML,
		Attributes: map[string][]string{},
	}
	if a.AuthnStatement != nil {
		p.SessionIndex = a.AuthnStatement.SessionIndex
	}
	if a.AttributeStatement != nil {
		for _, attr := range a.AttributeStatement.Attributes {
			for _, v := range attr.Values {
				p.Attributes[attr.Name] = append(p.Attributes[attr.Name], v.Value)
			}
		}
	}
	conn.Mapping.apply(p)
	return p
}
