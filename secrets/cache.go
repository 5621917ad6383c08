package secrets

import (
	"crypto/cipher"
	"sync"
	"time"
)

// keyCache keeps unwrapped data keys, ready as AEADs, for a bounded time
// and count. Entries are evicted oldest first when the cache is full. It
// is keyed by the wrapped key, which is unique to each data key.
type keyCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	now     func() time.Time
	entries map[string]cacheEntry
	order   []string // ring of keys in insertion order
	next    int
}

type cacheEntry struct {
	keyID   string
	aead    cipher.AEAD
	expires time.Time
}

func newKeyCache(ttl time.Duration, size int, now func() time.Time) *keyCache {
	return &keyCache{ttl: ttl, now: now, entries: make(map[string]cacheEntry, size),
		order: make([]string, size)}
}

func (c *keyCache) get(keyID string, wrapped []byte) (cipher.AEAD, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[string(wrapped)]
	if !ok || e.keyID != keyID || !c.now().Before(e.expires) {
		return nil, false
	}
	return e.aead, true
}

func (c *keyCache) put(keyID string, wrapped []byte, aead cipher.AEAD) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := string(wrapped)
	if _, ok := c.entries[k]; ok { // refresh in place; its ring slot stays
		c.entries[k] = cacheEntry{keyID: keyID, aead: aead, expires: c.now().Add(c.ttl)}
		return
	}
	if old := c.order[c.next]; old != "" {
		delete(c.entries, old)
	}
	c.order[c.next] = k
	c.next = (c.next + 1) % len(c.order)
	c.entries[k] = cacheEntry{keyID: keyID, aead: aead, expires: c.now().Add(c.ttl)}
}

func (c *keyCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
