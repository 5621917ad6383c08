package authz

import (
	"context"
	"fmt"
	"strings"
)

// resolver evaluates one request against a model, the store and the
// request's contextual tuples.
type resolver struct {
	ctx      context.Context
	store    Store
	org      string
	cm       *compiledModel
	extra    []Tuple // contextual tuples
	reqCtx   map[string]any
	maxDepth int
	path     []frame // the checks in progress, to stop cycles
	// sawCondition records that a listing walked a conditional tuple.
	sawCondition bool
	// trace, when tracing, collects the tuples of the chain that grants
	// the answer, innermost first.
	tracing bool
	trace   []Tuple
	// frames holds the first checks in progress without a heap
	// allocation; deeper ones go to path.
	frames  [8]frame
	nframes int
}

type frame struct{ object, relation, user string }

func (s *Service) newResolver(ctx context.Context, org string, cm *compiledModel,
	extra []Tuple, reqCtx map[string]any) *resolver {
	r := &resolver{ctx: ctx, store: s.store, org: org, cm: cm, extra: extra,
		reqCtx: reqCtx, maxDepth: s.maxDepth}
	return r
}

// read returns every tuple on object#relation (only usersets when asked),
// from the contextual tuples and the store, reading all pages.
func (r *resolver) read(object, relation string, usersetsOnly bool) ([]Tuple, error) {
	var out []Tuple
	for _, t := range r.extra {
		if t.Object == object && t.Relation == relation && (!usersetsOnly || strings.Contains(t.User, "#")) {
			out = append(out, t)
		}
	}
	typ, id, _ := strings.Cut(object, ":")
	f := Filter{ObjectType: typ, ObjectID: id, Relation: relation, UsersetsOnly: usersetsOnly}
	return r.readAll(f, out)
}

// readAll appends every tuple matching f to out, page by page.
func (r *resolver) readAll(f Filter, out []Tuple) ([]Tuple, error) {
	cursor := ""
	for {
		page, next, err := r.store.Read(r.ctx, r.org, f, cursor, 0)
		if err != nil {
			return nil, fmt.Errorf("authz: reading tuples: %w", err)
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

// holds reports whether t's condition, if any, is true in this request.
func (r *resolver) holds(t Tuple) (bool, error) {
	if t.Condition == nil {
		return true, nil
	}
	cc := r.cm.conds[t.Condition.Name]
	if cc == nil {
		// The model no longer defines the condition: the tuple grants nothing.
		return false, nil
	}
	return cc.eval(t.Condition.Context, r.reqCtx)
}

// allowedNow reports whether the current model still allows a tuple of
// this user form on the relation; tuples written under an older model
// that no longer fit are ignored, as OpenFGA does.
func allowedNow(ri *relInfo, user string) bool {
	u, err := parseUser(user)
	return err == nil && ri.allowed[u.key()]
}

func (r *resolver) onPath(object, relation, user string) bool {
	for i := range r.nframes {
		if f := &r.frames[i]; f.object == object && f.relation == relation && f.user == user {
			return true
		}
	}
	for _, f := range r.path {
		if f.object == object && f.relation == relation && f.user == user {
			return true
		}
	}
	return false
}

func (r *resolver) push(f frame) {
	if r.nframes < len(r.frames) && len(r.path) == 0 {
		r.frames[r.nframes] = f
		r.nframes++
		return
	}
	r.path = append(r.path, f)
}

func (r *resolver) pop() {
	if len(r.path) > 0 {
		r.path = r.path[:len(r.path)-1]
		return
	}
	r.nframes--
}

// check reports whether user holds relation on object.
func (r *resolver) check(object, relation string, user userRef, depth int) (bool, error) {
	if err := r.ctx.Err(); err != nil {
		return false, err
	}
	if depth > r.maxDepth {
		return false, fmt.Errorf("%w: more than %d steps resolving %s#%s", ErrResolutionDepth,
			r.maxDepth, object, relation)
	}
	if user.rel == relation && user.rel != "" && user.object() == object {
		return true, nil // a userset contains itself
	}
	typ, _, _ := strings.Cut(object, ":")
	ri := r.cm.lookup(typ, relation)
	if ri == nil {
		return false, nil
	}
	us := user.String()
	if r.onPath(object, relation, us) {
		return false, nil // a cycle in the data grants nothing
	}
	r.push(frame{object, relation, us})
	ok, err := r.rewrite(ri, object, &ri.def.Rewrite, user, depth)
	r.pop()
	return ok, err
}

func (r *resolver) rewrite(ri *relInfo, object string, w *Rewrite, user userRef,
	depth int) (bool, error) {
	mark := len(r.trace)
	ok, err := r.rewriteOp(ri, object, w, user, depth)
	if !ok {
		r.trace = r.trace[:mark] // a branch that failed explains nothing
	}
	return ok, err
}

// grant records t in the trace of a granted answer.
func (r *resolver) grant(t Tuple) {
	if r.tracing {
		r.trace = append(r.trace, t)
	}
}

func (r *resolver) rewriteOp(ri *relInfo, object string, w *Rewrite, user userRef,
	depth int) (bool, error) {
	switch w.Op {
	case OpDirect:
		return r.direct(ri, object, user, depth)
	case OpComputed:
		return r.check(object, w.Relation, user, depth+1)
	case OpTupleToUserset:
		return r.tupleToUserset(ri, object, w, user, depth)
	case OpUnion:
		var firstErr error
		for i := range w.Children {
			ok, err := r.rewrite(ri, object, &w.Children[i], user, depth)
			if ok {
				return true, nil
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}
		return false, firstErr
	case OpIntersection:
		var firstErr error
		for i := range w.Children {
			ok, err := r.rewrite(ri, object, &w.Children[i], user, depth)
			if err != nil && firstErr == nil {
				firstErr = err
			} else if err == nil && !ok {
				return false, nil
			}
		}
		return firstErr == nil, firstErr
	case OpExclusion:
		return r.exclusion(ri, object, w, user, depth)
	}
	return false, fmt.Errorf("authz: unknown rewrite operator %d", w.Op)
}

func (r *resolver) exclusion(ri *relInfo, object string, w *Rewrite, user userRef,
	depth int) (bool, error) {
	base, err := r.rewrite(ri, object, &w.Children[0], user, depth)
	if err != nil || !base {
		return false, err
	}
	mark := len(r.trace)
	sub, err := r.rewrite(ri, object, &w.Children[1], user, depth)
	r.trace = r.trace[:mark] // what the subtracted side found does not grant
	if err != nil {
		return false, err
	}
	return !sub, nil
}

// readDirect returns the tuples that can decide a direct assignment for
// user: see [Store.ReadDirect]. Contextual tuples come first.
func (r *resolver) readDirect(object, relation, user string) ([]Tuple, error) {
	var out []Tuple
	wild, hasWild := wildcardOf(user)
	for _, t := range r.extra {
		if t.Object == object && t.Relation == relation &&
			(t.User == user || (hasWild && t.User == wild) || strings.Contains(t.User, "#")) {
			out = append(out, t)
		}
	}
	ts, err := r.store.ReadDirect(r.ctx, r.org, object, relation, user)
	if err != nil {
		return nil, fmt.Errorf("authz: reading tuples: %w", err)
	}
	if out == nil {
		return ts, nil
	}
	return append(out, ts...), nil
}

// direct resolves a direct assignment: a tuple naming the user itself, the
// wildcard of its type, or a userset that contains the user.
func (r *resolver) direct(ri *relInfo, object string, user userRef, depth int) (bool, error) {
	us := user.String()
	ts, err := r.readDirect(object, ri.name, us)
	if err != nil {
		return false, err
	}
	var firstErr error
	note := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	for _, t := range ts {
		if strings.Contains(t.User, "#") && t.User != us || !allowedNow(ri, t.User) {
			continue
		}
		ok, err := r.holds(t)
		if ok {
			r.grant(t)
			return true, nil
		}
		note(err)
	}
	for _, t := range ts {
		if !strings.Contains(t.User, "#") || t.User == us || !allowedNow(ri, t.User) {
			continue
		}
		ok, err := r.holds(t)
		if err == nil && ok {
			obj, rel, _ := strings.Cut(t.User, "#")
			ok, err = r.check(obj, rel, user, depth+1)
		}
		if ok {
			r.grant(t)
			return true, nil
		}
		note(err)
	}
	return false, firstErr
}

// tupleToUserset resolves "relation from tupleset": the user holds the
// relation on one of the objects that the tupleset relates.
func (r *resolver) tupleToUserset(ri *relInfo, object string, w *Rewrite, user userRef,
	depth int) (bool, error) {
	typ, _, _ := strings.Cut(object, ":")
	ts := r.cm.lookup(typ, w.Tupleset)
	tuples, err := r.read(object, w.Tupleset, false)
	if err != nil {
		return false, err
	}
	var firstErr error
	for _, t := range tuples {
		if !allowedNow(ts, t.User) {
			continue
		}
		ok, err := r.holds(t)
		if err == nil && ok {
			ok, err = r.check(t.User, w.Relation, user, depth+1)
		}
		if ok {
			r.grant(t)
			return true, nil
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return false, firstErr
}
