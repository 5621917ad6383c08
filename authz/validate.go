package authz

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidModel is wrapped by every error that [Model.Validate] returns.
var ErrInvalidModel = errors.New("authz: invalid model")

// ModelError is a problem with a model, naming the type and relation (or
// the condition) it concerns.
type ModelError struct {
	Type      string
	Relation  string
	Condition string
	// Line is the line of the definition in DSL source, or 0.
	Line int
	Msg  string
}

// Error returns the problem with where it is.
func (e *ModelError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("authz: line %d: %s", e.Line, strings.TrimPrefix(e.where(), "authz: "))
	}
	return e.where()
}

func (e *ModelError) where() string {
	switch {
	case e.Condition != "":
		return fmt.Sprintf("authz: condition %q: %s", e.Condition, e.Msg)
	case e.Relation != "":
		return fmt.Sprintf("authz: type %q, relation %q: %s", e.Type, e.Relation, e.Msg)
	case e.Type != "":
		return fmt.Sprintf("authz: type %q: %s", e.Type, e.Msg)
	}
	return "authz: model: " + e.Msg
}

// Unwrap returns [ErrInvalidModel].
func (e *ModelError) Unwrap() error { return ErrInvalidModel }

// compiledModel is a validated model with its lookups built.
type compiledModel struct {
	id    string // the stored version's ID, once stored
	m     *Model
	types map[string]*typeInfo
	conds map[string]*compiledCondition
	lazy  lazyGraph
}

type typeInfo struct {
	def  *TypeDefinition
	rels map[string]*relInfo
}

type relInfo struct {
	typ, name string
	def       *RelationDefinition
	direct    []TypeRef
	// allowed holds "user", "user:*" and "group#member" keys of direct.
	allowed map[string]bool
}

func refKey(r TypeRef) string {
	switch {
	case r.Wildcard:
		return r.Type + ":*"
	case r.Relation != "":
		return r.Type + "#" + r.Relation
	}
	return r.Type
}

// Validate checks that the model is well formed: names are valid and
// unique, every referenced type, relation and condition exists, tupleset
// relations are directly assigned, no relation is defined only through a
// cycle that can never resolve, and every condition compiles to a bool
// over its declared parameters.
func (m *Model) Validate() error {
	_, err := compile(m)
	return err
}

func compile(m *Model) (*compiledModel, error) {
	if m.SchemaVersion != "" && m.SchemaVersion != SchemaVersion {
		return nil, &ModelError{Msg: fmt.Sprintf("unsupported schema version %q", m.SchemaVersion)}
	}
	cm := &compiledModel{m: m, types: map[string]*typeInfo{}, conds: map[string]*compiledCondition{}}
	if err := cm.indexTypes(); err != nil {
		return nil, err
	}
	if err := cm.compileConditions(); err != nil {
		return nil, err
	}
	for _, t := range m.Types {
		for _, r := range t.Relations {
			ri := cm.types[t.Name].rels[r.Name]
			if err := cm.checkRewrite(ri, &r.Rewrite, true); err != nil {
				return nil, err
			}
		}
	}
	if err := cm.checkResolvable(); err != nil {
		return nil, err
	}
	return cm, nil
}

func (cm *compiledModel) indexTypes() error {
	if len(cm.m.Types) == 0 {
		return &ModelError{Msg: "no types are defined"}
	}
	for i := range cm.m.Types {
		t := &cm.m.Types[i]
		if !validName(t.Name) {
			return &ModelError{Type: t.Name, Msg: "invalid type name"}
		}
		if cm.types[t.Name] != nil {
			return &ModelError{Type: t.Name, Msg: "type is defined twice"}
		}
		ti := &typeInfo{def: t, rels: map[string]*relInfo{}}
		for j := range t.Relations {
			r := &t.Relations[j]
			if !validName(r.Name) || isKeyword(r.Name) {
				return &ModelError{Type: t.Name, Relation: r.Name, Msg: "invalid relation name"}
			}
			if ti.rels[r.Name] != nil {
				return &ModelError{Type: t.Name, Relation: r.Name, Msg: "relation is defined twice"}
			}
			ri := &relInfo{typ: t.Name, name: r.Name, def: r,
				direct: r.Rewrite.directTypes(), allowed: map[string]bool{}}
			for _, ref := range ri.direct {
				ri.allowed[refKey(ref)] = true
			}
			ti.rels[r.Name] = ri
		}
		cm.types[t.Name] = ti
	}
	return nil
}

func (cm *compiledModel) compileConditions() error {
	for i := range cm.m.Conditions {
		c := &cm.m.Conditions[i]
		if !validName(c.Name) {
			return &ModelError{Condition: c.Name, Msg: "invalid condition name"}
		}
		if cm.conds[c.Name] != nil {
			return &ModelError{Condition: c.Name, Msg: "condition is defined twice"}
		}
		cc, err := compileCondition(c)
		if err != nil {
			return &ModelError{Condition: c.Name, Msg: err.Error()}
		}
		cm.conds[c.Name] = cc
	}
	return nil
}

func (cm *compiledModel) lookup(typ, rel string) *relInfo {
	if ti := cm.types[typ]; ti != nil {
		return ti.rels[rel]
	}
	return nil
}

func (cm *compiledModel) checkRewrite(ri *relInfo, w *Rewrite, top bool) error {
	bad := func(format string, args ...any) error {
		return &ModelError{Type: ri.typ, Relation: ri.name, Msg: fmt.Sprintf(format, args...)}
	}
	switch w.Op {
	case OpDirect:
		if len(w.Types) == 0 {
			return bad("a direct assignment needs at least one type")
		}
		if &ri.direct[0] != &w.Types[0] {
			return bad("a relation may have only one direct assignment")
		}
		return cm.checkRefs(ri, w.Types, bad)
	case OpComputed:
		if cm.lookup(ri.typ, w.Relation) == nil {
			return bad("relation %q is not defined on type %q", w.Relation, ri.typ)
		}
		if top && w.Relation == ri.name {
			return bad("relation is defined as itself")
		}
	case OpTupleToUserset:
		return cm.checkTTU(ri, w, bad)
	case OpUnion, OpIntersection, OpExclusion:
		if len(w.Children) < 2 || (w.Op == OpExclusion && len(w.Children) != 2) {
			return bad("%q needs two operands", w.Op)
		}
		for i := range w.Children {
			if err := cm.checkRewrite(ri, &w.Children[i], false); err != nil {
				return err
			}
		}
	default:
		return bad("unknown rewrite operator %d", w.Op)
	}
	return nil
}

func (cm *compiledModel) checkRefs(ri *relInfo, refs []TypeRef, bad func(string,
	...any) error) error {
	seen := map[string]bool{}
	for _, ref := range refs {
		key := refKey(ref) + "/" + ref.Condition
		if seen[key] {
			return bad("type %s is listed twice", ref)
		}
		seen[key] = true
		if cm.types[ref.Type] == nil {
			return bad("type %q is not defined", ref.Type)
		}
		if ref.Wildcard && ref.Relation != "" {
			return bad("%s cannot be both a wildcard and a userset", ref.Type)
		}
		if ref.Relation != "" && cm.lookup(ref.Type, ref.Relation) == nil {
			return bad("relation %q is not defined on type %q", ref.Relation, ref.Type)
		}
		if ref.Condition != "" && cm.conds[ref.Condition] == nil {
			return bad("condition %q is not defined", ref.Condition)
		}
	}
	return nil
}

func (cm *compiledModel) checkTTU(ri *relInfo, w *Rewrite, bad func(string, ...any) error) error {
	ts := cm.lookup(ri.typ, w.Tupleset)
	if ts == nil {
		return bad("tupleset relation %q is not defined on type %q", w.Tupleset, ri.typ)
	}
	if ts.def.Rewrite.Op != OpDirect {
		return bad("tupleset relation %q must be directly assigned only", w.Tupleset)
	}
	found := false
	for _, ref := range ts.direct {
		if ref.Wildcard || ref.Relation != "" {
			return bad("tupleset relation %q may only relate plain types, not %s", w.Tupleset, ref)
		}
		if cm.lookup(ref.Type, w.Relation) != nil {
			found = true
		}
	}
	if !found {
		return bad("no type related by %q defines relation %q", w.Tupleset, w.Relation)
	}
	return nil
}

// checkResolvable finds relations that no tuple could ever grant: the
// least fixpoint of "can hold a user", where a direct assignment can,
// a union can if any operand can, an intersection if all can, an
// exclusion if its base can, and a computed or tuple-to-userset rewrite
// if the relations it names can.
func (cm *compiledModel) checkResolvable() error {
	ok := map[*relInfo]bool{}
	for changed := true; changed; {
		changed = false
		for _, t := range cm.m.Types {
			for _, r := range t.Relations {
				ri := cm.types[t.Name].rels[r.Name]
				if !ok[ri] && cm.canResolve(ri, &r.Rewrite, ok) {
					ok[ri], changed = true, true
				}
			}
		}
	}
	for _, t := range cm.m.Types {
		for _, r := range t.Relations {
			if !ok[cm.types[t.Name].rels[r.Name]] {
				return &ModelError{Type: t.Name, Relation: r.Name,
					Msg: "relation can never resolve: it is defined only through a cycle"}
			}
		}
	}
	return nil
}

func (cm *compiledModel) canResolve(ri *relInfo, w *Rewrite, ok map[*relInfo]bool) bool {
	switch w.Op {
	case OpDirect:
		return true
	case OpComputed:
		return ok[cm.lookup(ri.typ, w.Relation)]
	case OpTupleToUserset:
		for _, ref := range cm.lookup(ri.typ, w.Tupleset).direct {
			if r := cm.lookup(ref.Type, w.Relation); r != nil && ok[r] {
				return true
			}
		}
	case OpUnion:
		for i := range w.Children {
			if cm.canResolve(ri, &w.Children[i], ok) {
				return true
			}
		}
	case OpIntersection:
		for i := range w.Children {
			if !cm.canResolve(ri, &w.Children[i], ok) {
				return false
			}
		}
		return true
	case OpExclusion:
		return cm.canResolve(ri, &w.Children[0], ok)
	}
	return false
}
