package scim

import "strings"

// The schema URNs of RFC 7643 and RFC 7644 that the package speaks.
const (
	// SchemaUser is the URN of the core User schema.
	SchemaUser = "urn:ietf:params:scim:schemas:core:2.0:User"
	// SchemaGroup is the URN of the core Group schema.
	SchemaGroup = "urn:ietf:params:scim:schemas:core:2.0:Group"
	// SchemaEnterpriseUser is the URN of the enterprise User extension.
	SchemaEnterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

	schemaListResponse  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	schemaError         = "urn:ietf:params:scim:api:messages:2.0:Error"
	schemaPatchOp       = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	schemaSearchRequest = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	schemaSPConfig      = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	schemaResourceType  = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	schemaSchema        = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// Type is the type of an attribute's values (RFC 7643 section 2.3).
type Type string

// The attribute types of RFC 7643.
const (
	// TypeString is a string attribute.
	TypeString Type = "string"
	// TypeBoolean is a boolean attribute.
	TypeBoolean Type = "boolean"
	// TypeDecimal is a real-number attribute.
	TypeDecimal Type = "decimal"
	// TypeInteger is a whole-number attribute.
	TypeInteger Type = "integer"
	// TypeDateTime is an xsd:dateTime attribute.
	TypeDateTime Type = "dateTime"
	// TypeBinary is a base64 attribute.
	TypeBinary Type = "binary"
	// TypeReference is a URI reference attribute.
	TypeReference Type = "reference"
	// TypeComplex is an attribute with sub-attributes.
	TypeComplex Type = "complex"
)

// Mutability says whether and when a client may change an attribute.
type Mutability string

// The mutability values of RFC 7643 section 7.
const (
	// ReadWrite attributes may be set and changed.
	ReadWrite Mutability = "readWrite"
	// ReadOnly attributes are set by the service only.
	ReadOnly Mutability = "readOnly"
	// Immutable attributes may be set once and never changed.
	Immutable Mutability = "immutable"
	// WriteOnly attributes may be set but are never returned.
	WriteOnly Mutability = "writeOnly"
)

// Returned says when an attribute appears in responses.
type Returned string

// The returned values of RFC 7643 section 7.
const (
	// ReturnedDefault attributes are returned unless excluded.
	ReturnedDefault Returned = "default"
	// ReturnedAlways attributes are returned whatever the request asks.
	ReturnedAlways Returned = "always"
	// ReturnedNever attributes are never returned.
	ReturnedNever Returned = "never"
	// ReturnedRequest attributes are returned only when asked for.
	ReturnedRequest Returned = "request"
)

// Attribute describes one attribute of a schema. The zero values of
// Mutability and Returned mean readWrite and default.
type Attribute struct {
	Name            string
	Type            Type
	MultiValued     bool
	Required        bool
	CaseExact       bool
	Mutability      Mutability
	Returned        Returned
	Uniqueness      string
	Description     string
	CanonicalValues []string
	ReferenceTypes  []string
	SubAttributes   []*Attribute
}

// Sub returns the sub-attribute named name, compared case-insensitively, or
// nil.
func (a *Attribute) Sub(name string) *Attribute {
	return findAttr(a.SubAttributes, name)
}

func (a *Attribute) mutability() Mutability {
	if a.Mutability == "" {
		return ReadWrite
	}
	return a.Mutability
}

// returned is the attribute's Returned rule; a writeOnly attribute is
// never returned, whatever its Returned says.
func (a *Attribute) returned() Returned {
	if a.mutability() == WriteOnly {
		return ReturnedNever
	}
	if a.Returned == "" {
		return ReturnedDefault
	}
	return a.Returned
}

// Schema is a named set of attributes: a core schema of a resource type or
// an extension of one.
type Schema struct {
	ID          string
	Name        string
	Description string
	Attributes  []*Attribute
}

// Attr returns the attribute named name, compared case-insensitively, or
// nil.
func (s *Schema) Attr(name string) *Attribute {
	return findAttr(s.Attributes, name)
}

func findAttr(attrs []*Attribute, name string) *Attribute {
	for _, a := range attrs {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

func str(name string, opts ...func(*Attribute)) *Attribute {
	a := &Attribute{Name: name, Type: TypeString}
	for _, o := range opts {
		o(a)
	}
	return a
}

func typed(name string, t Type, opts ...func(*Attribute)) *Attribute {
	a := str(name, opts...)
	a.Type = t
	return a
}

func complexAttr(name string, multi bool, subs ...*Attribute) *Attribute {
	return &Attribute{Name: name, Type: TypeComplex, MultiValued: multi, SubAttributes: subs}
}

func required(a *Attribute)  { a.Required = true }
func caseExact(a *Attribute) { a.CaseExact = true }
func readOnly(a *Attribute)  { a.Mutability = ReadOnly }
func immutable(a *Attribute) { a.Mutability = Immutable }
func writeOnly(a *Attribute) { a.Mutability = WriteOnly; a.Returned = ReturnedNever }
func always(a *Attribute)    { a.Returned = ReturnedAlways }
func unique(a *Attribute)    { a.Uniqueness = "server" }

func canonical(vals ...string) func(*Attribute) {
	return func(a *Attribute) { a.CanonicalValues = vals }
}

func refTypes(ts ...string) func(*Attribute) {
	return func(a *Attribute) { a.ReferenceTypes = ts }
}

// multiValue returns the usual sub-attributes of a multi-valued attribute
// such as emails: value, display, type, primary and, optionally, $ref.
func multiValue(name string, valueType Type, types []string, extra ...*Attribute) *Attribute {
	subs := []*Attribute{
		typed("value", valueType),
		str("display"),
		str("type", canonical(types...)),
		typed("primary", TypeBoolean),
	}
	return complexAttr(name, true, append(subs, extra...)...)
}

var userSchema = &Schema{
	ID:          SchemaUser,
	Name:        "User",
	Description: "User Account",
	Attributes: []*Attribute{
		str("userName", required, unique),
		complexAttr("name", false,
			str("formatted"), str("familyName"), str("givenName"),
			str("middleName"), str("honorificPrefix"), str("honorificSuffix")),
		str("displayName"), str("nickName"),
		typed("profileUrl", TypeReference, refTypes("external")),
		str("title"), str("userType"), str("preferredLanguage"), str("locale"),
		str("timezone"),
		typed("active", TypeBoolean),
		str("password", writeOnly),
		multiValue("emails", TypeString, []string{"work", "home", "other"}),
		multiValue("phoneNumbers", TypeString,
			[]string{"work", "home", "mobile", "fax", "pager", "other"}),
		multiValue("ims", TypeString,
			[]string{"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"}),
		multiValue("photos", TypeReference, []string{"photo", "thumbnail"}),
		complexAttr("addresses", true,
			str("formatted"), str("streetAddress"), str("locality"), str("region"),
			str("postalCode"), str("country"),
			str("type", canonical("work", "home", "other")),
			typed("primary", TypeBoolean)),
		groupsAttr(),
		multiValue("entitlements", TypeString, nil),
		multiValue("roles", TypeString, nil),
		multiValue("x509Certificates", TypeBinary, nil),
	},
}

func groupsAttr() *Attribute {
	a := complexAttr("groups", true,
		str("value", readOnly), typed("$ref", TypeReference, readOnly, refTypes("Group")),
		str("display", readOnly), str("type", readOnly, canonical("direct", "indirect")))
	a.Mutability = ReadOnly
	return a
}

var enterpriseSchema = &Schema{
	ID:          SchemaEnterpriseUser,
	Name:        "EnterpriseUser",
	Description: "Enterprise User",
	Attributes: []*Attribute{
		str("employeeNumber"), str("costCenter"), str("organization"),
		str("division"), str("department"),
		complexAttr("manager", false,
			str("value"),
			typed("$ref", TypeReference, refTypes("User")),
			str("displayName", readOnly)),
	},
}

var groupSchema = &Schema{
	ID:          SchemaGroup,
	Name:        "Group",
	Description: "Group",
	Attributes: []*Attribute{
		str("displayName", required),
		complexAttr("members", true,
			str("value", immutable),
			typed("$ref", TypeReference, immutable, refTypes("User", "Group")),
			str("display", readOnly),
			str("type", immutable, canonical("User", "Group"))),
	},
}

// commonAttrs are the attributes every resource has (RFC 7643 section 3.1).
var commonAttrs = []*Attribute{
	str("id", caseExact, readOnly, always, unique),
	str("externalId", caseExact),
	complexAttr("meta", false,
		str("resourceType", caseExact, readOnly),
		typed("created", TypeDateTime, readOnly),
		typed("lastModified", TypeDateTime, readOnly),
		typed("location", TypeReference, readOnly),
		str("version", caseExact, readOnly)),
}

func init() {
	commonAttrs[2].Mutability = ReadOnly
}
