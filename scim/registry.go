package scim

import "strings"

// resourceType is one resource type the service serves: its core schema
// and the extension schemas registered for it.
type resourceType struct {
	kind       Kind
	endpoint   string
	core       *Schema
	extensions []*Schema
}

// schemas holds the resource types of one service.
type schemas struct {
	user, group *resourceType
}

func newSchemas(userExt, groupExt []*Schema) *schemas {
	return &schemas{
		user: &resourceType{kind: KindUser, endpoint: "Users", core: userSchema,
			extensions: append([]*Schema{enterpriseSchema}, userExt...)},
		group: &resourceType{kind: KindGroup, endpoint: "Groups", core: groupSchema,
			extensions: groupExt},
	}
}

// defaultSchemas serves the core schemas and the enterprise extension.
var defaultSchemas = newSchemas(nil, nil)

func (s *schemas) of(k Kind) *resourceType {
	if k == KindGroup {
		return s.group
	}
	return s.user
}

// extension returns the extension schema with the given URN, compared
// case-insensitively, or nil.
func (rt *resourceType) extension(urn string) *Schema {
	for _, e := range rt.extensions {
		if strings.EqualFold(e.ID, urn) {
			return e
		}
	}
	return nil
}

// attr finds a top-level attribute: in the extension named by urn, or in
// the core schema and the common attributes when urn is "" or the core
// schema's URN. It returns the canonical URN ("" for core) too.
func (rt *resourceType) attr(urn, name string) (string, *Attribute) {
	if urn == "" || strings.EqualFold(urn, rt.core.ID) {
		if a := rt.core.Attr(name); a != nil {
			return "", a
		}
		return "", findAttr(commonAttrs, name)
	}
	if ext := rt.extension(urn); ext != nil {
		return ext.ID, ext.Attr(name)
	}
	return "", nil
}

// splitURN splits a path like "urn:...:User:manager.value" into the
// extension URN it starts with and the rest, when it starts with a URN
// of rt; otherwise urn is "".
func (rt *resourceType) splitURN(path string) (urn, rest string) {
	for _, s := range append([]*Schema{rt.core}, rt.extensions...) {
		if len(path) >= len(s.ID) && strings.EqualFold(path[:len(s.ID)], s.ID) {
			rest = path[len(s.ID):]
			if rest == "" {
				return s.ID, ""
			}
			if rest[0] == ':' {
				return s.ID, rest[1:]
			}
		}
	}
	return "", path
}
