package authz

import (
	"context"
	"sync"
)

// revCache keeps Check answers of one Service keyed by the organization's
// [Store.Revision], which the Service reads on every cached Check: an
// answer is used only while nothing of the organization has changed
// since it was computed, on any instance, so read-your-writes holds.
// Each organization keeps the answers of its newest revision only.
type revCache struct {
	max  int
	mu   sync.Mutex
	size int
	orgs map[string]*revBucket
}

// revBucket is what one organization's current revision has cached.
type revBucket struct {
	rev     uint64
	latest  string // the latest model's ID at rev, "" until known
	answers map[answerKey]bool
}

type answerKey struct{ model, object, relation, user string }

func newRevCache(max int) *revCache {
	if max <= 0 {
		return nil
	}
	return &revCache{max: max, orgs: map[string]*revBucket{}}
}

// bucket returns org's bucket for rev, replacing an older one; nil when
// rev is older than the bucket's (a reader that lost a race with a
// write), whose answers must be neither used nor kept.
func (c *revCache) bucket(org string, rev uint64) *revBucket {
	b := c.orgs[org]
	switch {
	case b == nil || b.rev < rev:
		if b != nil {
			c.size -= len(b.answers)
		}
		b = &revBucket{rev: rev, answers: map[answerKey]bool{}}
		c.orgs[org] = b
	case b.rev > rev:
		return nil
	}
	return b
}

func (c *revCache) latest(org string, rev uint64) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b := c.bucket(org, rev); b != nil {
		return b.latest
	}
	return ""
}

func (c *revCache) setLatest(org string, rev uint64, model string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b := c.bucket(org, rev); b != nil {
		b.latest = model
	}
}

func (c *revCache) get(org string, rev uint64, k answerKey) (allowed, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b := c.bucket(org, rev); b != nil {
		allowed, ok = b.answers[k]
	}
	return allowed, ok
}

// put keeps an answer computed from data at least as new as rev. When
// the cache is full it starts again empty.
func (c *revCache) put(org string, rev uint64, k answerKey, allowed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size >= c.max {
		clear(c.orgs)
		c.size = 0
	}
	if b := c.bucket(org, rev); b != nil {
		if _, had := b.answers[k]; !had {
			c.size++
		}
		b.answers[k] = allowed
	}
}

// checkCached answers a cacheable Check through the revision cache: one
// Store read of the revision, and on a hit nothing else.
func (s *Service) checkCached(ctx context.Context, org string, req CheckRequest) (bool, error) {
	rev, err := s.store.Revision(ctx, org)
	if err != nil {
		return false, err
	}
	model := req.ModelID
	if model == "" {
		model = s.revs.latest(org, rev)
	}
	k := answerKey{model: model, object: req.Object, relation: req.Relation, user: req.User}
	if model != "" {
		if allowed, ok := s.revs.get(org, rev, k); ok {
			return allowed, nil
		}
	}
	cm, err := s.compiled(ctx, org, req.ModelID)
	if err != nil {
		return false, err
	}
	if req.ModelID == "" {
		s.revs.setLatest(org, rev, cm.id)
	}
	allowed, err := s.checkWith(ctx, org, cm, req)
	if err == nil {
		k.model = cm.id
		s.revs.put(org, rev, k, allowed)
	}
	return allowed, err
}
