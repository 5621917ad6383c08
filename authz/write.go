package authz

import (
	"context"
	"fmt"
)

// WriteRequest is a batch of tuple writes and deletes, applied atomically.
type WriteRequest struct {
	Writes  []Tuple `json:"writes,omitempty"`
	Deletes []Tuple `json:"deletes,omitempty"`
	// ModelID names the model version to validate against; "" is the latest.
	ModelID string `json:"model_id,omitempty"`
	// IgnoreDuplicates turns writes of existing tuples into no-ops.
	IgnoreDuplicates bool `json:"ignore_duplicates,omitempty"`
	// IgnoreMissing turns deletes of missing tuples into no-ops.
	IgnoreMissing bool `json:"ignore_missing,omitempty"`
}

// Write validates every tuple against the model and applies the batch
// atomically: on any error nothing is changed. Writes must fit the
// relation's directly related types (and name a condition the relation
// allows for that type, with context values of the declared types);
// deletes need only be well formed. Once Write returns, every Check on
// any Service sharing the Store sees the change.
func (s *Service) Write(ctx context.Context, org string, req WriteRequest) error {
	if n := len(req.Writes) + len(req.Deletes); n == 0 || n > MaxTuplesPerWrite {
		return fmt.Errorf("%w: a write holds 1 to %d tuples, not %d", ErrInvalidRequest, MaxTuplesPerWrite, n)
	}
	cm, err := s.compiled(ctx, org, req.ModelID)
	if err != nil {
		return err
	}
	seen := map[Tuple]bool{}
	for _, t := range req.Writes {
		if err := cm.validateWrite(t); err != nil {
			return err
		}
		if err := once(seen, t); err != nil {
			return err
		}
	}
	for _, t := range req.Deletes {
		if err := validateKey(t); err != nil {
			return err
		}
		if err := once(seen, t); err != nil {
			return err
		}
	}
	b := WriteBatch{Writes: req.Writes, Deletes: keysOf(req.Deletes), IgnoreDuplicates: req.IgnoreDuplicates,
		IgnoreMissing: req.IgnoreMissing, Time: s.clock().UTC()}
	if err := s.store.Write(ctx, org, b); err != nil {
		return fmt.Errorf("authz: writing tuples: %w", err)
	}
	s.invalidate(org)
	return nil
}

func once(seen map[Tuple]bool, t Tuple) error {
	if seen[t.Key()] {
		return fmt.Errorf("%w: %s appears twice in the batch", ErrInvalidRequest, t.Key())
	}
	seen[t.Key()] = true
	return nil
}

func keysOf(ts []Tuple) []Tuple {
	out := make([]Tuple, len(ts))
	for i, t := range ts {
		out[i] = t.Key()
	}
	return out
}

// validateKey checks the form of a tuple's object, relation and user.
func validateKey(t Tuple) error {
	if _, _, err := SplitObject(t.Object); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	if !validName(t.Relation) {
		return fmt.Errorf("%w: %q is not a relation name", ErrInvalidRequest, t.Relation)
	}
	if len(t.User) > maxTupleField {
		return fmt.Errorf("%w: user is longer than %d bytes", ErrInvalidRequest, maxTupleField)
	}
	if _, err := parseUser(t.User); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	return nil
}

// validateWrite checks that the model allows t.
func (cm *compiledModel) validateWrite(t Tuple) error {
	if err := validateKey(t); err != nil {
		return err
	}
	typ, _, _ := SplitObject(t.Object)
	u, _ := parseUser(t.User)
	ri := cm.lookup(typ, t.Relation)
	if ri == nil {
		return fmt.Errorf("%w: %s: type %q has no relation %q", ErrInvalidRequest, t, typ, t.Relation)
	}
	cond := ""
	if t.Condition != nil {
		cond = t.Condition.Name
	}
	for _, ref := range ri.direct {
		if refKey(ref) == u.key() && ref.Condition == cond {
			return cm.validateContext(t)
		}
	}
	if cond != "" {
		return fmt.Errorf("%w: %s: relation %s#%s does not allow %s with condition %q",
			ErrInvalidRequest, t, typ, t.Relation, u.key(), cond)
	}
	return fmt.Errorf("%w: %s: relation %s#%s does not allow users of the form %s",
		ErrInvalidRequest, t, typ, t.Relation, u.key())
}

// validateContext checks the types of the values a tuple gives its
// condition.
func (cm *compiledModel) validateContext(t Tuple) error {
	if t.Condition == nil {
		return nil
	}
	cc := cm.conds[t.Condition.Name]
	for name, v := range t.Condition.Context {
		typ, ok := cc.c.Parameters[name]
		if !ok {
			return fmt.Errorf("%w: %s: condition %q has no parameter %q", ErrInvalidRequest, t, cc.c.Name, name)
		}
		if _, err := convertParam(typ, v); err != nil {
			return fmt.Errorf("%w: %s: condition %q, parameter %q: %v", ErrInvalidRequest, t, cc.c.Name, name, err)
		}
	}
	return nil
}

// invalidate hides the organization's cached check answers after a write.
func (s *Service) invalidate(org string) {
	if s.cache != nil {
		s.cache.invalidate(org)
	}
}
