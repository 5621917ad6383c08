package authz

import (
	"fmt"
	"strings"
)

// Tuple is a relationship: User holds Relation on Object. Object is
// "type:id"; User is "type:id", the wildcard "type:*" (every user of the
// type) or the userset "type:id#relation" (everyone holding relation on
// that object).
type Tuple struct {
	Object   string `json:"object"`
	Relation string `json:"relation"`
	User     string `json:"user"`
	// Condition, when set, makes the tuple hold only where the named
	// condition of the model is true.
	Condition *TupleCondition `json:"condition,omitempty"`
}

// TupleCondition names a condition of the model and the parameters a tuple
// fixes for it.
type TupleCondition struct {
	Name    string         `json:"name"`
	Context map[string]any `json:"context,omitempty"`
}

// String returns "object#relation@user".
func (t Tuple) String() string { return t.Object + "#" + t.Relation + "@" + t.User }

// Key returns the tuple without its condition: tuples are identified by
// object, relation and user.
func (t Tuple) Key() Tuple { return Tuple{Object: t.Object, Relation: t.Relation, User: t.User} }

// Limits on the parts of a tuple.
const (
	maxIDLen      = 256
	maxTupleField = 512
)

// SplitObject splits "type:id" into its parts.
func SplitObject(s string) (typ, id string, err error) {
	typ, id, ok := strings.Cut(s, ":")
	if !ok || !validName(typ) || id == "" || len(id) > maxIDLen || hasAny(id, &idStop) {
		return "", "", fmt.Errorf("authz: %q is not an object of the form type:id", s)
	}
	return typ, id, nil
}

// userRef is a parsed user: a plain object (rel ""), a wildcard (id "*")
// or a userset.
type userRef struct {
	typ, id, rel string
	full         string // the user as written, when parsed
}

func parseUser(s string) (userRef, error) {
	obj, rel, hasRel := strings.Cut(s, "#")
	typ, id, ok := strings.Cut(obj, ":")
	u := userRef{typ: typ, id: id, rel: rel, full: s}
	switch {
	case !ok || !validName(typ):
		return u, fmt.Errorf("authz: %q is not a user of the form type:id, type:* or type:id#relation", s)
	case id == "*" && hasRel:
		return u, fmt.Errorf("authz: %q: a wildcard cannot carry a relation", s)
	case hasRel && !validName(rel):
		return u, fmt.Errorf("authz: %q has an invalid relation", s)
	}
	if id != "*" {
		if _, _, err := SplitObject(obj); err != nil {
			return u, fmt.Errorf("authz: %q is not a user of the form type:id, type:* or type:id#relation", s)
		}
	}
	return u, nil
}

func (u userRef) object() string { return u.typ + ":" + u.id }

func (u userRef) wildcard() bool { return u.id == "*" }

// key is the form of the user in a model's direct types: "user",
// "user:*" or "group#member".
func (u userRef) key() string {
	switch {
	case u.wildcard():
		return u.typ + ":*"
	case u.rel != "":
		return u.typ + "#" + u.rel
	}
	return u.typ
}

func (u userRef) String() string {
	if u.full != "" {
		return u.full
	}
	if u.rel != "" {
		return u.typ + ":" + u.id + "#" + u.rel
	}
	return u.typ + ":" + u.id
}
