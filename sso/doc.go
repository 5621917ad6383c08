// Package sso gives each organization of a host's product single sign-on
// through its own identity provider: a SAML 2.0 service provider and an
// OpenID Connect relying party behind one normalized [Profile].
//
// # Connections
//
// An organization has one or more [Connection] values, SAML or OIDC, kept
// in a [Store]. A SAML connection is configured from the identity
// provider's metadata (or by entity ID, SSO URL and certificates); several
// certificates are trusted at once so that rotation breaks nothing. An OIDC
// connection names an issuer, a client ID and a client secret, which the
// service seals through the host's [Sealer] before it is stored.
//
// # Flows
//
// The host starts a login for an organization, a connection or an email
// address, with a return path that must be local. The service keeps a
// [LoginState] in the Store and sends the browser to the identity
// provider; only the state's random ID travels (as RelayState and
// AuthnRequest ID, or as OAuth state). When the answer comes back to the
// ACS or callback endpoint, the state is taken from the Store exactly once,
// the answer is verified, and the host's success handler receives the
// [Profile]. All state lives in the Store, so any number of instances
// behave as one.
//
// # Threat model and what the package checks
//
// For SAML, on top of what github.com/russellhaering/gosaml2 checks: one
// assertion, signed (the whole response may stand in only where the admin
// allows), signature algorithms other than SHA-1, issuer, audience,
// recipient, destination, NotBefore and NotOnOrAfter with a bounded clock
// skew, InResponseTo against a pending request of this connection, and
// each assertion ID remembered in the Store until it expires so that a
// replay fails on any instance. Documents are size-limited and a DOCTYPE
// is refused.
//
// End users see a generic message; each failure is recorded on the
// connection with a precise [Reason] for its admins.
//
// # Writing a Store
//
// A Store must be safe for concurrent use, copy what it keeps, and make
// [Store.TakeLoginState] and [Store.Remember] atomic. The suite
// [github.com/gatehouse/gatehouse/sso/ssotest.TestStore] checks all of it.
package sso
