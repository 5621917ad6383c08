package scim

import (
	"strings"
	"time"
)

// normalized is a client's document after checking it against the
// schemas: attributes in canonical names and types, and a group's members.
type normalized struct {
	attrs      map[string]any
	externalID string
	members    []Member
	hasMembers bool
}

// normalize checks a client's resource document (POST or PUT body, or a
// document a PATCH produced) and puts it into canonical form. Read-only
// attributes and attributes of no registered schema are ignored, as RFC
// 7644 section 3.3 allows; the password is accepted and dropped (see the
// package documentation).
func (rt *resourceType) normalize(doc map[string]any) (*normalized, error) {
	n := &normalized{attrs: map[string]any{}}
	for k, v := range doc {
		if err := rt.normalizeKey(n, k, v); err != nil {
			return nil, err
		}
	}
	for _, a := range rt.core.Attributes {
		if a.Required && n.attrs[a.Name] == nil {
			return nil, errorf(400, ScimTypeInvalidValue, "%s is required", a.Name)
		}
	}
	return n, nil
}

func (rt *resourceType) normalizeKey(n *normalized, k string, v any) error {
	switch strings.ToLower(k) {
	case "schemas", "id", "meta", "password":
		return nil
	case "externalid":
		s, ok := v.(string)
		if v != nil && !ok {
			return errorf(400, ScimTypeInvalidValue, "externalId must be a string")
		}
		n.externalID = s
		return nil
	}
	if ext := rt.extension(k); ext != nil {
		return rt.normalizeExtension(n, ext, v)
	}
	a := rt.core.Attr(k)
	if a == nil || a.mutability() == ReadOnly {
		return nil
	}
	if rt.kind == KindGroup && a.Name == "members" {
		ms, err := normalizeMembers(v)
		n.members, n.hasMembers = ms, true
		return err
	}
	val, err := normalizeValue(a, v)
	if err != nil {
		return err
	}
	setOrDelete(n.attrs, a.Name, val)
	return nil
}

func (rt *resourceType) normalizeExtension(n *normalized, ext *Schema, v any) error {
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return errorf(400, ScimTypeInvalidValue, "%s must be an object", ext.ID)
	}
	out := map[string]any{}
	for k, sv := range m {
		a := ext.Attr(k)
		if a == nil || a.mutability() == ReadOnly {
			continue
		}
		val, err := normalizeValue(a, sv)
		if err != nil {
			return err
		}
		setOrDelete(out, a.Name, val)
	}
	for _, a := range ext.Attributes {
		if a.Required && out[a.Name] == nil {
			return errorf(400, ScimTypeInvalidValue, "%s:%s is required", ext.ID, a.Name)
		}
	}
	setOrDelete(n.attrs, ext.ID, out)
	return nil
}

func setOrDelete(m map[string]any, k string, v any) {
	if v == nil {
		delete(m, k)
		return
	}
	if mm, ok := v.(map[string]any); ok && len(mm) == 0 {
		delete(m, k)
		return
	}
	m[k] = v
}

// normalizeValue checks v against a and converts it to canonical form; it
// returns nil for an unassigned value. A multi-valued attribute given a
// single value (OneLogin sends emails as one object) gets a list of one,
// and booleans sent as the strings "True" and "False" (Entra ID) become
// booleans.
func normalizeValue(a *Attribute, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if !a.MultiValued {
		return normalizeSingle(a, v)
	}
	var out []any
	primaries := 0
	for _, e := range asList(v) {
		nv, err := normalizeSingle(a, e)
		if err != nil {
			return nil, err
		}
		if nv == nil {
			continue
		}
		if m, ok := nv.(map[string]any); ok && m["primary"] == true {
			primaries++
		}
		out = append(out, nv)
	}
	if primaries > 1 {
		return nil, errorf(400, ScimTypeInvalidValue, "%s has more than one primary value", a.Name)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func normalizeSingle(a *Attribute, v any) (any, error) {
	bad := func(want string) error {
		return errorf(400, ScimTypeInvalidValue, "%s must be %s", a.Name, want)
	}
	switch a.Type {
	case TypeComplex:
		return normalizeComplex(a, v)
	case TypeBoolean:
		if v == nil {
			return nil, nil
		}
		b, ok := toBool(v)
		if !ok {
			return nil, bad("a boolean")
		}
		return b, nil
	case TypeInteger, TypeDecimal:
		f, ok := toFloat(v)
		if !ok || (a.Type == TypeInteger && f != float64(int64(f))) {
			return nil, bad("a number")
		}
		return f, nil
	case TypeDateTime:
		s, ok := v.(string)
		if _, err := time.Parse(time.RFC3339Nano, s); !ok || err != nil {
			return nil, bad("a dateTime (RFC 3339)")
		}
		return s, nil
	}
	if v == nil {
		return nil, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, bad("a string")
	}
	return s, nil
}

// normalizeComplex checks a complex value. A plain string given for a
// complex attribute with a value sub-attribute is taken as that value:
// Entra ID sets the enterprise manager that way.
func normalizeComplex(a *Attribute, v any) (any, error) {
	if s, ok := v.(string); ok && a.Sub("value") != nil {
		if s == "" {
			return nil, nil
		}
		v = map[string]any{"value": s}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errorf(400, ScimTypeInvalidValue, "%s must be an object", a.Name)
	}
	out := map[string]any{}
	for k, sv := range m {
		sub := a.Sub(k)
		if sub == nil || (sub.mutability() == ReadOnly && a.Name != "members") {
			continue
		}
		nv, err := normalizeSingle(sub, sv)
		if err != nil {
			return nil, err
		}
		setOrDelete(out, sub.Name, nv)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// normalizeMembers reads the members of a group document.
func normalizeMembers(v any) ([]Member, error) {
	var out []Member
	for _, e := range asList(v) {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, errorf(400, ScimTypeInvalidValue, "members must be objects")
		}
		id, _ := m["value"].(string)
		if id == "" {
			return nil, errorf(400, ScimTypeInvalidValue, "a member has no value")
		}
		mem := Member{Value: id, Type: KindUser}
		if t, _ := m["type"].(string); strings.EqualFold(t, "group") {
			mem.Type = KindGroup
		}
		mem.Display, _ = m["display"].(string)
		out = append(out, mem)
	}
	return out, nil
}
