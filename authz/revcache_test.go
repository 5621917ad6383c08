package authz

import (
	"context"
	"sync/atomic"
	"testing"
)

// countingStore counts the tuple reads that resolving a check makes.
type countingStore struct {
	Store
	reads atomic.Int32
}

func (c *countingStore) ReadDirect(ctx context.Context, org, object, relation, user string) ([]Tuple, error) {
	c.reads.Add(1)
	return c.Store.ReadDirect(ctx, org, object, relation, user)
}

func (c *countingStore) Lookup(ctx context.Context, org, object, relation, user string) (Tuple, bool, error) {
	c.reads.Add(1)
	return c.Store.Lookup(ctx, org, object, relation, user)
}

// TestRevisionCacheAnswersFromCache checks that a repeated Check reads no
// tuples until the organization changes, and that a change through
// another instance is seen at once.
func TestRevisionCacheAnswersFromCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := &countingStore{Store: NewMemoryStore()}
	cached, err := New(Config{Store: store, CheckCacheSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := New(Config{Store: store})
	src := "model\n schema 1.1\ntype user\ntype doc\n relations\n  define viewer: [user]\n"
	if _, err := other.WriteModelDSL(ctx, "org", src); err != nil {
		t.Fatal(err)
	}
	grant := tup("doc:1", "viewer", "user:anne")
	if err := other.Write(ctx, "org", WriteRequest{Writes: []Tuple{grant}}); err != nil {
		t.Fatal(err)
	}
	req := CheckRequest{Object: "doc:1", Relation: "viewer", User: "user:anne"}
	check := func(want bool, why string) {
		t.Helper()
		if ok, err := cached.Check(ctx, "org", req); ok != want || err != nil {
			t.Errorf("%s: Check = %v, %v; want %v", why, ok, err, want)
		}
	}
	check(true, "first check")
	before := store.reads.Load()
	check(true, "repeated check")
	if n := store.reads.Load() - before; n != 0 {
		t.Errorf("a repeated check read %d tuples; want an answer from the cache", n)
	}
	if err := other.Write(ctx, "org", WriteRequest{Deletes: []Tuple{grant}}); err != nil {
		t.Fatal(err)
	}
	check(false, "after a revocation through another instance")
	if _, err := other.WriteModelDSL(ctx, "org", src+"  define editor: [user]\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := cached.Check(ctx, "org", CheckRequest{Object: "doc:1", Relation: "editor",
		User: "user:anne"}); err != nil {
		t.Errorf("a relation of a model written through another instance: %v", err)
	}
}

func TestRevisionCacheBuckets(t *testing.T) {
	t.Parallel()
	c := newRevCache(3)
	k := answerKey{model: "m", object: "doc:1", relation: "viewer", user: "user:a"}
	c.put("org", 5, k, true)
	if _, ok := c.get("org", 4, k); ok {
		t.Error("a reader of an older revision used a newer revision's answer")
	}
	if allowed, ok := c.get("org", 5, k); !ok || !allowed {
		t.Error("the answer of revision 5 was dropped by a reader of revision 4")
	}
	c.put("org", 4, k, false)
	if allowed, _ := c.get("org", 5, k); !allowed {
		t.Error("a writer of an older revision overwrote a newer answer")
	}
	if _, ok := c.get("org", 6, k); ok {
		t.Error("revision 6 used revision 5's answer")
	}
	for i, obj := range []string{"doc:2", "doc:3", "doc:4", "doc:5"} {
		c.put("org", 6, answerKey{model: "m", object: obj}, i%2 == 0)
	}
	if c.size > 3 {
		t.Errorf("the cache holds %d answers, over its bound of 3", c.size)
	}
	if _, err := New(Config{Store: NewMemoryStore(), CheckCacheSize: 1, InsecureStaleCheckTTL: 1}); err == nil {
		t.Error("both caches were accepted at once")
	}
}
