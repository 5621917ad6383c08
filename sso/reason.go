package sso

import (
	"errors"
	"fmt"
)

// Reason is a stable code that says why a login failed. Admins read it in
// the connection's log of attempts; end users only ever see a generic
// message.
type Reason string

// The reasons a login fails.
const (
	ReasonConnectionDisabled Reason = "connection_disabled"
	ReasonMalformed          Reason = "malformed_response"
	ReasonStatus             Reason = "idp_error_status"
	ReasonSignature          Reason = "invalid_signature"
	ReasonUnsigned           Reason = "unsigned_assertion"
	ReasonWeakAlgorithm      Reason = "weak_algorithm"
	ReasonIssuer             Reason = "wrong_issuer"
	ReasonAudience           Reason = "wrong_audience"
	ReasonRecipient          Reason = "wrong_recipient"
	ReasonDestination        Reason = "wrong_destination"
	ReasonExpired            Reason = "expired"
	ReasonNotYetValid        Reason = "not_yet_valid"
	ReasonReplay             Reason = "replayed"
	ReasonUnsolicited        Reason = "unsolicited_response"
	ReasonInResponseTo       Reason = "unknown_in_response_to"
	ReasonState              Reason = "invalid_state"
	ReasonNonce              Reason = "invalid_nonce"
	ReasonTokenExchange      Reason = "token_exchange_failed"
	ReasonIDToken            Reason = "invalid_id_token"
	ReasonMissingSubject     Reason = "missing_subject"
	ReasonDomain             Reason = "email_domain_not_allowed"
	ReasonConfiguration      Reason = "misconfigured_connection"
)

// LoginError is why one login failed: a [Reason] for code and a detail for
// the admin. Its Error text is for logs and admins, never for end users.
type LoginError struct {
	Reason Reason
	Detail string
	Err    error
}

// Error returns the reason and detail.
func (e *LoginError) Error() string {
	if e.Detail == "" {
		return "sso: login failed: " + string(e.Reason)
	}
	return fmt.Sprintf("sso: login failed: %s: %s", e.Reason, e.Detail)
}

// Unwrap returns the underlying error, if any.
func (e *LoginError) Unwrap() error { return e.Err }

// fail returns a *LoginError with a formatted detail.
func fail(r Reason, format string, args ...any) *LoginError {
	return &LoginError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// ReasonOf returns the Reason in err's chain, or "" if there is none.
func ReasonOf(err error) Reason {
	var le *LoginError
	if errors.As(err, &le) {
		return le.Reason
	}
	return ""
}
