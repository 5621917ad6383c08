package authz

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestInsecureStaleCheckCache(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	store := NewMemoryStore()
	cached, _ := New(Config{Store: store, Clock: clock, InsecureStaleCheckTTL: time.Minute})
	other, _ := New(Config{Store: store, Clock: clock})
	ctx := context.Background()
	src := "model\n schema 1.1\ntype user\ntype doc\n relations\n  define viewer: [user]\n"
	if _, err := cached.WriteModelDSL(ctx, "org", src); err != nil {
		t.Fatal(err)
	}
	grant := tup("doc:1", "viewer", "user:anne")
	if err := cached.Write(ctx, "org", WriteRequest{Writes: []Tuple{grant}}); err != nil {
		t.Fatal(err)
	}
	req := CheckRequest{Object: "doc:1", Relation: "viewer", User: "user:anne"}
	check := func(s *Service, want bool, why string) {
		t.Helper()
		if ok, err := s.Check(ctx, "org", req); ok != want || err != nil {
			t.Errorf("%s: Check = %v, %v; want %v", why, ok, err, want)
		}
	}
	check(cached, true, "granted")

	// A revocation through another instance is seen only after the TTL.
	if err := other.Write(ctx, "org", WriteRequest{Deletes: []Tuple{grant}}); err != nil {
		t.Fatal(err)
	}
	check(other, false, "uncached instance after the revocation")
	check(cached, true, "cached instance within the TTL (the documented staleness)")
	advance(2 * time.Minute)
	check(cached, false, "cached instance after the TTL")

	// Writes through the caching instance take effect at once.
	if err := cached.Write(ctx, "org", WriteRequest{Writes: []Tuple{grant}}); err != nil {
		t.Fatal(err)
	}
	check(cached, true, "after its own write")
	if err := cached.Write(ctx, "org", WriteRequest{Deletes: []Tuple{grant}}); err != nil {
		t.Fatal(err)
	}
	check(cached, false, "after its own delete")

	// Requests with a context are not cached.
	if err := other.Write(ctx, "org", WriteRequest{Writes: []Tuple{grant}}); err != nil {
		t.Fatal(err)
	}
	req.Context = map[string]any{"x": 1}
	check(cached, true, "a request with a context reads the store")
}
