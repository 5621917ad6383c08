package secrets

import (
	"fmt"
	"testing"
	"time"
)

// TestKeyCacheBounds checks that the cache never holds more than its size
// and forgets entries after their time.
func TestKeyCacheBounds(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newKeyCache(time.Minute, 3, func() time.Time { return now })
	aead, err := newGCM(newDataKey())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		c.put("k", []byte(fmt.Sprint(i)), aead)
		if n := c.len(); n > 3 {
			t.Fatalf("after %d puts the cache holds %d entries, more than 3", i+1, n)
		}
	}
	if _, ok := c.get("k", []byte("9")); !ok {
		t.Error("the newest entry is missing")
	}
	if _, ok := c.get("k", []byte("0")); ok {
		t.Error("the oldest entry survived eviction")
	}
	if _, ok := c.get("other", []byte("9")); ok {
		t.Error("an entry answered for another key ID")
	}
	now = now.Add(time.Minute)
	if _, ok := c.get("k", []byte("9")); ok {
		t.Error("an expired entry was returned")
	}
	c.put("k", []byte("9"), aead) // refreshing keeps the count
	if _, ok := c.get("k", []byte("9")); !ok || c.len() != 3 {
		t.Errorf("refreshed entry: ok=%v, len=%d", ok, c.len())
	}
}
