// Package sso gives each organization of a host's product single sign-on
// through its own identity provider: a SAML 2.0 service provider (on
// github.com/russellhaering/gosaml2) and an OpenID Connect relying party
// (on golang.org/x/oauth2 and github.com/lestrrat-go/jwx/v2), behind one
// normalized [Profile].
//
// # Connections
//
// An organization has one or more [Connection] values, SAML or OIDC, kept
// in a [Store]. A SAML connection is configured from the identity
// provider's metadata document or URL, or by entity ID, SSO URL and
// certificates; several certificates are trusted at once so that rotation
// breaks nothing, and [SAMLConfig.CertificateStatus] reports those about to
// expire. Metadata from a URL is fetched again when older than
// Config.MetadataRefresh, keeping the last good copy when that fails: at
// login, or on a schedule across organizations by
// [Service.RunMetadataRefresh] (one instance fetches each connection, and
// failures go to the connection's log of attempts). An OIDC connection
// names an issuer (discovery), a client ID and a client secret, which the
// service seals through the host's [Sealer] before the connection is
// stored, or authenticates with private_key_jwt signed by a
// crypto.Signer. After the key behind the Sealer rotates,
// [Service.ResealClientSecrets] moves the sealed secrets to the new key.
// [Service.CreateConnection] and [Service.UpdateConnection] validate a
// connection and say what is wrong in a [ValidationError];
// [Service.AdminHandler] offers the same as a JSON admin API, with the log
// of recent login attempts.
//
// # Flows
//
// The host mounts [Service.Handler] at Config.BaseURL and starts a login
// with [Service.Login] for an organization, a connection or an email
// address (routed by Config.Domains), with a return path that must be
// local ([ValidReturnPath]). The service stores a [LoginState] and sends
// the browser to the identity provider; only the state's random ID
// travels: as RelayState and AuthnRequest ID for SAML (Redirect or POST
// binding, optionally signed), as the OAuth state for OIDC (with a nonce
// and a PKCE S256 challenge). When the answer reaches the ACS or callback
// endpoint, the state is taken from the Store exactly once, the answer is
// verified, and Config.OnSuccess receives the [Profile] and the return
// path. All state lives in the Store, so any number of instances behave as
// one.
//
// # Threat model and what the package checks
//
// For SAML, on top of what gosaml2 checks (signatures, issuer, recipient,
// destination, status): exactly one assertion, a direct child of the
// response (which defeats the signature-wrapping family XSW1 to XSW8); a
// signed assertion, unless the admin accepts a signed response alone
// (InsecureAllowUnsignedAssertion); no SHA-1 unless allowed
// (InsecureAllowSHA1); an AudienceRestriction naming the SP; NotBefore and
// NotOnOrAfter with Config.ClockSkew; InResponseTo naming a pending request
// of this connection, used once; every assertion ID remembered in the
// Store until it expires, so that a replay fails on any instance; no
// DOCTYPE (external entities, entity expansion) and a size limit. Every
// value of a repeated attribute is kept, the NameID format is exposed, each
// trusted certificate is tried when a signature names none, and a
// SignatureValue wrapped over lines (as Google sends it) is accepted.
// Responses that answer no request are refused unless the admin turns on
// InsecureAllowIdPInitiated; they are then still replay-protected and
// their RelayState is used only as a validated local path.
//
// For OIDC, [Service.VerifyIDToken] documents its checklist: only the
// asymmetric algorithms the provider advertises (never "none", never an
// HMAC keyed with a public key), keys from the provider's JWKS (refreshed,
// rate-limited, on an unknown key ID), iss (with Entra ID's multi-tenant
// template), aud and azp, exp, iat and nbf with skew, and the nonce.
//
// Every login is bound to the browser that started it by a cookie that
// Login sets and the ACS and callback require, so that an attacker cannot
// deliver the answer to a login of his own into a victim's browser (login
// CSRF). Optionally Config.AllowEmail must approve the profile's email for
// its organization, so that one customer's IdP cannot assert another
// customer's users.
//
// End users see a generic message; each failure is recorded on the
// connection with a precise [Reason] and detail for its admins.
//
// What the host MUST do: start its own session in OnSuccess (and rotate
// any session ID it had), use AllowEmail or its own check before trusting
// an email across organizations, and serve the handler over HTTPS. What
// the package does NOT do: at_hash/c_hash checks (not needed with the code
// flow and PKCE), decryption with non-RSA keys, and OIDC front-channel
// logout or session management (iframes).
//
// # Single logout
//
// SAML single logout (SAML profiles section 4.4) works in both directions
// at the endpoint {base}/saml/{connection}/slo, which the SP metadata
// advertises for the HTTP-Redirect and HTTP-POST bindings. The IdP's own
// single logout service comes from its metadata or is set by hand
// (SAMLConfig.IdPSLOURL).
//
// SP-initiated: the host ends its own session, then calls [Service.Logout]
// with the NameID, format and session index of the login's [Profile] (see
// [LogoutRequestFor]) and a local return path. The service keeps the
// pending request as a [LoginState] of [FlowLogout], bound to the browser
// by a cookie, and sends a LogoutRequest, signed when Config.SAMLSigner is
// set (most IdPs require it). The IdP's LogoutResponse must be signed by a
// trusted certificate, name the IdP as issuer and our SLO URL as
// destination, answer a pending logout of this connection started in this
// browser (used once), and carry Success; the browser then goes to the
// return path.
//
// IdP-initiated: a LogoutRequest must be signed (query signature or
// enveloped XML signature), name the IdP and our SLO URL, be within its
// NotOnOrAfter and at most Config.LoginTTL old (with Config.ClockSkew),
// name a NameID, and have an ID not seen before (remembered in the Store).
// Config.OnLogout then receives a [LogoutNotice] and MUST end the host's
// sessions of that user (those of the session indexes, or all); the IdP
// gets a LogoutResponse with Success, Requester for a request that
// verified but failed a check, or Responder when OnLogout failed or is not
// set. A request whose signature fails gets a generic page, as does a bad
// LogoutResponse. Every outcome is in the connection's attempts, with
// Flow [FlowLogout] and a precise [Reason].
//
// Not supported: encrypted NameIDs in LogoutRequests, ECDSA query
// signatures from IdPs (RSA only), the SOAP binding, and a separate
// ResponseLocation for answers (answers go to IdPSLOURL).
//
// OIDC logout works in both directions too. RP-initiated (OpenID Connect
// RP-Initiated Logout 1.0): the host ends its own session and calls
// [Service.Logout] with [LogoutRequestFor] the login's [Profile], whose
// IDToken (sensitive: keep it server-side) becomes the id_token_hint.
// The browser goes to the end_session_endpoint from the provider's
// discovery document (ErrNoSingleLogout without one) with client_id, a
// logout state as state, and post_logout_redirect_uri
// {base}/oidc/{connection}/logout ([Service.PostLogoutRedirectURL]),
// which the admin registers at the provider. That endpoint takes the
// state once, requires the browser that started the logout and the same
// connection, and redirects to the return path.
//
// Back-channel (OpenID Connect Back-Channel Logout 1.0): the admin
// registers {base}/oidc/{connection}/backchannel-logout
// ([Service.BackChannelLogoutURL]) as the client's
// backchannel_logout_uri; the service advertises nothing. The provider
// POSTs a logout_token, which must be signed with an advertised
// asymmetric algorithm by a key of the provider's JWKS (refreshed,
// rate-limited, on an unknown kid), name the issuer and the client ID as
// audience, have an iat neither in the future nor older than
// Config.LoginTTL and an exp, if any, not passed (with Config.ClockSkew),
// a jti not seen before (remembered in the Store until the token
// expires), the back-channel logout event, sub or sid, and no nonce.
// Config.OnLogout then receives a [LogoutNotice] with the Subject and
// SessionID (the sid of the login's ID token, [Profile.SessionID]) and
// MUST end those sessions. The answer is 200, or 400 with an OAuth error
// ({"error": "invalid_request"}) for a bad token or a failed OnLogout,
// or 501 without OnLogout; never cached. A token whose OnLogout failed
// stays remembered, so a provider that retries with the same jti is
// refused; ending the sessions again would need a Store method that
// forgets a key. Encrypted logout tokens are not supported.
//
// # Events
//
// Every change of a connection (created, updated, deleted, and a metadata
// refresh that changed the IdP's certificates, which decide who may sign
// in as any user of the organization) is an [Event] that the Store writes
// to its outbox in the transaction of the change, so that a crash after
// the change loses no event. The host reads them with [Service.Events]
// and a cursor, at least once, into its audit log: it stores the Cursor
// of the last event it handled and reads what follows. Config.OnEvent
// receives the same events, and also the login and logout events, which
// are not durable: a process that dies before OnEvent returns loses them,
// and the connection's log of attempts keeps the failures for its admins.
// Resealing a client secret ([Service.ResealClientSecrets]) changes no
// setting and reports nothing.
//
// # Writing a Store
//
// A Store must be safe for concurrent use, copy what it keeps, never keep
// a plaintext client secret, make [Store.TakeLoginState] and
// [Store.Remember] atomic, and write a connection's events in the
// transaction of its change, read back in an order that no late commit
// breaks ([Store.Events]). The suite
// [github.com/gatehouse/gatehouse/sso/ssotest.TestStore] checks all of it;
// package ssosql is the SQL Store for SQLite and PostgreSQL.
//
// # Testing
//
// Package ssotest has a SAML IdP that signs responses (and makes each bad
// kind on request) and logout messages and answers LogoutRequests, an
// OpenID provider with an end_session_endpoint that makes back-channel
// logout tokens, a Sealer, and the Store suite, for the host's own tests
// and for development.
package sso
