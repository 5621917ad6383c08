package scim

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	fp "github.com/scim2/filter-parser/v2"
)

// MaxFilterLength is the longest filter, in bytes, the service parses.
const MaxFilterLength = 4096

// maxFilterDepth bounds the nesting of and, or, not and value filters.
const maxFilterDepth = 32

// Filter is a parsed SCIM filter whose attribute paths have been checked
// against the resource type's schemas. It is immutable and safe for
// concurrent use.
type Filter struct {
	raw  string
	expr Expr
}

// String returns the filter as the client wrote it.
func (f *Filter) String() string { return f.raw }

// Expr returns the root of the filter's resolved syntax tree, for stores
// that translate filters into their own query language.
func (f *Filter) Expr() Expr { return f.expr }

// Expr is a node of a resolved filter: a [*Compare], [*Logical], [*Not] or
// [*ValueFilter].
type Expr interface{ isExpr() }

// AttrPath is an attribute path resolved against a schema, in canonical
// names. Schema is "" for the core schema and common attributes, else an
// extension's URN; Sub is "" when the path names a whole attribute. Attr
// describes the attribute the path ends at (the sub-attribute, if any).
// A path that names a whole extension has its URN as Schema and Name "".
type AttrPath struct {
	Schema string
	Name   string
	Sub    string
	Attr   *Attribute
	// Parent describes the attribute named by Name when Sub is not "".
	Parent *Attribute
}

// String returns the path in SCIM notation.
func (p AttrPath) String() string {
	if p.Name == "" {
		return p.Schema // a whole extension
	}
	s := p.Name
	if p.Sub != "" {
		s += "." + p.Sub
	}
	if p.Schema != "" {
		s = p.Schema + ":" + s
	}
	return s
}

// Compare is an attribute comparison such as userName eq "bjensen". Op is
// one of eq ne co sw ew gt ge lt le pr. Value is a string, bool, float64
// or time.Time (for dateTime attributes), or nil for pr.
type Compare struct {
	Path  AttrPath
	Op    string
	Value any
}

// Logical is an "and" or "or" of two filters.
type Logical struct {
	Op          string
	Left, Right Expr
}

// Not negates a filter.
type Not struct{ X Expr }

// ValueFilter selects resources for which an element of the multi-valued
// complex attribute Path matches Filter, as in emails[type eq "work"]. The
// paths inside Filter name sub-attributes of Path (their Name is the
// sub-attribute's name and Schema is "").
type ValueFilter struct {
	Path   AttrPath
	Filter Expr
}

func (*Compare) isExpr()     {}
func (*Logical) isExpr()     {}
func (*Not) isExpr()         {}
func (*ValueFilter) isExpr() {}

// ParseFilter parses a filter on users or groups served with the core
// schemas and the enterprise extension. Services with extensions of their
// own parse filters with the schemas they were configured with.
func ParseFilter(kind Kind, filter string) (*Filter, error) {
	return defaultSchemas.of(kind).parseFilter(filter)
}

// entraValuePath matches the form attr[filter].sub op value, which Entra
// ID sends although the grammar of RFC 7644 does not allow it.
var entraValuePath = regexp.MustCompile(
	`^\s*([A-Za-z0-9:._$-]+)\[([^\]]*)\]\.([A-Za-z0-9_$-]+)\s+(eq|ne|co|sw|ew|gt|ge|lt|le)\s+(.+)$`)

func (rt *resourceType) parseFilter(raw string) (*Filter, error) {
	if len(raw) > MaxFilterLength {
		return nil, errorf(400, ScimTypeInvalidFilter, "filter longer than %d bytes",
			MaxFilterLength)
	}
	src := raw
	if m := entraValuePath.FindStringSubmatch(src); m != nil {
		src = fmt.Sprintf("%s[%s and %s %s %s]", m[1], m[2], m[3], m[4], m[5])
	}
	var ast fp.Expression
	var err error
	if fast, ok := fastFilter(src); ok {
		ast = fast
	} else {
		ast, err = parseWithoutPanic(src)
	}
	if err != nil {
		return nil, errorf(400, ScimTypeInvalidFilter, "malformed filter: %v", err)
	}
	e, err := rt.resolve(ast, nil, 0)
	if err != nil {
		return nil, err
	}
	return &Filter{raw: raw, expr: e}, nil
}

// parseWithoutPanic guards against the parser failing on odd input: a
// filter comes from the network, and a panic must not reach the server.
func parseWithoutPanic(src string) (e fp.Expression, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("unparseable filter")
		}
	}()
	return fp.ParseFilter([]byte(src))
}

// resolve turns the parser's tree into ours. parent is the multi-valued
// attribute whose sub-attributes a value filter's paths name, or nil.
func (rt *resourceType) resolve(e fp.Expression, parent *AttrPath, depth int) (Expr, error) {
	if depth > maxFilterDepth {
		return nil, errorf(400, ScimTypeInvalidFilter, "filter nested too deeply")
	}
	switch x := e.(type) {
	case *fp.LogicalExpression:
		l, err := rt.resolve(x.Left, parent, depth+1)
		if err != nil {
			return nil, err
		}
		r, err := rt.resolve(x.Right, parent, depth+1)
		if err != nil {
			return nil, err
		}
		return &Logical{Op: strings.ToLower(string(x.Operator)), Left: l, Right: r}, nil
	case *fp.NotExpression:
		inner, err := rt.resolve(x.Expression, parent, depth+1)
		if err != nil {
			return nil, err
		}
		return &Not{X: inner}, nil
	case *fp.AttributeExpression:
		return rt.resolveCompare(x, parent)
	case *fp.ValuePath:
		return rt.resolveValuePath(x, parent, depth)
	}
	return nil, errorf(400, ScimTypeInvalidFilter, "unsupported filter expression")
}

func (rt *resourceType) resolveValuePath(x *fp.ValuePath, parent *AttrPath, depth int) (Expr,
	error) {
	if parent != nil {
		return nil, errorf(400, ScimTypeInvalidFilter, "value filters cannot nest")
	}
	p, err := rt.resolvePath(x.AttributePath, nil)
	if err != nil {
		return nil, err
	}
	if p.Sub != "" || p.Attr.Type != TypeComplex {
		return nil, errorf(400, ScimTypeInvalidFilter,
			"%s is not a complex attribute and takes no value filter", p)
	}
	inner, err := rt.resolve(x.ValueFilter, &p, depth+1)
	if err != nil {
		return nil, err
	}
	return &ValueFilter{Path: p, Filter: inner}, nil
}

func (rt *resourceType) resolveCompare(x *fp.AttributeExpression, parent *AttrPath) (Expr, error) {
	p, err := rt.resolvePath(x.AttributePath, parent)
	if err != nil {
		return nil, err
	}
	op := strings.ToLower(string(x.Operator))
	if op == "pr" {
		return &Compare{Path: p, Op: op}, nil
	}
	v, err := compareValue(p, op, x.CompareValue)
	if err != nil {
		return nil, err
	}
	return &Compare{Path: p, Op: op, Value: v}, nil
}

// resolvePath finds the attribute a filter path names. Inside a value
// filter (parent not nil) names are sub-attributes of parent.
func (rt *resourceType) resolvePath(ap fp.AttributePath, parent *AttrPath) (AttrPath, error) {
	if parent != nil {
		if ap.URIPrefix != nil || ap.SubAttribute != nil {
			return AttrPath{}, errorf(400, ScimTypeInvalidFilter,
				"%v is not a sub-attribute of %s", ap, parent)
		}
		sub := parent.Attr.Sub(ap.AttributeName)
		if sub == nil {
			return AttrPath{}, errorf(400, ScimTypeInvalidFilter,
				"%s has no sub-attribute %q", parent, ap.AttributeName)
		}
		return AttrPath{Name: sub.Name, Attr: sub}, nil
	}
	if ext := rt.extension(ap.URI() + ":" + ap.AttributeName); ext != nil && ap.URIPrefix != nil &&
		ap.SubAttribute == nil {
		// filter-parser splits a bare extension URN as if it ended in an
		// attribute name; the path names the whole extension.
		return AttrPath{Schema: ext.ID, Attr: &Attribute{Name: ext.ID, Type: TypeComplex}}, nil
	}
	p, err := rt.lookupPath(ap.URI(), ap.AttributeName, ap.SubAttributeName(),
		ScimTypeInvalidFilter)
	if err == nil && p.Attr.returned() == ReturnedNever {
		return p, errorf(400, ScimTypeInvalidFilter, "%s is never returned and cannot be filtered on", p)
	}
	return p, err
}

// lookupPath resolves urn:name.sub against rt, reporting failures with
// the given scimType.
func (rt *resourceType) lookupPath(urn, name, sub, scimType string) (AttrPath, error) {
	schema, a := rt.attr(urn, name)
	if a == nil {
		return AttrPath{}, errorf(400, scimType, "unknown attribute %q", joinPath(urn, name, sub))
	}
	p := AttrPath{Schema: schema, Name: a.Name, Attr: a}
	if sub == "" {
		return p, nil
	}
	s := a.Sub(sub)
	if s == nil {
		return AttrPath{}, errorf(400, scimType, "unknown attribute %q", joinPath(urn, name, sub))
	}
	p.Sub, p.Attr, p.Parent = s.Name, s, a
	return p, nil
}

func joinPath(urn, name, sub string) string {
	s := name
	if sub != "" {
		s += "." + sub
	}
	if urn != "" {
		s = urn + ":" + s
	}
	return s
}

// compareValue checks that v suits the attribute and operator and
// converts it: strings are unescaped, dateTimes parsed, numbers made
// float64.
func compareValue(p AttrPath, op string, v any) (any, error) {
	a := p.Attr
	target := a
	if a.Type == TypeComplex && a.Sub("value") != nil {
		target = a.Sub("value")
	}
	bad := func(why string) error {
		return errorf(400, ScimTypeInvalidFilter, "%s %s %v: %s", p, op, v, why)
	}
	switch target.Type {
	case TypeBoolean:
		b, ok := toBool(v)
		if !ok {
			return nil, bad("the attribute is boolean")
		}
		if op != "eq" && op != "ne" {
			return nil, bad("booleans compare only with eq and ne")
		}
		return b, nil
	case TypeInteger, TypeDecimal:
		f, ok := toFloat(v)
		if !ok || op == "co" || op == "sw" || op == "ew" {
			return nil, bad("the attribute is a number")
		}
		return f, nil
	case TypeDateTime:
		s, ok := v.(string)
		t, err := time.Parse(time.RFC3339Nano, unescape(s))
		if !ok || err != nil {
			return nil, bad("the attribute is a dateTime (RFC 3339)")
		}
		return t.UTC().Truncate(time.Microsecond), nil // as stores keep times
	case TypeComplex:
		return nil, bad("a complex attribute compares only with pr")
	}
	s, ok := v.(string)
	if !ok {
		return nil, bad("the attribute is a string")
	}
	return unescape(s), nil
}

// unescape decodes the JSON escapes that filter-parser leaves in string
// values.
func unescape(s string) string {
	if !strings.ContainsRune(s, '\\') {
		return s
	}
	if u, err := strconv.Unquote(`"` + s + `"`); err == nil {
		return u
	}
	return s
}

func toBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(x) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case interface{ Float64() (float64, error) }:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}
