package authz

import (
	"context"
	"fmt"
	"strings"
)

// ExpandRequest asks how Relation on Object resolves.
type ExpandRequest struct {
	Object           string  `json:"object"`
	Relation         string  `json:"relation"`
	ContextualTuples []Tuple `json:"contextual_tuples,omitempty"`
	ModelID          string  `json:"model_id,omitempty"`
}

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
	return r.expand(ri, req.Object, &ri.def.Rewrite)
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
