package authz

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// The wire form of a model is OpenFGA's JSON: type_definitions with a
// userset tree per relation and the directly related user types in the
// metadata, and conditions keyed by name.
type jsonModel struct {
	SchemaVersion   string                   `json:"schema_version"`
	TypeDefinitions []jsonTypeDef            `json:"type_definitions"`
	Conditions      map[string]jsonCondition `json:"conditions,omitempty"`
}

type jsonTypeDef struct {
	Type      string                  `json:"type"`
	Relations map[string]*jsonUserset `json:"relations,omitempty"`
	Metadata  *jsonTypeMeta           `json:"metadata,omitempty"`
}

type jsonTypeMeta struct {
	Relations map[string]jsonRelMeta `json:"relations,omitempty"`
}

type jsonRelMeta struct {
	DirectlyRelatedUserTypes []jsonTypeRef `json:"directly_related_user_types,omitempty"`
}

type jsonTypeRef struct {
	Type      string    `json:"type"`
	Relation  string    `json:"relation,omitempty"`
	Wildcard  *struct{} `json:"wildcard,omitempty"`
	Condition string    `json:"condition,omitempty"`
}

type jsonUserset struct {
	This            *struct{}       `json:"this,omitempty"`
	ComputedUserset *jsonObjRel     `json:"computedUserset,omitempty"`
	TupleToUserset  *jsonTTU        `json:"tupleToUserset,omitempty"`
	Union           *jsonChildren   `json:"union,omitempty"`
	Intersection    *jsonChildren   `json:"intersection,omitempty"`
	Difference      *jsonDifference `json:"difference,omitempty"`
}

type jsonObjRel struct {
	Object   string `json:"object,omitempty"`
	Relation string `json:"relation"`
}

type jsonTTU struct {
	Tupleset        jsonObjRel `json:"tupleset"`
	ComputedUserset jsonObjRel `json:"computedUserset"`
}

type jsonChildren struct {
	Child []*jsonUserset `json:"child"`
}

type jsonDifference struct {
	Base     *jsonUserset `json:"base"`
	Subtract *jsonUserset `json:"subtract"`
}

type jsonCondition struct {
	Name       string                   `json:"name"`
	Expression string                   `json:"expression"`
	Parameters map[string]jsonParamType `json:"parameters,omitempty"`
}

type jsonParamType struct {
	TypeName     string          `json:"type_name"`
	GenericTypes []jsonParamType `json:"generic_types,omitempty"`
}

// MarshalJSON encodes m in OpenFGA's JSON form.
func (m Model) MarshalJSON() ([]byte, error) {
	jm := jsonModel{SchemaVersion: m.SchemaVersion}
	if jm.SchemaVersion == "" {
		jm.SchemaVersion = SchemaVersion
	}
	jm.TypeDefinitions = []jsonTypeDef{}
	for _, t := range m.Types {
		jm.TypeDefinitions = append(jm.TypeDefinitions, typeToJSON(t))
	}
	if len(m.Conditions) > 0 {
		jm.Conditions = map[string]jsonCondition{}
	}
	for _, c := range m.Conditions {
		jc := jsonCondition{Name: c.Name, Expression: c.Expression,
			Parameters: map[string]jsonParamType{}}
		for name, typ := range c.Parameters {
			pt, err := paramTypeToJSON(typ)
			if err != nil {
				return nil, fmt.Errorf("authz: condition %q, parameter %q: %w", c.Name, name, err)
			}
			jc.Parameters[name] = pt
		}
		jm.Conditions[c.Name] = jc
	}
	return json.Marshal(jm)
}

func typeToJSON(t TypeDefinition) jsonTypeDef {
	jt := jsonTypeDef{Type: t.Name}
	if len(t.Relations) == 0 {
		return jt
	}
	jt.Relations = map[string]*jsonUserset{}
	jt.Metadata = &jsonTypeMeta{Relations: map[string]jsonRelMeta{}}
	for _, r := range t.Relations {
		jt.Relations[r.Name] = rewriteToJSON(r.Rewrite)
		var meta jsonRelMeta
		for _, ref := range r.Rewrite.directTypes() {
			jr := jsonTypeRef{Type: ref.Type, Relation: ref.Relation, Condition: ref.Condition}
			if ref.Wildcard {
				jr.Wildcard = &struct{}{}
			}
			meta.DirectlyRelatedUserTypes = append(meta.DirectlyRelatedUserTypes, jr)
		}
		jt.Metadata.Relations[r.Name] = meta
	}
	return jt
}

func rewriteToJSON(w Rewrite) *jsonUserset {
	children := func() []*jsonUserset {
		out := make([]*jsonUserset, len(w.Children))
		for i, c := range w.Children {
			out[i] = rewriteToJSON(c)
		}
		return out
	}
	switch w.Op {
	case OpDirect:
		return &jsonUserset{This: &struct{}{}}
	case OpComputed:
		return &jsonUserset{ComputedUserset: &jsonObjRel{Relation: w.Relation}}
	case OpTupleToUserset:
		return &jsonUserset{TupleToUserset: &jsonTTU{
			Tupleset:        jsonObjRel{Relation: w.Tupleset},
			ComputedUserset: jsonObjRel{Relation: w.Relation}}}
	case OpUnion:
		return &jsonUserset{Union: &jsonChildren{Child: children()}}
	case OpIntersection:
		return &jsonUserset{Intersection: &jsonChildren{Child: children()}}
	case OpExclusion:
		d := &jsonDifference{}
		if len(w.Children) == 2 {
			d.Base, d.Subtract = rewriteToJSON(w.Children[0]), rewriteToJSON(w.Children[1])
		}
		return &jsonUserset{Difference: d}
	}
	return &jsonUserset{}
}

// UnmarshalJSON decodes m from OpenFGA's JSON form. It checks the shape of
// the document; call [Model.Validate] to check its meaning.
func (m *Model) UnmarshalJSON(b []byte) error {
	var jm jsonModel
	if err := json.Unmarshal(b, &jm); err != nil {
		return fmt.Errorf("authz: decoding model JSON: %w", err)
	}
	out := Model{SchemaVersion: jm.SchemaVersion}
	for _, jt := range jm.TypeDefinitions {
		t, err := typeFromJSON(jt)
		if err != nil {
			return err
		}
		out.Types = append(out.Types, t)
	}
	names := make([]string, 0, len(jm.Conditions))
	for name := range jm.Conditions {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c, err := conditionFromJSON(name, jm.Conditions[name])
		if err != nil {
			return err
		}
		out.Conditions = append(out.Conditions, c)
	}
	*m = out
	return nil
}

func typeFromJSON(jt jsonTypeDef) (TypeDefinition, error) {
	t := TypeDefinition{Name: jt.Type}
	names := make([]string, 0, len(jt.Relations))
	for name := range jt.Relations {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var refs []TypeRef
		if jt.Metadata != nil {
			for _, jr := range jt.Metadata.Relations[name].DirectlyRelatedUserTypes {
				refs = append(refs, TypeRef{Type: jr.Type, Relation: jr.Relation,
					Wildcard: jr.Wildcard != nil, Condition: jr.Condition})
			}
		}
		w, err := rewriteFromJSON(jt.Relations[name], refs, 0)
		if err != nil {
			return t, fmt.Errorf("authz: type %q, relation %q: %w", jt.Type, name, err)
		}
		t.Relations = append(t.Relations, RelationDefinition{Name: name, Rewrite: w})
	}
	return t, nil
}

// maxRewriteNesting bounds the depth of a rewrite tree read from JSON or
// the DSL, so that a hostile document cannot exhaust the stack.
const maxRewriteNesting = 64

func rewriteFromJSON(ju *jsonUserset, refs []TypeRef, depth int) (Rewrite, error) {
	if ju == nil {
		return Rewrite{}, fmt.Errorf("empty userset")
	}
	if depth > maxRewriteNesting {
		return Rewrite{}, fmt.Errorf("rewrite nested deeper than %d", maxRewriteNesting)
	}
	kids := func(in []*jsonUserset) ([]Rewrite, error) {
		var out []Rewrite
		for _, c := range in {
			w, err := rewriteFromJSON(c, refs, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, w)
		}
		return out, nil
	}
	switch {
	case ju.This != nil:
		return Direct(refs...), nil
	case ju.ComputedUserset != nil:
		return Computed(ju.ComputedUserset.Relation), nil
	case ju.TupleToUserset != nil:
		return From(ju.TupleToUserset.Tupleset.Relation, ju.TupleToUserset.ComputedUserset.Relation), nil
	case ju.Union != nil:
		c, err := kids(ju.Union.Child)
		return Union(c...), err
	case ju.Intersection != nil:
		c, err := kids(ju.Intersection.Child)
		return Intersection(c...), err
	case ju.Difference != nil:
		c, err := kids([]*jsonUserset{ju.Difference.Base, ju.Difference.Subtract})
		if err != nil {
			return Rewrite{}, err
		}
		return Exclusion(c[0], c[1]), nil
	}
	return Rewrite{}, fmt.Errorf("userset has no operator")
}

var paramTypeNames = map[string]string{
	"string": "STRING", "int": "INT", "uint": "UINT", "double": "DOUBLE",
	"bool": "BOOL", "bytes": "BYTES", "duration": "DURATION",
	"timestamp": "TIMESTAMP", "ipaddress": "IPADDRESS", "any": "ANY",
	"list": "LIST", "map": "MAP",
}

func paramTypeToJSON(typ string) (jsonParamType, error) {
	if outer, inner, ok := strings.Cut(typ, "<"); ok {
		inner, ok = strings.CutSuffix(inner, ">")
		if !ok || (outer != "list" && outer != "map") {
			return jsonParamType{}, fmt.Errorf("unknown parameter type %q", typ)
		}
		g, err := paramTypeToJSON(inner)
		if err != nil {
			return jsonParamType{}, err
		}
		return jsonParamType{TypeName: "TYPE_NAME_" + paramTypeNames[outer],
			GenericTypes: []jsonParamType{g}}, nil
	}
	name, ok := paramTypeNames[typ]
	if !ok || typ == "list" || typ == "map" {
		return jsonParamType{}, fmt.Errorf("unknown parameter type %q", typ)
	}
	return jsonParamType{TypeName: "TYPE_NAME_" + name}, nil
}

func paramTypeFromJSON(p jsonParamType, depth int) (string, error) {
	if depth > 8 {
		return "", fmt.Errorf("parameter type nested too deeply")
	}
	for short, long := range paramTypeNames {
		if p.TypeName != "TYPE_NAME_"+long {
			continue
		}
		if short != "list" && short != "map" {
			return short, nil
		}
		if len(p.GenericTypes) != 1 {
			return "", fmt.Errorf("%s needs one generic type", short)
		}
		inner, err := paramTypeFromJSON(p.GenericTypes[0], depth+1)
		return short + "<" + inner + ">", err
	}
	return "", fmt.Errorf("unknown parameter type %q", p.TypeName)
}

func conditionFromJSON(key string, jc jsonCondition) (Condition, error) {
	c := Condition{Name: key, Expression: jc.Expression, Parameters: map[string]string{}}
	if jc.Name != "" && jc.Name != key {
		return c, fmt.Errorf("authz: condition %q is named %q inside", key, jc.Name)
	}
	for name, p := range jc.Parameters {
		typ, err := paramTypeFromJSON(p, 0)
		if err != nil {
			return c, fmt.Errorf("authz: condition %q, parameter %q: %w", key, name, err)
		}
		c.Parameters[name] = typ
	}
	return c, nil
}
