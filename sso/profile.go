package sso

import (
	"strings"
)

// Profile is what the host learns about a user who signed in, whatever the
// protocol.
type Profile struct {
	// Subject is the stable user ID at the IdP: the SAML NameID (or the
	// mapped attribute) or the OIDC sub claim.
	Subject string `json:"subject"`
	// SubjectFormat is the SAML NameID format, "" for OIDC.
	SubjectFormat string   `json:"subject_format,omitempty"`
	Email         string   `json:"email,omitempty"`
	FirstName     string   `json:"first_name,omitempty"`
	LastName      string   `json:"last_name,omitempty"`
	Groups        []string `json:"groups,omitempty"`
	// GroupsOverage reports that the IdP left groups out because there
	// were too many: Entra ID caps group claims (150 in SAML, 200 in a
	// JWT) and sends a link to Microsoft Graph instead. The host must then
	// read the groups from Graph; Groups is incomplete.
	GroupsOverage bool `json:"groups_overage,omitempty"`

	OrganizationID string   `json:"organization_id"`
	ConnectionID   string   `json:"connection_id"`
	Protocol       Protocol `json:"protocol"`
	// NameID is the SAML NameID as the IdP sent it (Subject may be mapped
	// from an attribute instead); with SubjectFormat and SessionIndex it
	// is what a single logout names (see [LogoutRequestFor]). "" for OIDC.
	NameID string `json:"name_id,omitempty"`
	// SessionIndex is the SAML session index, if any.
	SessionIndex string `json:"session_index,omitempty"`
	// SessionID is the OIDC sid claim of the ID token, the provider's
	// session, if it sent one; a back-channel logout may name it (see
	// [LogoutNotice]). "" for SAML.
	SessionID string `json:"session_id,omitempty"`
	// IDToken is the raw OIDC ID token, which [Service.Logout] sends as
	// id_token_hint. It is sensitive: it names the user and may open an
	// RP-initiated logout of the user's session at the provider, so keep
	// it server-side or in an encrypted or HttpOnly place, never in logs.
	// It is left out of JSON (and prints redacted); "" for SAML.
	IDToken Secret `json:"-"`
	// Attributes holds every SAML attribute with all its values, or the
	// OIDC claims in string form.
	Attributes map[string][]string `json:"attributes,omitempty"`
}

// Default attribute names, tried in order when a mapping field is empty.
var (
	defaultEmail = []string{
		"email", "mail", "emailaddress", "emailAddress", "user.email",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
		"urn:oid:0.9.2342.19200300.100.1.3",
		"http://schemas.xmlsoap.org/claims/EmailAddress",
	}
	defaultFirstName = []string{
		"firstName", "first_name", "givenName", "given_name", "givenname", "user.firstName",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
		"urn:oid:2.5.4.42",
	}
	defaultLastName = []string{
		"lastName", "last_name", "surname", "sn", "family_name", "familyName", "user.lastName",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
		"urn:oid:2.5.4.4",
	}
	defaultGroups = []string{
		"groups", "memberOf", "Role", "roles",
		"http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
		"http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
		"http://schemas.xmlsoap.org/claims/Group",
	}
)

// apply fills the profile's fields from its attributes by m.
func (m AttributeMapping) apply(p *Profile) {
	if m.Subject != "" {
		if v := first(p.Attributes, []string{m.Subject}); v != "" {
			p.Subject = v
		}
	}
	p.Email = first(p.Attributes, orDefault(m.Email, defaultEmail))
	if p.Email == "" && strings.Contains(p.Subject, "@") {
		p.Email = p.Subject
	}
	p.FirstName = first(p.Attributes, orDefault(m.FirstName, defaultFirstName))
	p.LastName = first(p.Attributes, orDefault(m.LastName, defaultLastName))
	p.Groups = all(p.Attributes, orDefault(m.Groups, defaultGroups))
	_, link := p.Attributes["http://schemas.microsoft.com/claims/groups.link"]
	names := p.Attributes["_claim_names"]
	p.GroupsOverage = link || (len(names) > 0 && strings.Contains(names[0], `"groups"`))
}

func orDefault(name string, defaults []string) []string {
	if name != "" {
		return []string{name}
	}
	return defaults
}

// lookup finds the values of the first name present, exactly or else
// ignoring case.
func lookup(attrs map[string][]string, names []string) []string {
	for _, n := range names {
		if v, ok := attrs[n]; ok {
			return v
		}
	}
	for _, n := range names {
		for k, v := range attrs {
			if strings.EqualFold(k, n) {
				return v
			}
		}
	}
	return nil
}

func first(attrs map[string][]string, names []string) string {
	for _, v := range lookup(attrs, names) {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func all(attrs map[string][]string, names []string) []string {
	var out []string
	for _, v := range lookup(attrs, names) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
