package authz

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// CheckRequest asks whether User holds Relation on Object.
type CheckRequest struct {
	Object   string `json:"object"`
	Relation string `json:"relation"`
	User     string `json:"user"`
	// Context gives condition parameters that the tuples leave open,
	// such as the current time or the caller's IP address. A tuple's own
	// context wins over the request's for a parameter both give.
	Context map[string]any `json:"context,omitempty"`
	// ContextualTuples are considered as if written, for this request only.
	ContextualTuples []Tuple `json:"contextual_tuples,omitempty"`
	// ModelID names a model version; "" is the latest.
	ModelID string `json:"model_id,omitempty"`
}

// Check reports whether the user holds the relation on the object. The
// answer is false unless a chain of tuples grants it (deny by default).
// It is an error, not a false answer, when the model does not define the
// relation, when resolution needs more than the maximum depth
// ([ErrResolutionDepth]) or when a condition that decides the answer lacks
// a parameter ([ErrMissingParameter]). Cycles in the data grant nothing
// and end. The answer does not depend on timing or on the order tuples
// were written.
func (s *Service) Check(ctx context.Context, org string, req CheckRequest) (bool, error) {
	if s.revs != nil && cacheable(req) {
		return s.checkCached(ctx, org, req)
	}
	cm, err := s.compiled(ctx, org, req.ModelID)
	if err != nil {
		return false, err
	}
	if s.cache == nil || !cacheable(req) {
		return s.checkWith(ctx, org, cm, req)
	}
	now := s.clock()
	key, ok, hit := s.cache.get(org, cm.id, req, now)
	if hit {
		return ok, nil
	}
	ok, err = s.checkWith(ctx, org, cm, req)
	if err == nil {
		s.cache.put(key, ok, now)
	}
	return ok, err
}

func (s *Service) checkWith(ctx context.Context, org string, cm *compiledModel,
	req CheckRequest) (bool, error) {
	user, err := cm.validateQuery(req.Object, req.Relation, req.User)
	if err != nil {
		return false, err
	}
	if err := cm.validateContextual(req.ContextualTuples); err != nil {
		return false, err
	}
	r := s.newResolver(ctx, org, cm, req.ContextualTuples, req.Context)
	return r.check(req.Object, req.Relation, user, 0)
}

// validateQuery checks the object, relation and user of a request.
func (cm *compiledModel) validateQuery(object, relation, user string) (userRef, error) {
	typ, _, err := SplitObject(object)
	if err != nil {
		return userRef{}, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	if cm.lookup(typ, relation) == nil {
		return userRef{}, fmt.Errorf("%w: type %q has no relation %q", ErrInvalidRequest, typ, relation)
	}
	u, err := parseUser(user)
	if err != nil {
		return userRef{}, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	if cm.types[u.typ] == nil {
		return userRef{}, fmt.Errorf("%w: user type %q is not defined", ErrInvalidRequest, u.typ)
	}
	if u.rel != "" && cm.lookup(u.typ, u.rel) == nil {
		return userRef{}, fmt.Errorf("%w: type %q has no relation %q", ErrInvalidRequest, u.typ, u.rel)
	}
	return u, nil
}

func (cm *compiledModel) validateContextual(ts []Tuple) error {
	if len(ts) > MaxContextualTuples {
		return fmt.Errorf("%w: at most %d contextual tuples", ErrInvalidRequest, MaxContextualTuples)
	}
	for _, t := range ts {
		if err := cm.validateWrite(t); err != nil {
			return fmt.Errorf("contextual tuple: %w", err)
		}
	}
	return nil
}

// CheckResult is the answer to one check of a batch.
type CheckResult struct {
	Allowed bool `json:"allowed"`
	// Err is why the check has no answer; Allowed is then false.
	Err error `json:"-"`
	// Error is Err's text, for JSON.
	Error string `json:"error,omitempty"`
}

// BatchCheck answers several checks against one model version (the one
// the first request names, or the latest), a few at a time in parallel,
// with the results in the order of the requests. An error of one check
// is reported in its result and does not fail the others.
func (s *Service) BatchCheck(ctx context.Context, org string,
	reqs []CheckRequest) ([]CheckResult, error) {
	if len(reqs) > MaxBatchChecks {
		return nil, fmt.Errorf("%w: at most %d checks in a batch", ErrInvalidRequest, MaxBatchChecks)
	}
	modelID := ""
	if len(reqs) > 0 {
		modelID = reqs[0].ModelID
	}
	cm, err := s.compiled(ctx, org, modelID)
	if err != nil {
		return nil, err
	}
	out := make([]CheckResult, len(reqs))
	sem := make(chan struct{}, batchParallelism)
	var wg sync.WaitGroup
	for i, req := range reqs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i] = s.batchOne(ctx, org, cm, modelID, req)
		})
	}
	wg.Wait()
	return out, nil
}

// batchParallelism bounds the checks of one batch that run at once.
const batchParallelism = 8

func (s *Service) batchOne(ctx context.Context, org string, cm *compiledModel, modelID string,
	req CheckRequest) CheckResult {
	var res CheckResult
	if req.ModelID != modelID {
		res.Err = fmt.Errorf("%w: checks of one batch use one model", ErrInvalidRequest)
	} else {
		res.Allowed, res.Err = s.checkWith(ctx, org, cm, req)
	}
	if res.Err != nil {
		res.Error = strings.TrimPrefix(res.Err.Error(), "authz: ")
	}
	return res
}
