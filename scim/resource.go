package scim

import (
	"encoding/json"
	"maps"
	"strings"
	"time"
)

// Kind is a resource type: [KindUser] or [KindGroup].
type Kind string

// The resource types the package serves.
const (
	// KindUser is the User resource type.
	KindUser Kind = "User"
	// KindGroup is the Group resource type.
	KindGroup Kind = "Group"
)

// Resource is one SCIM resource as the Store keeps it.
//
// Attributes holds the resource's attributes in their canonical names, as
// in the SCIM JSON form: core attributes at the top level and extension
// attributes in an object under the extension's URN. It never holds id,
// externalId, meta, schemas, the members of a group (kept apart, see
// [Member]) or a password. Stores must treat Attributes as immutable:
// they copy it on the way in and out or never change it.
type Resource struct {
	ID           string
	DirectoryID  string
	Kind         Kind
	ExternalID   string
	Attributes   map[string]any
	Created      time.Time
	LastModified time.Time
	// Version increases by one with every change; meta.version and the
	// ETag are made from it.
	Version int64
}

// Clone returns a deep copy of r.
func (r *Resource) Clone() *Resource {
	c := *r
	c.Attributes = cloneMap(r.Attributes)
	return &c
}

// UserName returns the userName of a user, or "".
func (r *Resource) UserName() string { s, _ := r.Attributes["userName"].(string); return s }

// DisplayName returns the displayName attribute, or "".
func (r *Resource) DisplayName() string {
	s, _ := r.Attributes["displayName"].(string)
	return s
}

// Active reports the active attribute of a user. A user without the
// attribute counts as active, as RFC 7643 leaves the default to the
// service provider and identity providers omit it on creation.
func (r *Resource) Active() bool {
	b, ok := r.Attributes["active"].(bool)
	return !ok || b
}

// Emails returns the values of the emails attribute.
func (r *Resource) Emails() []string {
	var out []string
	for _, e := range asList(r.Attributes["emails"]) {
		if m, ok := e.(map[string]any); ok {
			if v, ok := m["value"].(string); ok {
				out = append(out, v)
			}
		}
	}
	return out
}

// Member is one member of a group.
type Member struct {
	// Value is the member's resource ID.
	Value string
	// Type is "User" or "Group".
	Type Kind
	// Display is the member's name as the client gave it, or as the
	// service filled it in from the member's resource.
	Display string
}

// User is the host's typed view of a provisioned user, decoded from a
// [Resource]. It covers the attributes hosts act on; Raw has them all.
type User struct {
	ID          string `json:"id"`
	DirectoryID string `json:"directoryId"`
	ExternalID  string `json:"externalId,omitempty"`
	UserName    string `json:"userName"`
	Name        struct {
		Formatted  string `json:"formatted,omitempty"`
		GivenName  string `json:"givenName,omitempty"`
		FamilyName string `json:"familyName,omitempty"`
	} `json:"name"`
	DisplayName string `json:"displayName,omitempty"`
	Title       string `json:"title,omitempty"`
	Active      bool   `json:"active"`
	Emails      []struct {
		Value   string `json:"value"`
		Type    string `json:"type,omitempty"`
		Primary bool   `json:"primary,omitempty"`
	} `json:"emails,omitempty"`
	Enterprise struct {
		EmployeeNumber string `json:"employeeNumber,omitempty"`
		Department     string `json:"department,omitempty"`
		Organization   string `json:"organization,omitempty"`
		Manager        struct {
			Value string `json:"value,omitempty"`
		} `json:"manager"`
	} `json:"enterprise"`
	Created      time.Time      `json:"created"`
	LastModified time.Time      `json:"lastModified"`
	Raw          map[string]any `json:"-"`
}

// PrimaryEmail returns the primary email address of u, or its first one.
func (u *User) PrimaryEmail() string {
	for _, e := range u.Emails {
		if e.Primary {
			return e.Value
		}
	}
	if len(u.Emails) > 0 {
		return u.Emails[0].Value
	}
	return ""
}

// Group is the host's typed view of a provisioned group. Members are read
// apart, a page at a time (see [Service.Members]).
type Group struct {
	ID           string         `json:"id"`
	DirectoryID  string         `json:"directoryId"`
	ExternalID   string         `json:"externalId,omitempty"`
	DisplayName  string         `json:"displayName"`
	Created      time.Time      `json:"created"`
	LastModified time.Time      `json:"lastModified"`
	Raw          map[string]any `json:"-"`
}

// UserOf decodes the typed view of a user resource.
func UserOf(r *Resource) *User {
	u := &User{ID: r.ID, DirectoryID: r.DirectoryID, ExternalID: r.ExternalID,
		Created: r.Created, LastModified: r.LastModified, Raw: cloneMap(r.Attributes)}
	doc := maps.Clone(r.Attributes)
	doc["enterprise"] = r.Attributes[SchemaEnterpriseUser]
	if b, err := json.Marshal(doc); err == nil {
		_ = json.Unmarshal(b, u)
	}
	u.Active = r.Active()
	return u
}

// GroupOf decodes the typed view of a group resource.
func GroupOf(r *Resource) *Group {
	return &Group{ID: r.ID, DirectoryID: r.DirectoryID, ExternalID: r.ExternalID,
		DisplayName: r.DisplayName(), Created: r.Created, LastModified: r.LastModified,
		Raw: cloneMap(r.Attributes)}
}

func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	}
	return v
}

func asList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case nil:
		return nil
	}
	return []any{v}
}

// foldKey returns the form of s that case-insensitive uniqueness compares.
func foldKey(s string) string { return strings.ToLower(s) }
