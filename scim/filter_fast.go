package scim

import (
	"strings"

	fp "github.com/scim2/filter-parser/v2"
)

// fastCompare parses the one filter shape that identity providers send on
// every lookup, attr op "value" (such as userName eq "bjensen"), without
// the general parser, which costs a thousand allocations. It returns what
// filter-parser would return for the same input (FuzzFastCompare checks
// that), or ok false for anything else, which goes to filter-parser.
func fastCompare(src string) (e *fp.AttributeExpression, ok bool) {
	name, rest, ok := strings.Cut(src, " ")
	if !ok {
		return nil, false
	}
	op, value, ok := strings.Cut(rest, " ")
	if !ok || !isCompareOp(op) || len(value) < 2 || value[0] != '"' || value[len(value)-1] != '"' {
		return nil, false
	}
	value = value[1 : len(value)-1]
	if strings.ContainsAny(value, "\"\\") || !plainText(value) {
		return nil, false
	}
	attr, sub, hasSub := strings.Cut(name, ".")
	if !isAttrName(attr) || (hasSub && !isAttrName(sub)) {
		return nil, false
	}
	e = &fp.AttributeExpression{Operator: fp.CompareOperator(op), CompareValue: value}
	e.AttributePath.AttributeName = attr
	if hasSub {
		e.AttributePath.SubAttribute = &sub
	}
	return e, true
}

func isCompareOp(op string) bool {
	switch op {
	case "eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le":
		return true
	}
	return false
}

// isAttrName reports whether s is an ATTRNAME of RFC 7644: ALPHA then
// letters, digits, "-" and "_".
func isAttrName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// plainText reports whether s holds only printable ASCII, which the JSON
// string grammar takes without escapes.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// fastPath parses a PATCH path that is a plain attribute or
// attribute.sub-attribute, the common case, as filter-parser would
// (FuzzFastPath checks that).
func fastPath(s string) (fp.Path, bool) {
	if close := strings.LastIndexByte(s, ']'); close >= 0 {
		return fastFilteredPath(s, close)
	}
	attr, sub, hasSub := strings.Cut(s, ".")
	if !isAttrName(attr) || (hasSub && !isAttrName(sub)) {
		return fp.Path{}, false
	}
	p := fp.Path{AttributePath: fp.AttributePath{AttributeName: attr}}
	if hasSub {
		p.AttributePath.SubAttribute = &sub
	}
	return p, true
}

// fastValuePath parses name[attr op "v"] and name[attr op "v" and attr
// op "w"], the form Entra ID's lookups take once rewritten, as
// filter-parser would (FuzzFastCompare checks that).
func fastValuePath(src string) (fp.Expression, bool) {
	open := strings.IndexByte(src, '[')
	if open < 0 || !strings.HasSuffix(src, "]") || !isAttrName(src[:open]) {
		return nil, false
	}
	parts := strings.Split(src[open+1:len(src)-1], " and ")
	if len(parts) > 2 {
		return nil, false
	}
	var exprs []fp.Expression
	for _, p := range parts {
		c, ok := fastCompare(p)
		if !ok || c.AttributePath.SubAttribute != nil {
			return nil, false
		}
		exprs = append(exprs, c)
	}
	vp := &fp.ValuePath{AttributePath: fp.AttributePath{AttributeName: src[:open]},
		ValueFilter: exprs[0]}
	if len(exprs) == 2 {
		vp.ValueFilter = &fp.LogicalExpression{Left: exprs[0], Right: exprs[1], Operator: fp.AND}
	}
	return vp, true
}

// fastFilter tries the fast paths in turn.
func fastFilter(src string) (fp.Expression, bool) {
	if c, ok := fastCompare(src); ok {
		return c, true
	}
	return fastValuePath(src)
}

// fastFilteredPath parses name[filter] and name[filter].sub paths whose
// filter fastValuePath takes, such as emails[type eq "work"].value.
func fastFilteredPath(s string, close int) (fp.Path, bool) {
	e, ok := fastValuePath(s[:close+1])
	if !ok {
		return fp.Path{}, false
	}
	vp := e.(*fp.ValuePath)
	p := fp.Path{AttributePath: vp.AttributePath, ValueExpression: vp.ValueFilter}
	switch rest := s[close+1:]; {
	case rest == "":
	case strings.HasPrefix(rest, ".") && isAttrName(rest[1:]):
		sub := rest[1:]
		p.SubAttribute = &sub
	default:
		return fp.Path{}, false
	}
	return p, true
}
