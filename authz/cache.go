package authz

import (
	"sync"
	"time"
)

// maxCacheEntries bounds the check cache; when it is full it is emptied.
const maxCacheEntries = 100_000

// checkCache keeps recent check answers of one Service for
// Config.InsecureStaleCheckTTL. Writes through the same Service bump the
// organization's generation, which hides its older entries; writes
// through other instances are seen only when entries expire.
type checkCache struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[cacheKey]cacheEntry
	gens    map[string]uint64
}

type cacheKey struct {
	org, model, object, relation, user string
	gen                                uint64
}

type cacheEntry struct {
	allowed bool
	expires time.Time
}

func newCheckCache(ttl time.Duration) *checkCache {
	if ttl <= 0 {
		return nil
	}
	return &checkCache{ttl: ttl, entries: map[cacheKey]cacheEntry{}, gens: map[string]uint64{}}
}

// cacheable reports whether a request's answer depends only on stored
// tuples, so that it may be shared with later requests.
func cacheable(req CheckRequest) bool {
	return len(req.Context) == 0 && len(req.ContextualTuples) == 0
}

func (c *checkCache) key(org, model string, req CheckRequest) cacheKey {
	return cacheKey{org: org, model: model, object: req.Object, relation: req.Relation,
		user: req.User, gen: c.gens[org]}
}

// get returns the cached answer, if any, and the key to put a fresh one
// under. The key holds the generation from before the check, so that an
// answer computed across a write is stored where nobody will read it.
func (c *checkCache) get(org, model string, req CheckRequest, now time.Time) (k cacheKey, allowed, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k = c.key(org, model, req)
	e, found := c.entries[k]
	if !found || !now.Before(e.expires) {
		return k, false, false
	}
	return k, e.allowed, true
}

func (c *checkCache) put(k cacheKey, allowed bool, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCacheEntries {
		clear(c.entries)
	}
	c.entries[k] = cacheEntry{allowed: allowed, expires: now.Add(c.ttl)}
}

// invalidate hides every entry of the organization.
func (c *checkCache) invalidate(org string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gens[org]++
}
