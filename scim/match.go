package scim

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Match reports whether r satisfies the filter.
func (f *Filter) Match(r *Resource) bool {
	if f == nil {
		return true
	}
	return matchExpr(f.expr, resourceValues{r})
}

// valueSource yields the values at an attribute path.
type valueSource interface {
	values(p AttrPath) []any
}

// resourceValues reads attribute values of a resource, including the
// common attributes kept outside Attributes.
type resourceValues struct{ r *Resource }

func (rv resourceValues) values(p AttrPath) []any {
	r := rv.r
	if p.Schema == "" {
		switch p.Name {
		case "id":
			return []any{r.ID}
		case "externalId":
			if r.ExternalID == "" {
				return nil
			}
			return []any{r.ExternalID}
		case "meta":
			return metaValues(r, p.Sub)
		}
	}
	doc := r.Attributes
	if p.Schema != "" {
		doc, _ = r.Attributes[p.Schema].(map[string]any)
		if p.Name == "" { // the whole extension
			if doc == nil {
				return nil
			}
			return []any{doc}
		}
	}
	return pathValues(doc, p.Name, p.Sub)
}

func metaValues(r *Resource, sub string) []any {
	switch sub {
	case "created":
		return []any{r.Created}
	case "lastModified":
		return []any{r.LastModified}
	case "resourceType":
		return []any{string(r.Kind)}
	case "version":
		return []any{etag(r.Version)}
	}
	return nil
}

// pathValues returns the values of doc[name] (or of its sub-attribute),
// flattening multi-valued attributes.
func pathValues(doc map[string]any, name, sub string) []any {
	v, ok := doc[name]
	if !ok {
		return nil
	}
	if sub == "" {
		return asList(v)
	}
	var out []any
	for _, e := range asList(v) {
		if m, ok := e.(map[string]any); ok {
			if sv, ok := m[sub]; ok {
				out = append(out, sv)
			}
		}
	}
	return out
}

// elementValues reads the sub-attributes of one element of a multi-valued
// complex attribute, for the filters inside brackets.
type elementValues map[string]any

func (ev elementValues) values(p AttrPath) []any { return asList(ev[p.Name]) }

func matchExpr(e Expr, src valueSource) bool {
	switch x := e.(type) {
	case *Logical:
		if x.Op == "and" {
			return matchExpr(x.Left, src) && matchExpr(x.Right, src)
		}
		return matchExpr(x.Left, src) || matchExpr(x.Right, src)
	case *Not:
		return !matchExpr(x.X, src)
	case *ValueFilter:
		for _, el := range src.values(x.Path) {
			if m, ok := el.(map[string]any); ok && matchExpr(x.Filter, elementValues(m)) {
				return true
			}
		}
		return false
	case *Compare:
		return matchCompare(x, src.values(x.Path))
	}
	return false
}

func matchCompare(c *Compare, vals []any) bool {
	if c.Op == "pr" {
		for _, v := range vals {
			if present(v) {
				return true
			}
		}
		return false
	}
	if c.Op == "ne" {
		eq := *c
		eq.Op = "eq"
		return !matchCompare(&eq, vals)
	}
	attr := c.Path.Attr
	if attr.Type == TypeComplex {
		// emails co "x" compares the value sub-attribute of each element.
		vals = pathValues(map[string]any{"v": vals}, "v", "value")
		attr = attr.Sub("value")
	}
	for _, v := range vals {
		if compareOne(attr, c.Op, v, c.Value) {
			return true
		}
	}
	return false
}

func present(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// compareOne applies op to one stored value and the filter's value.
func compareOne(a *Attribute, op string, stored, want any) bool {
	switch w := want.(type) {
	case bool:
		b, ok := stored.(bool)
		return ok && op == "eq" && b == w
	case float64:
		f, ok := toFloat(stored)
		return ok && ordered(op, cmp.Compare(f, w))
	case time.Time:
		t, ok := asTime(stored)
		return ok && ordered(op, t.Compare(w))
	case string:
		s, ok := stored.(string)
		return ok && compareString(op, s, w, a.CaseExact)
	}
	return false
}

func asTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		return t, err == nil
	}
	return time.Time{}, false
}

func compareString(op, s, w string, exact bool) bool {
	if !exact && (op == "eq" || op == "ne") && isASCII(s) && isASCII(w) {
		return len(s) == len(w) && asciiEqualFold(s, w)
	}
	if !exact {
		s, w = strings.ToLower(s), strings.ToLower(w)
	}
	switch op {
	case "co":
		return strings.Contains(s, w)
	case "sw":
		return strings.HasPrefix(s, w)
	case "ew":
		return strings.HasSuffix(s, w)
	}
	return ordered(op, strings.Compare(s, w))
}

// ordered applies a comparison operator to the result of a three-way
// comparison.
func ordered(op string, c int) bool {
	switch op {
	case "eq":
		return c == 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	}
	return false
}

// SortKey is the value a resource sorts by for an attribute path: the
// primary (else first) value, lowercased unless the attribute is
// caseExact. ok is false when the resource has no such value.
func SortKey(r *Resource, p AttrPath) (key any, ok bool) {
	vals := resourceValues{r}.values(p)
	if len(vals) == 0 {
		return nil, false
	}
	v := vals[0]
	if p.Attr.Type == TypeComplex {
		v = primaryValue(vals)
	}
	if s, isStr := v.(string); isStr && !p.Attr.CaseExact {
		v = strings.ToLower(s)
	}
	return v, v != nil
}

func primaryValue(vals []any) any {
	var first any
	for i, e := range vals {
		m, _ := e.(map[string]any)
		if i == 0 {
			first = m["value"]
		}
		if p, _ := m["primary"].(bool); p {
			return m["value"]
		}
	}
	return first
}

// SortResources sorts rs as q asks, ties broken by ID. Resources without
// a value for the sort attribute come last in ascending order and first
// in descending order.
func SortResources(rs []*Resource, by *AttrPath, descending bool) {
	slices.SortStableFunc(rs, func(a, b *Resource) int {
		c := 0
		if by != nil {
			c = compareKeys(a, b, *by)
		}
		if c == 0 {
			c = strings.Compare(a.ID, b.ID)
		}
		if descending {
			return -c
		}
		return c
	})
}

func compareKeys(a, b *Resource, p AttrPath) int {
	ka, oka := SortKey(a, p)
	kb, okb := SortKey(b, p)
	switch {
	case !oka && !okb:
		return 0
	case !oka:
		return 1
	case !okb:
		return -1
	}
	return compareAny(ka, kb)
}

func compareAny(a, b any) int {
	switch x := a.(type) {
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	case bool:
		y, _ := b.(bool)
		return cmp.Compare(boolInt(x), boolInt(y))
	case time.Time:
		y, _ := asTime(b)
		return x.Compare(y)
	}
	fa, _ := toFloat(a)
	fb, _ := toFloat(b)
	return cmp.Compare(fa, fb)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// asciiEqualFold compares ASCII strings of equal length as
// strings.ToLower would, without allocating.
func asciiEqualFold(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
