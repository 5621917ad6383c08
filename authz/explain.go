package authz

import (
	"context"
	"slices"
)

// Explanation says why a check answered as it did.
type Explanation struct {
	Allowed bool `json:"allowed"`
	// Path, when allowed, is a chain of tuples that grants the relation,
	// from the object to the user: for example document:spec#parent@
	// folder:eng, folder:eng#viewer@group:eng#member, group:eng#member@
	// user:anne. Relations that the model computes from others (owner
	// implies editor) do not appear as tuples.
	Path []Tuple `json:"path,omitempty"`
	// Tree, when denied, is how the relation resolves on the object, three
	// levels deep (see [Service.Expand]), for showing what would grant it.
	Tree *Tree `json:"tree,omitempty"`
}

// Explain answers a check like [Service.Check] and says why: the chain of
// tuples that grants it, or the relation's expansion when denied. It is
// for admin pages, not hot paths.
func (s *Service) Explain(ctx context.Context, org string, req CheckRequest) (*Explanation, error) {
	cm, err := s.compiled(ctx, org, req.ModelID)
	if err != nil {
		return nil, err
	}
	user, err := cm.validateQuery(req.Object, req.Relation, req.User)
	if err != nil {
		return nil, err
	}
	if err := cm.validateContextual(req.ContextualTuples); err != nil {
		return nil, err
	}
	r := s.newResolver(ctx, org, cm, req.ContextualTuples, req.Context)
	r.tracing = true
	ok, err := r.check(req.Object, req.Relation, user, 0)
	if err != nil {
		return nil, err
	}
	if ok {
		path := slices.Clone(r.trace)
		slices.Reverse(path)
		return &Explanation{Allowed: true, Path: path}, nil
	}
	tree, err := s.Expand(ctx, org, ExpandRequest{Object: req.Object, Relation: req.Relation,
		ContextualTuples: req.ContextualTuples, ModelID: req.ModelID, Levels: 3})
	if err != nil {
		return nil, err
	}
	return &Explanation{Tree: tree}, nil
}
