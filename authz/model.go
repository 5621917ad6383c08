package authz

// SchemaVersion is the OpenFGA modeling language version this package
// implements.
const SchemaVersion = "1.1"

// Model is an authorization model: the object types, the relations each
// type defines and the conditions that tuples may carry. It has the meaning
// OpenFGA gives a schema 1.1 model. A Model is plain data; [Model.Validate]
// checks it, and a model written to a [Store] is immutable.
type Model struct {
	// SchemaVersion is "1.1"; empty means 1.1.
	SchemaVersion string
	// Types are the type definitions, in declaration order.
	Types []TypeDefinition
	// Conditions are the named CEL conditions, in declaration order.
	Conditions []Condition
}

// TypeDefinition is an object type and the relations defined on it.
type TypeDefinition struct {
	Name      string
	Relations []RelationDefinition
}

// RelationDefinition is one relation of a type and the rewrite that
// defines who holds it.
type RelationDefinition struct {
	Name    string
	Rewrite Rewrite
}

// Op is the kind of a [Rewrite] node.
type Op int

// The rewrite operators of the modeling language.
const (
	// OpDirect is "[user, group#member, ...]": users related by a tuple.
	OpDirect Op = iota + 1
	// OpComputed is "owner": the users holding another relation of the
	// same object.
	OpComputed
	// OpTupleToUserset is "viewer from parent": the users holding a
	// relation on the objects related by the tupleset relation.
	OpTupleToUserset
	// OpUnion is "a or b".
	OpUnion
	// OpIntersection is "a and b".
	OpIntersection
	// OpExclusion is "a but not b"; Children holds the base and the
	// subtracted rewrite.
	OpExclusion
)

// String returns the operator's keyword.
func (o Op) String() string {
	switch o {
	case OpDirect:
		return "direct"
	case OpComputed:
		return "computed"
	case OpTupleToUserset:
		return "from"
	case OpUnion:
		return "or"
	case OpIntersection:
		return "and"
	case OpExclusion:
		return "but not"
	}
	return "unknown"
}

// Rewrite is a node of a relation's definition. Build one with [Direct],
// [Computed], [From], [Union], [Intersection] and [Exclusion].
type Rewrite struct {
	Op Op
	// Types are the directly related user types of an OpDirect node.
	Types []TypeRef
	// Relation is the computed relation of OpComputed and OpTupleToUserset.
	Relation string
	// Tupleset is the relation whose tuples name the parent objects of an
	// OpTupleToUserset node.
	Tupleset string
	// Children are the operands of OpUnion, OpIntersection and
	// OpExclusion (base, then subtracted).
	Children []Rewrite
}

// TypeRef is a directly related user type: "user", "user:*" (Wildcard),
// "group#member" (Relation), each optionally "with" a condition.
type TypeRef struct {
	Type      string
	Relation  string
	Wildcard  bool
	Condition string
}

// String returns the reference as the DSL writes it.
func (r TypeRef) String() string {
	s := r.Type
	switch {
	case r.Wildcard:
		s += ":*"
	case r.Relation != "":
		s += "#" + r.Relation
	}
	if r.Condition != "" {
		s += " with " + r.Condition
	}
	return s
}

// Type returns a type definition with the given relations.
func Type(name string, relations ...RelationDefinition) TypeDefinition {
	return TypeDefinition{Name: name, Relations: relations}
}

// Define returns a relation definition.
func Define(name string, rewrite Rewrite) RelationDefinition {
	return RelationDefinition{Name: name, Rewrite: rewrite}
}

// Direct returns the rewrite "[types...]".
func Direct(types ...TypeRef) Rewrite { return Rewrite{Op: OpDirect, Types: types} }

// Computed returns the rewrite that names another relation of the object.
func Computed(relation string) Rewrite { return Rewrite{Op: OpComputed, Relation: relation} }

// From returns the tuple-to-userset rewrite "relation from tupleset".
func From(tupleset, relation string) Rewrite {
	return Rewrite{Op: OpTupleToUserset, Tupleset: tupleset, Relation: relation}
}

// Union returns "a or b or ...".
func Union(children ...Rewrite) Rewrite { return Rewrite{Op: OpUnion, Children: children} }

// Intersection returns "a and b and ...".
func Intersection(children ...Rewrite) Rewrite {
	return Rewrite{Op: OpIntersection, Children: children}
}

// Exclusion returns "base but not subtract".
func Exclusion(base, subtract Rewrite) Rewrite {
	return Rewrite{Op: OpExclusion, Children: []Rewrite{base, subtract}}
}

// User returns the type reference "typ" (a concrete user of that type).
func User(typ string) TypeRef { return TypeRef{Type: typ} }

// Wildcard returns the type reference "typ:*" (every user of that type).
func Wildcard(typ string) TypeRef { return TypeRef{Type: typ, Wildcard: true} }

// Userset returns the type reference "typ#relation".
func Userset(typ, relation string) TypeRef { return TypeRef{Type: typ, Relation: relation} }

// With returns r restricted by the named condition.
func (r TypeRef) With(condition string) TypeRef {
	r.Condition = condition
	return r
}

// Condition is a named CEL expression over typed parameters. A tuple that
// names it holds only where the expression is true for the parameters
// from the tuple's context and the request's context.
type Condition struct {
	Name       string
	Expression string
	// Parameters maps each parameter name to its type: string, int, uint,
	// double, bool, bytes, duration, timestamp, ipaddress, any, or
	// list<T> and map<T> of those.
	Parameters map[string]string
}

// TypeDef returns the named type definition, or nil.
func (m *Model) TypeDef(name string) *TypeDefinition {
	for i := range m.Types {
		if m.Types[i].Name == name {
			return &m.Types[i]
		}
	}
	return nil
}

// Relation returns the named relation of t, or nil.
func (t *TypeDefinition) Relation(name string) *RelationDefinition {
	for i := range t.Relations {
		if t.Relations[i].Name == name {
			return &t.Relations[i]
		}
	}
	return nil
}

// directTypes returns the directly related user types of a rewrite tree
// (a relation has at most one direct node).
func (w *Rewrite) directTypes() []TypeRef {
	if w.Op == OpDirect {
		return w.Types
	}
	for i := range w.Children {
		if ts := w.Children[i].directTypes(); ts != nil {
			return ts
		}
	}
	return nil
}

// nameStop marks the bytes that cannot appear in a name.
var nameStop = byteSet(":#*@ \t\r\n,()[]{}")

// idStop marks the bytes that cannot appear in an object ID. "@" may:
// as in OpenFGA, email addresses are valid IDs.
var idStop = byteSet("#: \t\r\n")

func byteSet(chars string) (set [256]bool) {
	for i := 0; i < len(chars); i++ {
		set[chars[i]] = true
	}
	return set
}

func hasAny(s string, set *[256]bool) bool {
	for i := 0; i < len(s); i++ {
		if set[s[i]] {
			return true
		}
	}
	return false
}

// validName reports whether s can name a type, relation or condition.
func validName(s string) bool {
	return s != "" && len(s) <= 254 && !hasAny(s, &nameStop)
}
