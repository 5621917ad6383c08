package scim

import (
	"fmt"
	"reflect"
	"strings"

	fp "github.com/scim2/filter-parser/v2"
)

// MaxPatchOperations bounds the operations of one PATCH request.
const MaxPatchOperations = 1000

// PatchOp is one operation of a PATCH request (RFC 7644 section 3.5.2).
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

// memberOp is a change to a group's members that a PATCH asks for; they
// are applied to the store in order, after the attributes.
type memberOp struct {
	clear bool
	// replace makes add the whole membership: members not in it are
	// removed, members in it that are there already stay untouched.
	replace bool
	add     []Member
	remove  []string
}

// patcher applies operations to a copy of a resource's document.
type patcher struct {
	rt      *resourceType
	id      string
	doc     map[string]any
	members []memberOp
}

// patch applies ops to r's attributes and returns the new document and
// the member changes, or an error and nothing.
func (rt *resourceType) patch(r *Resource, ops []PatchOp) (*patcher, error) {
	if len(ops) > MaxPatchOperations {
		return nil, errorf(400, ScimTypeTooMany, "more than %d operations", MaxPatchOperations)
	}
	p := &patcher{rt: rt, id: r.ID, doc: cloneMap(r.Attributes)}
	if p.doc == nil {
		p.doc = map[string]any{}
	}
	if r.ExternalID != "" {
		p.doc["externalId"] = r.ExternalID
	}
	for i, op := range ops {
		if err := p.apply(op); err != nil {
			return nil, fmt.Errorf("operation %d: %w", i+1, err)
		}
	}
	return p, nil
}

func (p *patcher) apply(op PatchOp) error {
	name := strings.ToLower(op.Op)
	if name != "add" && name != "replace" && name != "remove" {
		return errorf(400, ScimTypeInvalidSyntax, "unknown op %q", op.Op)
	}
	if strings.TrimSpace(op.Path) != "" {
		return p.applyPath(name, strings.TrimSpace(op.Path), op.Value)
	}
	if name == "remove" {
		return errorf(400, ScimTypeNoTarget, "remove needs a path")
	}
	m, ok := op.Value.(map[string]any)
	if !ok {
		return errorf(400, ScimTypeInvalidValue, "an %s without a path needs an object value", name)
	}
	return p.applyObject(name, m)
}

// applyObject applies a pathless add or replace: each key is a path,
// possibly dotted ("name.givenName") or URN-prefixed, or an extension URN
// whose object holds the extension's attributes.
func (p *patcher) applyObject(op string, m map[string]any) error {
	for k, v := range m {
		switch strings.ToLower(k) {
		case "schemas", "meta":
			continue
		case "id":
			if v != p.id {
				return errorf(400, ScimTypeMutability, "id is read-only")
			}
			continue
		}
		if ext := p.rt.extension(k); ext != nil {
			if err := p.applyExtensionObject(op, ext, v); err != nil {
				return err
			}
			continue
		}
		if err := p.applyPath(op, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *patcher) applyExtensionObject(op string, ext *Schema, v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return errorf(400, ScimTypeInvalidValue, "%s must be an object", ext.ID)
	}
	for k, sv := range m {
		if err := p.applyPath(op, ext.ID+":"+k, sv); err != nil {
			return err
		}
	}
	return nil
}

// target is a resolved PATCH path.
type target struct {
	path   AttrPath
	filter Expr   // value filter, or nil
	sub    string // sub-attribute after a value filter
	subDef *Attribute
}

func (p *patcher) applyPath(op, raw string, v any) error {
	urn, rest := p.rt.splitURN(raw)
	if rest == "" && urn != "" && urn != p.rt.core.ID {
		return p.applyWholeExtension(op, urn, v)
	}
	if strings.EqualFold(rest, "externalId") && urn == "" {
		return p.setExternalID(op, v)
	}
	t, err := p.resolveTarget(urn, rest)
	if err != nil {
		return err
	}
	if m := t.path.Attr.mutability(); m == ReadOnly || (t.subDef != nil &&
		t.subDef.mutability() == ReadOnly) {
		return errorf(400, ScimTypeMutability, "%s is read-only", raw)
	}
	if p.rt.kind == KindGroup && t.path.Schema == "" && t.path.Name == "members" {
		return p.applyMembers(op, t, v)
	}
	return p.applyTarget(op, t, v)
}

func (p *patcher) applyWholeExtension(op, urn string, v any) error {
	if op == "remove" {
		delete(p.doc, urn)
		return nil
	}
	return p.applyExtensionObject(op, p.rt.extension(urn), v)
}

func (p *patcher) setExternalID(op string, v any) error {
	if op == "remove" || v == nil {
		delete(p.doc, "externalId")
		return nil
	}
	p.doc["externalId"] = v
	return nil
}

func (p *patcher) resolveTarget(urn, rest string) (*target, error) {
	parsed, err := parsePathWithoutPanic(rest)
	if err != nil || parsed.AttributePath.URIPrefix != nil {
		return nil, errorf(400, ScimTypeInvalidPath, "malformed path %q", rest)
	}
	ap := parsed.AttributePath
	path, err := p.rt.lookupPath(urn, ap.AttributeName, ap.SubAttributeName(), ScimTypeInvalidPath)
	if err != nil {
		return nil, err
	}
	t := &target{path: path}
	if parsed.ValueExpression == nil {
		return t, nil
	}
	if path.Sub != "" || path.Attr.Type != TypeComplex || !path.Attr.MultiValued {
		return nil, errorf(400, ScimTypeInvalidPath, "%s takes no value filter", path)
	}
	t.filter, err = p.rt.resolve(parsed.ValueExpression, &path, 0)
	if err != nil {
		return nil, err
	}
	if s := parsed.SubAttributeName(); s != "" {
		t.subDef = path.Attr.Sub(s)
		if t.subDef == nil {
			return nil, errorf(400, ScimTypeInvalidPath, "%s has no sub-attribute %q", path, s)
		}
		t.sub = t.subDef.Name
	}
	return t, nil
}

func parsePathWithoutPanic(s string) (path fp.Path, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("unparseable path")
		}
	}()
	if len(s) > MaxFilterLength {
		return fp.Path{}, fmt.Errorf("path too long")
	}
	if p, ok := fastPath(s); ok {
		return p, nil
	}
	return fp.ParsePath([]byte(s))
}

// container returns the map holding the attribute of path: the document
// or an extension's object, made when create is set.
func (p *patcher) container(path AttrPath, create bool) map[string]any {
	if path.Schema == "" {
		return p.doc
	}
	m, ok := p.doc[path.Schema].(map[string]any)
	if !ok && create {
		m = map[string]any{}
		p.doc[path.Schema] = m
	}
	return m
}

func (p *patcher) applyTarget(op string, t *target, v any) error {
	if t.filter != nil {
		return p.applyFiltered(op, t, v)
	}
	c := p.container(t.path, op != "remove")
	if c == nil {
		return nil
	}
	if t.path.Sub != "" {
		return applySub(op, c, t.path, v)
	}
	return applyWhole(op, c, t.path.Attr, v)
}

// applyWhole adds, replaces or removes a whole attribute.
func applyWhole(op string, c map[string]any, a *Attribute, v any) error {
	name := a.Name
	switch {
	case op == "remove" && v != nil && a.MultiValued:
		c[name] = removeEqual(asList(c[name]), asList(v))
	case op == "remove" || v == nil:
		delete(c, name)
	case a.MultiValued && op == "add":
		added := asList(cloneValue(v))
		if hasPrimary(added) {
			clearPrimary(asList(c[name]))
		}
		c[name] = append(asList(c[name]), added...)
	case a.Type == TypeComplex && !a.MultiValued:
		return mergeComplex(c, name, v)
	default:
		c[name] = cloneValue(v)
	}
	return nil
}

// mergeComplex sets the sub-attributes given in v on a singular complex
// attribute, keeping the others (RFC 7644 section 3.5.2.1 and .3).
func mergeComplex(c map[string]any, name string, v any) error {
	nv, ok := v.(map[string]any)
	if !ok {
		c[name] = v // normalize checks it, and takes a string as value
		return nil
	}
	old, _ := c[name].(map[string]any)
	if old == nil {
		old = map[string]any{}
	}
	for k, sv := range nv {
		old[k] = cloneValue(sv)
	}
	c[name] = old
	return nil
}

// applySub sets or removes a sub-attribute, as in name.givenName, on a
// singular complex attribute or on every element of a multi-valued one.
func applySub(op string, c map[string]any, path AttrPath, v any) error {
	if !path.Parent.MultiValued {
		m, _ := c[path.Name].(map[string]any)
		if m == nil {
			if op == "remove" {
				return nil
			}
			m = map[string]any{}
			c[path.Name] = m
		}
		setSub(m, op, path.Sub, v)
		return nil
	}
	for _, e := range asList(c[path.Name]) {
		if m, ok := e.(map[string]any); ok {
			setSub(m, op, path.Sub, v)
		}
	}
	return nil
}

func setSub(m map[string]any, op, sub string, v any) {
	if op == "remove" || v == nil {
		delete(m, sub)
		return
	}
	m[sub] = cloneValue(v)
}

// applyFiltered applies an operation to the elements of a multi-valued
// attribute that a value filter selects.
func (p *patcher) applyFiltered(op string, t *target, v any) error {
	c := p.container(t.path, op != "remove")
	if c == nil {
		return nil
	}
	list := asList(c[t.path.Name])
	var kept, hit []any
	for _, e := range list {
		m, ok := e.(map[string]any)
		if ok && matchExpr(t.filter, elementValues(m)) {
			hit = append(hit, m)
			continue
		}
		kept = append(kept, e)
	}
	switch {
	case op == "remove" && t.sub == "":
		c[t.path.Name] = kept
	case op == "remove":
		for _, e := range hit {
			delete(e.(map[string]any), t.sub)
		}
	case len(hit) == 0:
		return p.upsert(c, t, v)
	default:
		p.updateHits(t, hit, kept, v)
	}
	return nil
}

// updateHits replaces the selected elements' sub-attribute (or merges an
// object into them), keeping a single primary value.
func (p *patcher) updateHits(t *target, hit, others []any, v any) {
	for _, e := range hit {
		m := e.(map[string]any)
		if t.sub != "" {
			m[t.sub] = cloneValue(v)
		} else if nv, ok := v.(map[string]any); ok {
			for k, sv := range nv {
				m[k] = cloneValue(sv)
			}
		}
	}
	if hasPrimary(hit) {
		clearPrimary(others)
	}
}

// upsert handles an add or replace whose value filter selects nothing.
// When the filter is made only of "sub eq value" joined by "and" (as in
// emails[type eq "work"].value), the element it describes is created,
// which is what Entra ID and Okta expect; otherwise the target is missing
// (noTarget, RFC 7644 section 3.5.2.3).
func (p *patcher) upsert(c map[string]any, t *target, v any) error {
	el := map[string]any{}
	if !eqFields(t.filter, el) {
		return errorf(400, ScimTypeNoTarget, "no value of %s matches the filter", t.path)
	}
	if t.sub != "" {
		el[t.sub] = cloneValue(v)
	} else if nv, ok := v.(map[string]any); ok {
		for k, sv := range nv {
			el[k] = cloneValue(sv)
		}
	}
	list := asList(c[t.path.Name])
	if el["primary"] == true {
		clearPrimary(list)
	}
	c[t.path.Name] = append(list, el)
	return nil
}

// eqFields collects the sub = value pairs of a filter made of eq
// comparisons joined by and, and reports whether it is one.
func eqFields(e Expr, into map[string]any) bool {
	switch x := e.(type) {
	case *Logical:
		return x.Op == "and" && eqFields(x.Left, into) && eqFields(x.Right, into)
	case *Compare:
		if x.Op != "eq" {
			return false
		}
		into[x.Path.Name] = x.Value
		return true
	}
	return false
}

func hasPrimary(list []any) bool {
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			if b, _ := toBool(m["primary"]); b {
				return true
			}
		}
	}
	return false
}

func clearPrimary(list []any) {
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			if _, has := m["primary"]; has {
				m["primary"] = false
			}
		}
	}
}

// removeEqual removes from list the elements equal to one of vals: an
// element object matches when it has every field of the value given.
func removeEqual(list, vals []any) []any {
	var out []any
	for _, e := range list {
		if !containsMatch(vals, e) {
			out = append(out, e)
		}
	}
	return out
}

func containsMatch(vals []any, e any) bool {
	em, isMap := e.(map[string]any)
	for _, v := range vals {
		vm, ok := v.(map[string]any)
		if !ok || !isMap {
			if reflect.DeepEqual(v, e) {
				return true
			}
			continue
		}
		if subsetOf(vm, em) {
			return true
		}
	}
	return false
}

func subsetOf(small, big map[string]any) bool {
	for k, v := range small {
		if !reflect.DeepEqual(big[k], v) {
			return false
		}
	}
	return true
}
