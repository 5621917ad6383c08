package authz

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// ExpandRequest asks how Relation on Object resolves.
type ExpandRequest struct {
	Object           string  `json:"object"`
	Relation         string  `json:"relation"`
	ContextualTuples []Tuple `json:"contextual_tuples,omitempty"`
	ModelID          string  `json:"model_id,omitempty"`
	// Levels is how deep to expand: 0 or 1 gives one level, as OpenFGA
	// does; more expands the usersets each level names, up to
	// MaxExpandLevels, for admin pages that explain a decision.
	Levels int `json:"levels,omitempty"`
}

// Bounds on a deep expansion.
const (
	// MaxExpandLevels bounds ExpandRequest.Levels.
	MaxExpandLevels = 8
	// maxExpandNodes bounds the trees of one deep expansion.
	maxExpandNodes = 500
)

// Tree is one level of how a relation resolves, as OpenFGA's Expand
// gives it: the rewrite's operators, with the users the tuples name at
// direct nodes and the usersets to expand next at computed and
// tuple-to-userset nodes.
type Tree struct {
	// Name is "object#relation".
	Name string `json:"name"`
	// Op is "direct", "computed", "from", "or", "and" or "but not".
	Op string `json:"op"`
	// Users, at a direct node, are the users the tuples name
	// ("user:anne", "user:*", "group:eng#member").
	Users []string `json:"users,omitempty"`
	// Usersets, at computed and tuple-to-userset nodes, are the
	// "object#relation" names whose members count.
	Usersets []string `json:"usersets,omitempty"`
	// Conditional lists users (of Users) granted only under a condition,
	// as "user with condition".
	Conditional []string `json:"conditional,omitempty"`
	// Children are the operands of "or", "and" and "but not".
	Children []*Tree `json:"children,omitempty"`
	// Expanded, in a deep expansion, holds the trees of the usersets this
	// node names (Usersets, and the usersets among Users). Each userset is
	// expanded once per expansion, where it is first met.
	Expanded []*Tree `json:"expanded,omitempty"`
	// Truncated says that a deep expansion stopped here at its bound of
	// levels or nodes, leaving usersets unexpanded.
	Truncated bool `json:"truncated,omitempty"`
}

// Expand returns the tree of how the relation on the object resolves, one
// level deep: expand a userset it names to go further.
func (s *Service) Expand(ctx context.Context, org string, req ExpandRequest) (*Tree, error) {
	cm, err := s.compiled(ctx, org, req.ModelID)
	if err != nil {
		return nil, err
	}
	typ, _, err := SplitObject(req.Object)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	ri := cm.lookup(typ, req.Relation)
	if ri == nil {
		return nil, fmt.Errorf("%w: type %q has no relation %q", ErrInvalidRequest, typ, req.Relation)
	}
	if err := cm.validateContextual(req.ContextualTuples); err != nil {
		return nil, err
	}
	r := s.newResolver(ctx, org, cm, req.ContextualTuples, nil)
	t, err := r.expand(ri, req.Object, &ri.def.Rewrite)
	if err != nil || req.Levels <= 1 {
		return t, err
	}
	budget := maxExpandNodes
	return t, r.deepen(t, min(req.Levels, MaxExpandLevels)-1, &budget, map[string]bool{t.Name: true})
}

// deepen expands, levels deep, the usersets that the leaves of t name.
// seen stops cycles; budget bounds the trees made.
func (r *resolver) deepen(t *Tree, levels int, budget *int, seen map[string]bool) error {
	for _, c := range t.Children {
		if err := r.deepen(c, levels, budget, seen); err != nil {
			return err
		}
	}
	names := slices.Clone(t.Usersets)
	for _, u := range t.Users {
		if strings.Contains(u, "#") {
			names = append(names, u)
		}
	}
	for _, name := range names {
		if seen[name] {
			continue
		}
		if levels <= 0 || *budget <= 0 {
			t.Truncated = true
			return nil
		}
		seen[name] = true
		*budget--
		sub, err := r.expandName(name)
		if err != nil {
			return err
		}
		if sub == nil {
			continue
		}
		if err := r.deepen(sub, levels-1, budget, seen); err != nil {
			return err
		}
		t.Expanded = append(t.Expanded, sub)
	}
	return nil
}

// expandName expands "object#relation", or returns nil when the model
// does not define the relation on that object's type.
func (r *resolver) expandName(name string) (*Tree, error) {
	object, rel, _ := strings.Cut(name, "#")
	typ, _, _ := strings.Cut(object, ":")
	ri := r.cm.lookup(typ, rel)
	if ri == nil {
		return nil, nil
	}
	return r.expand(ri, object, &ri.def.Rewrite)
}

func (r *resolver) expand(ri *relInfo, object string, w *Rewrite) (*Tree, error) {
	t := &Tree{Name: object + "#" + ri.name, Op: w.Op.String()}
	switch w.Op {
	case OpDirect:
		ts, err := r.read(object, ri.name, false)
		if err != nil {
			return nil, err
		}
		for _, tp := range ts {
			if !allowedNow(ri, tp.User) {
				continue
			}
			t.Users = append(t.Users, tp.User)
			if tp.Condition != nil {
				t.Conditional = append(t.Conditional, tp.User+" with "+tp.Condition.Name)
			}
		}
	case OpComputed:
		t.Usersets = []string{object + "#" + w.Relation}
	case OpTupleToUserset:
		typ, _, _ := strings.Cut(object, ":")
		ts, err := r.read(object, w.Tupleset, false)
		if err != nil {
			return nil, err
		}
		for _, tp := range ts {
			if allowedNow(r.cm.lookup(typ, w.Tupleset), tp.User) {
				t.Usersets = append(t.Usersets, tp.User+"#"+w.Relation)
			}
		}
	default:
		for i := range w.Children {
			c, err := r.expand(ri, object, &w.Children[i])
			if err != nil {
				return nil, err
			}
			t.Children = append(t.Children, c)
		}
	}
	return t, nil
}
