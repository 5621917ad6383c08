package sso

import (
	"errors"
	"fmt"
)

// Reason is a stable code that says why a login or a single logout failed. Admins read it in
// the connection's log of attempts; end users only ever see a generic
// message.
type Reason string

// The reasons a login fails.
const (
	// ReasonConnectionDisabled means the connection is switched off.
	ReasonConnectionDisabled Reason = "connection_disabled"
	// ReasonMalformed means the answer is not a well-formed response of the
	// expected shape (one assertion, no DOCTYPE, within size limits).
	ReasonMalformed Reason = "malformed_response"
	// ReasonStatus means the IdP answered with an error status.
	ReasonStatus Reason = "idp_error_status"
	// ReasonSignature means a signature does not verify with a trusted
	// certificate (wrong, rotated or expired certificate, or tampering).
	ReasonSignature Reason = "invalid_signature"
	// ReasonUnsigned means the assertion is not signed and the connection
	// requires it.
	ReasonUnsigned Reason = "unsigned_assertion"
	// ReasonWeakAlgorithm means SHA-1 was used and the connection refuses it.
	ReasonWeakAlgorithm Reason = "weak_algorithm"
	// ReasonIssuer means the issuer is not the configured IdP.
	ReasonIssuer Reason = "wrong_issuer"
	// ReasonAudience means the answer is meant for another service provider or
	// client.
	ReasonAudience Reason = "wrong_audience"
	// ReasonRecipient means the assertion names another ACS URL.
	ReasonRecipient Reason = "wrong_recipient"
	// ReasonDestination means the response names another ACS URL.
	ReasonDestination Reason = "wrong_destination"
	// ReasonExpired means the answer is past its validity (or clocks differ by
	// more than the skew).
	ReasonExpired Reason = "expired"
	// ReasonNotYetValid means the answer is not valid yet.
	ReasonNotYetValid Reason = "not_yet_valid"
	// ReasonReplay means the assertion was already used.
	ReasonReplay Reason = "replayed"
	// ReasonUnsolicited means the response answers no request and IdP-initiated
	// login is off.
	ReasonUnsolicited Reason = "unsolicited_response"
	// ReasonInResponseTo means the response answers no pending request of this
	// connection (unknown, used or expired).
	ReasonInResponseTo Reason = "unknown_in_response_to"
	// ReasonState means the OAuth state or RelayState is unknown, used, of
	// another login, or the login started in another browser.
	ReasonState Reason = "invalid_state"
	// ReasonNonce means the ID token's nonce is not the login's.
	ReasonNonce Reason = "invalid_nonce"
	// ReasonTokenExchange means the token endpoint refused the code.
	ReasonTokenExchange Reason = "token_exchange_failed"
	// ReasonIDToken means the ID token is malformed, uses a refused algorithm,
	// or its signature does not verify.
	ReasonIDToken Reason = "invalid_id_token"
	// ReasonMissingSubject means the answer names no user.
	ReasonMissingSubject Reason = "missing_subject"
	// ReasonDomain means the email or hosted domain is not the organization's.
	ReasonDomain Reason = "email_domain_not_allowed"
	// ReasonConfiguration means the connection's settings keep the login from
	// working (no certificate, provider unreachable, and the like).
	ReasonConfiguration Reason = "misconfigured_connection"
	// ReasonLogoutUnsigned means a LogoutRequest or LogoutResponse carries
	// no signature; single logout messages must be signed.
	ReasonLogoutUnsigned Reason = "unsigned_logout_message"
	// ReasonLogoutHook means the IdP asked for a logout and the host's
	// Config.OnLogout failed (or is not set), so the sessions may remain.
	ReasonLogoutHook Reason = "logout_hook_failed"
	// ReasonLogoutToken means an OIDC back-channel logout token is
	// malformed, uses a refused algorithm, fails its signature, or lacks
	// what a logout token must carry (jti, the back-channel logout event)
	// or carries what it must not (a nonce).
	ReasonLogoutToken Reason = "invalid_logout_token"
	// ReasonMetadataRefresh is not a login: it records that the scheduled
	// refresh of the IdP metadata from its URL failed (see
	// [Service.RefreshDue]); the connection keeps its last good metadata.
	ReasonMetadataRefresh Reason = "metadata_refresh_failed"
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
