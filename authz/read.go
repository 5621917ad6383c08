package authz

import (
	"context"
	"fmt"
)

// MaxPageSize bounds the page sizes that callers may ask for.
const MaxPageSize = 1000

func pageSize(limit int) int {
	if limit <= 0 || limit > MaxPageSize {
		return MaxPageSize
	}
	return limit
}

// Read returns a page of the organization's tuples matching f, in a
// stable order, and the cursor of the next page ("" at the end). A limit
// of zero or above [MaxPageSize] means MaxPageSize.
func (s *Service) Read(ctx context.Context, org string, f Filter, cursor string,
	limit int) ([]Tuple, string, error) {
	if f.ObjectID != "" && f.ObjectType == "" {
		return nil, "", fmt.Errorf("%w: a filter on object ID needs the object type", ErrInvalidRequest)
	}
	ts, next, err := s.store.Read(ctx, org, f, cursor, pageSize(limit))
	if err != nil {
		return nil, "", fmt.Errorf("authz: reading tuples: %w", err)
	}
	return ts, next, nil
}

// ReadChanges returns the organization's change log after cursor ("" from
// the start), oldest first, and the cursor to continue from, so that a
// host can mirror or watch the tuples. At the end of the log the returned
// cursor is the one to poll with later.
func (s *Service) ReadChanges(ctx context.Context, org, cursor string, limit int) ([]Change,
	string, error) {
	cs, next, err := s.store.Changes(ctx, org, cursor, pageSize(limit))
	if err != nil {
		return nil, "", fmt.Errorf("authz: reading changes: %w", err)
	}
	return cs, next, nil
}

// DeleteMatching deletes, in one atomic batch, every tuple matching f and
// returns how many it deleted. A filter that matches everything is
// refused; name at least an object type, relation or user. Tuples written
// while it runs may survive.
func (s *Service) DeleteMatching(ctx context.Context, org string, f Filter) (int, error) {
	if f == (Filter{}) {
		return 0, fmt.Errorf("%w: refusing to delete every tuple with an empty filter", ErrInvalidRequest)
	}
	r := &resolver{ctx: ctx, store: s.store, org: org}
	ts, err := r.readAll(f, nil)
	if err != nil || len(ts) == 0 {
		return 0, err
	}
	b := WriteBatch{Deletes: keysOf(ts), IgnoreMissing: true, Time: s.clock().UTC()}
	if err := s.store.Write(ctx, org, b); err != nil {
		return 0, fmt.Errorf("authz: deleting tuples: %w", err)
	}
	s.invalidate(org)
	return len(ts), nil
}

// Models lists the organization's model versions, newest first, a page at
// a time.
func (s *Service) Models(ctx context.Context, org, cursor string, limit int) ([]StoredModel,
	string, error) {
	ms, next, err := s.store.Models(ctx, org, cursor, pageSize(limit))
	if err != nil {
		return nil, "", fmt.Errorf("authz: listing models: %w", err)
	}
	return ms, next, nil
}

// Events reads the outbox of tuple changes of every organization after
// cursor ("" from the start), oldest first, so that a host can forward
// them (to the audit log, say) at least once: each change is written in
// the same transaction as the tuples. At the end the returned cursor is
// the one to poll with later.
func (s *Service) Events(ctx context.Context, cursor string, limit int) ([]Event, string, error) {
	es, next, err := s.store.Events(ctx, cursor, pageSize(limit))
	if err != nil {
		return nil, "", fmt.Errorf("authz: reading events: %w", err)
	}
	return es, next, nil
}
