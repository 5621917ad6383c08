package authz

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/httpjson"
)

// ListObjectsRequest asks for the objects of Type on which User holds
// Relation.
type ListObjectsRequest struct {
	Type             string         `json:"type"`
	Relation         string         `json:"relation"`
	User             string         `json:"user"`
	Context          map[string]any `json:"context,omitempty"`
	ContextualTuples []Tuple        `json:"contextual_tuples,omitempty"`
	ModelID          string         `json:"model_id,omitempty"`
	// Cursor continues a listing; "" starts it.
	Cursor string `json:"cursor,omitempty"`
	// Limit bounds the page; zero means no bound (the whole answer).
	Limit int `json:"limit,omitempty"`
}

// ListPage is one page of a listing, in ascending order. Cursor is ""
// when the listing is complete, and otherwise continues it; a listing
// never ends early because of a deadline or a count without saying so.
// A page before the end may be short, even empty.
type ListPage struct {
	Items  []string `json:"items"`
	Cursor string   `json:"cursor,omitempty"`
	// Excluded, from ListUsers when the answer holds a wildcard such as
	// "user:*", lists the users of that type who do not hold the relation
	// all the same (an exclusion or intersection removes them), as
	// OpenFGA's excluded_users. It is given in full on the first page.
	Excluded []string `json:"excluded,omitempty"`
}

type listCursor struct {
	After string `json:"a"`
}

// ListObjects returns the objects of a type on which the user holds the
// relation. It walks the model's relations backwards from the user to
// find every candidate, then checks each candidate in order, so that the
// answer is exactly the set of objects for which [Service.Check] says
// yes. Each page repeats the walk; the cost grows with the number of
// tuples reachable from the user, and the candidates are held in memory
// (keeping the walk's frontier in the cursor would bound that; it is not
// done).
//
// When the relation is built only from unconditional direct types,
// computed relations, tuple-to-userset and unions, reachability within
// the depth bound is the answer and the candidates are not checked one
// by one; an object that only a longer chain reaches fails the listing
// with [ErrResolutionDepth], as Check would.
func (s *Service) ListObjects(ctx context.Context, org string,
	req ListObjectsRequest) (ListPage, error) {
	cm, err := s.compiled(ctx, org, req.ModelID)
	if err != nil {
		return ListPage{}, err
	}
	user, err := cm.validateQuery(req.Type+":x", req.Relation, req.User)
	if err != nil {
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
	cands, deepest, err := r.reverse(user, req.Type, req.Relation)
	if err != nil {
		return ListPage{}, err
	}
	check := func(obj string) (bool, error) { return r.check(obj, req.Relation, user, 0) }
	if !r.sawCondition && cm.monotone(req.Type, req.Relation, map[typeRel]bool{}) {
		// Without intersections, exclusions and conditions, holding the
		// relation is exactly being reachable within the depth bound.
		if deepest > r.maxDepth {
			return ListPage{}, fmt.Errorf("%w: an object is %d steps from the user, more than %d",
				ErrResolutionDepth, deepest, r.maxDepth)
		}
		check = func(string) (bool, error) { return true, nil }
	}
	return page(cands, cur.After, req.Limit, check)
}

// monotone reports whether a relation is defined, all the way down, by
// direct assignments without conditions, computed relations, tuple-to-
// userset and unions only.
func (cm *compiledModel) monotone(typ, rel string, visiting map[typeRel]bool) bool {
	k := typeRel{typ, rel}
	if visiting[k] {
		return true // a cycle adds nothing that the rest does not decide
	}
	visiting[k] = true
	ri := cm.lookup(typ, rel)
	return ri != nil && cm.monotoneRewrite(typ, &ri.def.Rewrite, visiting)
}

func (cm *compiledModel) monotoneRewrite(typ string, w *Rewrite, visiting map[typeRel]bool) bool {
	switch w.Op {
	case OpDirect:
		for _, ref := range w.Types {
			if ref.Condition != "" || (ref.Relation != "" && !cm.monotone(ref.Type, ref.Relation, visiting)) {
				return false
			}
		}
		return true
	case OpComputed:
		return cm.monotone(typ, w.Relation, visiting)
	case OpTupleToUserset:
		for _, ref := range cm.lookup(typ, w.Tupleset).direct {
			if ref.Condition != "" {
				return false
			}
			if cm.lookup(ref.Type, w.Relation) != nil && !cm.monotone(ref.Type, w.Relation, visiting) {
				return false
			}
		}
		return true
	case OpUnion:
		for i := range w.Children {
			if !cm.monotoneRewrite(typ, &w.Children[i], visiting) {
				return false
			}
		}
		return true
	}
	return false
}

// page checks the sorted candidates after the cursor and returns up to
// limit of those that pass.
func page(cands []string, after string, limit int, check func(string) (bool, error)) (ListPage,
	error) {
	slices.Sort(cands)
	i, _ := slices.BinarySearch(cands, after)
	if after != "" && i < len(cands) && cands[i] == after {
		i++
	}
	out := ListPage{Items: []string{}}
	for ; i < len(cands); i++ {
		if limit > 0 && len(out.Items) == limit {
			out.Cursor = httpjson.EncodeCursor(listCursor{After: out.Items[limit-1]})
			break
		}
		ok, err := check(cands[i])
		if err != nil {
			return ListPage{}, fmt.Errorf("authz: checking %s: %w", cands[i], err)
		}
		if ok {
			out.Items = append(out.Items, cands[i])
		}
	}
	return out, nil
}

// node is an object and relation reached while walking the graph.
type node struct{ object, relation string }

// reverse finds every object of typ on which user might hold rel: those
// reachable backwards along the model's edges from the tuples that name
// the user. It over-approximates intersections and exclusions; the
// caller checks each candidate. It also returns the largest number of
// steps from the user to a candidate along a shortest path: each edge is
// one step of resolution, as in Check.
func (r *resolver) reverse(user userRef, typ, rel string) ([]string, int, error) {
	g := r.cm.graph()
	seen := map[node]int{} // node -> steps from the user
	var queue []node
	steps := 0 // of the nodes visit is called for
	visit := func(n node) {
		if _, ok := seen[n]; !ok {
			seen[n] = steps
			queue = append(queue, n)
		}
	}
	starts := []string{user.String()}
	if user.rel == "" && !user.wildcard() {
		starts = append(starts, user.typ+":*")
	} else if user.rel != "" {
		visit(node{user.object(), user.rel})
	}
	for _, u := range starts {
		ur, _ := parseUser(u)
		if err := r.objectsOf(u, g.direct[ur.key()], visit); err != nil {
			return nil, 0, err
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		steps = seen[n] + 1
		if err := r.step(g, n, visit); err != nil {
			return nil, 0, err
		}
	}
	var out []string
	deepest := 0
	prefix := typ + ":"
	for n, d := range seen {
		if n.relation == rel && strings.HasPrefix(n.object, prefix) {
			out = append(out, n.object)
			deepest = max(deepest, d)
		}
	}
	return out, deepest, nil
}

// step visits the nodes that holding n leads to.
func (r *resolver) step(g *graph, n node, visit func(node)) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	typ, _, _ := strings.Cut(n.object, ":")
	for _, e := range g.from[typeRel{typ, n.relation}] {
		var err error
		switch e.kind {
		case edgeComputed:
			visit(node{n.object, e.rel})
		case edgeUserset:
			err = r.objectsOf(n.object+"#"+n.relation, []edge{e}, visit)
		case edgeTTU:
			err = r.objectsOf(n.object, []edge{{typ: e.typ, rel: e.tupleset}}, func(p node) {
				visit(node{p.object, e.rel})
			})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// objectsOf visits object#relation for every tuple naming user exactly on
// one of the edges' type and relation.
func (r *resolver) objectsOf(user string, edges []edge, visit func(node)) error {
	for _, e := range edges {
		for _, t := range r.extra {
			if t.User == user && t.Relation == e.rel && strings.HasPrefix(t.Object, e.typ+":") {
				r.sawCondition = r.sawCondition || t.Condition != nil
				visit(node{t.Object, e.rel})
			}
		}
		ts, err := r.readAll(Filter{User: user, ObjectType: e.typ, Relation: e.rel}, nil)
		if err != nil {
			return err
		}
		for _, t := range ts {
			r.sawCondition = r.sawCondition || t.Condition != nil
			visit(node{t.Object, e.rel})
		}
	}
	return nil
}
