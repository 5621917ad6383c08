package authz

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/httpjson"
)

// ListUsersRequest asks for the users of a type, or the usersets, that
// hold Relation on Object.
type ListUsersRequest struct {
	Object   string `json:"object"`
	Relation string `json:"relation"`
	// UserType is the kind of user wanted: a type such as "user" (the
	// answer may then hold "user:*" when every user qualifies) or a
	// userset type such as "group#member".
	UserType         string         `json:"user_type"`
	Context          map[string]any `json:"context,omitempty"`
	ContextualTuples []Tuple        `json:"contextual_tuples,omitempty"`
	ModelID          string         `json:"model_id,omitempty"`
	Cursor           string         `json:"cursor,omitempty"`
	// Limit bounds the page; zero means no bound (the whole answer).
	Limit int `json:"limit,omitempty"`
}

// ListUsers returns the users of the requested type (or usersets) that
// hold the relation on the object. It walks the model forwards from the
// object to every candidate and checks each in order, so that the answer
// is exactly the set for which [Service.Check] says yes. Each page
// repeats the walk.
//
// "user:*" in the answer means that the wildcard itself holds: every user
// of the type holds the relation except those listed in Excluded.
func (s *Service) ListUsers(ctx context.Context, org string, req ListUsersRequest) (ListPage,
	error) {
	cm, err := s.compiled(ctx, org, req.ModelID)
	if err != nil {
		return ListPage{}, err
	}
	want, err := cm.validateUserType(req.UserType)
	if err != nil {
		return ListPage{}, err
	}
	if _, err := cm.validateQuery(req.Object, req.Relation, want.typ+":x"); err != nil {
		return ListPage{}, err
	}
	if err := cm.validateContextual(req.ContextualTuples); err != nil {
		return ListPage{}, err
	}
	var cur listCursor
	if err := httpjson.DecodeCursor(req.Cursor, &cur); err != nil {
		return ListPage{}, fmt.Errorf("%w: %w", ErrInvalidRequest, ErrInvalidCursor)
	}
	r := s.newResolver(ctx, org, cm, req.ContextualTuples, req.Context)
	cands, err := r.forward(req.Object, req.Relation, want)
	if err != nil {
		return ListPage{}, err
	}
	check := func(u string) (bool, error) {
		ur, _ := parseUser(u)
		return r.check(req.Object, req.Relation, ur, 0)
	}
	out, err := page(cands, cur.After, req.Limit, check)
	if err == nil && req.Cursor == "" && want.rel == "" {
		out.Excluded, err = r.excluded(cands, want.typ+":*", check)
	}
	return out, err
}

// excluded returns, when the wildcard holds, the candidates of its type
// that do not. Users named in no tuple behave as the wildcard does, so
// the candidates are all that can differ.
func (r *resolver) excluded(cands []string, wildcard string, check func(string) (bool,
	error)) ([]string, error) {
	if !slices.Contains(cands, wildcard) {
		return nil, nil
	}
	if ok, err := check(wildcard); err != nil || !ok {
		return nil, err
	}
	typ := strings.TrimSuffix(wildcard, "*")
	var out []string
	for _, u := range cands {
		if u == wildcard || !strings.HasPrefix(u, typ) {
			continue
		}
		ok, err := check(u)
		if err != nil {
			return nil, err
		}
		if !ok {
			out = append(out, u)
		}
	}
	return out, nil
}

// validateUserType reads "user" or "group#member" into a userRef with an
// empty ID.
func (cm *compiledModel) validateUserType(s string) (userRef, error) {
	typ, rel, _ := strings.Cut(s, "#")
	u := userRef{typ: typ, rel: rel}
	if cm.types[typ] == nil {
		return u, fmt.Errorf("%w: user type %q is not defined", ErrInvalidRequest, typ)
	}
	if rel != "" && cm.lookup(typ, rel) == nil {
		return u, fmt.Errorf("%w: type %q has no relation %q", ErrInvalidRequest, typ, rel)
	}
	return u, nil
}

// forward collects every user of the wanted kind reachable from
// object#relation through tuples. It over-approximates intersections and
// exclusions; the caller checks each candidate. It follows the
// subtracted side of exclusions only when the wildcard is a candidate:
// a user named there may then hold the relation through the wildcard
// even when the wildcard itself does not (through a double negation).
func (r *resolver) forward(object, relation string, want userRef) ([]string, error) {
	found, err := r.walkForward(object, relation, want, false)
	if err == nil && want.rel == "" && found[want.typ+":*"] {
		found, err = r.walkForward(object, relation, want, true)
	}
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(found))
	for u := range found {
		out = append(out, u)
	}
	return out, nil
}

func (r *resolver) walkForward(object, relation string, want userRef,
	subtracted bool) (map[string]bool, error) {
	seen := map[node]bool{}
	found := map[string]bool{}
	queue := []node{{object, relation}}
	seen[queue[0]] = true
	visit := func(n node) {
		if !seen[n] {
			seen[n] = true
			queue = append(queue, n)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		typ, _, _ := strings.Cut(n.object, ":")
		if want.rel != "" && typ == want.typ && n.relation == want.rel {
			found[n.object+"#"+n.relation] = true
		}
		ri := r.cm.lookup(typ, n.relation)
		if ri == nil {
			continue
		}
		if err := r.expandForward(ri, n.object, &ri.def.Rewrite, want, subtracted, visit, found); err != nil {
			return nil, err
		}
	}
	return found, nil
}

func (r *resolver) expandForward(ri *relInfo, object string, w *Rewrite, want userRef, subtracted bool,
	visit func(node), found map[string]bool) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	switch w.Op {
	case OpDirect:
		ts, err := r.read(object, ri.name, false)
		if err != nil {
			return err
		}
		for _, t := range ts {
			u, err := parseUser(t.User)
			if err != nil {
				continue
			}
			if u.typ == want.typ && u.rel == want.rel {
				found[t.User] = true
			}
			if u.rel != "" {
				visit(node{u.object(), u.rel})
			}
		}
	case OpComputed:
		visit(node{object, w.Relation})
	case OpTupleToUserset:
		ts, err := r.read(object, w.Tupleset, false)
		if err != nil {
			return err
		}
		for _, t := range ts {
			visit(node{t.User, w.Relation})
		}
	case OpExclusion:
		if !subtracted {
			return r.expandForward(ri, object, &w.Children[0], want, false, visit, found)
		}
		fallthrough
	default:
		for i := range w.Children {
			if err := r.expandForward(ri, object, &w.Children[i], want, subtracted, visit, found); err != nil {
				return err
			}
		}
	}
	return nil
}
