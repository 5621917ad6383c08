package sso

import (
	"encoding/json"
	"log/slog"
	"time"
)

// Protocol names the single sign-on protocol of a [Connection].
type Protocol string

// The protocols a connection may use.
const (
	// ProtocolSAML is SAML 2.0.
	ProtocolSAML Protocol = "saml"
	// ProtocolOIDC is OpenID Connect.
	ProtocolOIDC Protocol = "oidc"
)

// Connection is one organization's link to its identity provider. An
// organization may have several; each is SAML or OIDC and enabled or not.
type Connection struct {
	ID             string           `json:"id"`
	OrganizationID string           `json:"organization_id"`
	Name           string           `json:"name"`
	Protocol       Protocol         `json:"protocol"`
	Enabled        bool             `json:"enabled"`
	SAML           *SAMLConfig      `json:"saml,omitempty"`
	OIDC           *OIDCConfig      `json:"oidc,omitempty"`
	Mapping        AttributeMapping `json:"attribute_mapping"`
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at"`
}

// SAMLConfig is the SAML side of a connection: the identity provider, given
// by metadata or by hand, and the checks the admin may loosen.
type SAMLConfig struct {
	// IdPMetadataXML is the identity provider's metadata document. When it
	// is set, it supplies the entity ID, SSO URL and certificates below.
	IdPMetadataXML string `json:"idp_metadata_xml,omitempty"`
	// IdPMetadataURL, when set, is where the metadata was fetched from.
	IdPMetadataURL string `json:"idp_metadata_url,omitempty"`

	// IdPEntityID is the identity provider's issuer.
	IdPEntityID string `json:"idp_entity_id"`
	// IdPSSOURL is where AuthnRequests are sent.
	IdPSSOURL string `json:"idp_sso_url"`
	// IdPSLOURL is the IdP's single logout service, where LogoutRequests
	// and the answers to the IdP's own go; "" when it has none (then
	// [Service.Logout] returns ErrNoSingleLogout). Metadata that names one
	// supplies it.
	IdPSLOURL string `json:"idp_slo_url,omitempty"`
	// IdPSLOBinding is how messages travel to IdPSLOURL: "redirect" (the
	// default) or "post".
	IdPSLOBinding string `json:"idp_slo_binding,omitempty"`
	// IdPCertificates are the PEM certificates whose keys may sign
	// responses. Several are accepted at once so that rotation breaks
	// nothing.
	IdPCertificates []string `json:"idp_certificates"`

	// SPEntityID and ACSURL, when set, replace the ones the service derives
	// from its base URL, so that a customer moving from another provider
	// keeps its IdP configuration.
	SPEntityID string `json:"sp_entity_id,omitempty"`
	ACSURL     string `json:"acs_url,omitempty"`

	// MetadataFetchedAt is when the metadata was last fetched from
	// IdPMetadataURL.
	MetadataFetchedAt time.Time `json:"metadata_fetched_at,omitzero"`

	// Binding is how AuthnRequests travel: "redirect" (the default) or
	// "post".
	Binding string `json:"binding,omitempty"`

	// InsecureAllowIdPInitiated accepts responses that answer no request of
	// ours (also those with an InResponseTo that names no pending request,
	// as Rippling sends them). They still get replay protection and a
	// validated target.
	InsecureAllowIdPInitiated bool `json:"insecure_allow_idp_initiated,omitempty"`
	// InsecureAllowUnsignedAssertion accepts an unsigned assertion when
	// the whole response is signed (some IdPs sign only the response).
	InsecureAllowUnsignedAssertion bool `json:"insecure_allow_unsigned_assertion,omitempty"`
	// InsecureAllowSHA1 accepts signatures and digests made with SHA-1,
	// which AD FS still uses by default.
	InsecureAllowSHA1 bool `json:"insecure_allow_sha1,omitempty"`
}

// AuthMethod is how an OIDC client authenticates at the token endpoint.
type AuthMethod string

// The client authentication methods of OpenID Connect Core 1.0 §9 that the
// package supports.
const (
	// AuthClientSecretBasic sends the client secret by HTTP Basic auth.
	AuthClientSecretBasic AuthMethod = "client_secret_basic"
	// AuthClientSecretPost sends the client secret in the form.
	AuthClientSecretPost AuthMethod = "client_secret_post"
	// AuthPrivateKeyJWT signs a client assertion with Config.OIDCClientKey.
	AuthPrivateKeyJWT AuthMethod = "private_key_jwt"
)

// OIDCConfig is the OpenID Connect side of a connection.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL; discovery starts from it.
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
	// ClientSecret is write-only: the service seals it into
	// SealedClientSecret before the connection is stored, and clears it.
	ClientSecret Secret `json:"client_secret,omitempty"`
	// SealedClientSecret is the client secret as the host's [Sealer]
	// sealed it.
	SealedClientSecret []byte `json:"sealed_client_secret,omitempty"`
	// Scopes are requested in addition to "openid"; nil means "email
	// profile".
	Scopes []string `json:"scopes,omitempty"`
	// AuthMethod defaults to client_secret_basic.
	AuthMethod AuthMethod `json:"auth_method,omitempty"`
	// HostedDomain, if set, requires Google's hd claim to equal it, so
	// that only accounts of that Google Workspace sign in.
	HostedDomain string `json:"hosted_domain,omitempty"`
}

// AttributeMapping names, per field of the [Profile], the SAML attribute or
// OIDC claim that holds it. An empty field uses the defaults, which cover
// the names that Okta, Entra ID, AD FS, Google, OneLogin, JumpCloud,
// PingFederate and Keycloak send.
type AttributeMapping struct {
	// Subject, when set, takes the stable user ID from this attribute
	// instead of the NameID or the sub claim.
	Subject   string `json:"subject,omitempty"`
	Email     string `json:"email,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Groups    string `json:"groups,omitempty"`
}

// Secret is a string that must never be shown: it prints, logs and
// marshals as "[REDACTED]".
type Secret string

// String returns "[REDACTED]" unless the secret is empty.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[REDACTED]"
}

// LogValue implements [slog.LogValuer].
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON implements [json.Marshaler] with the redacted form.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

// clone returns a deep copy of c.
func (c *Connection) clone() *Connection {
	if c == nil {
		return nil
	}
	d := *c
	if c.SAML != nil {
		s := *c.SAML
		s.IdPCertificates = append([]string(nil), c.SAML.IdPCertificates...)
		d.SAML = &s
	}
	if c.OIDC != nil {
		o := *c.OIDC
		o.Scopes = append([]string(nil), c.OIDC.Scopes...)
		o.SealedClientSecret = append([]byte(nil), c.OIDC.SealedClientSecret...)
		d.OIDC = &o
	}
	return &d
}

// Clone returns a deep copy of c, which a Store implementation may hand out
// without sharing memory with its own copy.
func (c *Connection) Clone() *Connection { return c.clone() }
