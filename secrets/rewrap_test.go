package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/secrets"
)

func TestRewrapInterruptedAndResumed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k1, k2 := secrets.GenerateMasterKey(), secrets.GenerateMasterKey()
	store := secrets.NewMemoryStore()
	old, err := secrets.New(secrets.Config{Store: store, Keys: mustRing(t, "1:"+k1)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[[2]string]string{}
	for i := range 10 {
		org, name := fmt.Sprintf("org%d", i%3), fmt.Sprintf("s%02d", i)
		v := fmt.Sprintf("value-%d", i)
		if _, err := old.Put(ctx, org, name, secrets.NewStringValue(v), nil); err != nil {
			t.Fatal(err)
		}
		want[[2]string{org, name}] = v
	}

	both, err := secrets.New(secrets.Config{Store: store, Keys: mustRing(t, "1:"+k1+",2:"+k2)})
	if err != nil {
		t.Fatal(err)
	}
	// The first run is stopped after its first batch, as a deploy would.
	stopCtx, stop := context.WithCancel(ctx)
	var batches int
	p, err := both.Rewrap(stopCtx,
		secrets.RewrapOptions{BatchSize: 3, Progress: func(secrets.RewrapProgress) {
			batches++
			stop()
		}})
	if !errors.Is(err, context.Canceled) || p.Rewrapped != 3 || p.Remaining != 7 || p.Done || batches != 1 {
		t.Fatalf("interrupted run: %+v, %v after %d batches", p, err, batches)
	}
	// A write meanwhile lands under the new key already.
	if _, err := both.Put(ctx, "org0", "s00",
		secrets.NewStringValue("value-new"), nil); err != nil {
		t.Fatal(err)
	}
	want[[2]string{"org0", "s00"}] = "value-new"

	p, err = both.Rewrap(ctx, secrets.RewrapOptions{Cursor: p.Cursor, BatchSize: 3})
	if err != nil || !p.Done || p.Rewrapped != 7 || p.Failed != 0 || p.Remaining != 0 || p.KeyID != "local:2" {
		t.Fatalf("resumed run: %+v, %v; want 7 more rewrapped", p, err)
	}
	if p, err := both.Rewrap(ctx,
		secrets.RewrapOptions{}); err != nil || p.Rewrapped != 0 || !p.Done {
		t.Errorf("a run after completion: %+v, %v; want nothing to do", p, err)
	}

	// Key 1 can now be retired: every value opens under key 2 alone.
	onlyNew, err := secrets.New(secrets.Config{Store: store,
		Keys: mustRing(t, "2:"+k2), CacheTTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	for ref, v := range want {
		org, name := ref[0], ref[1]
		for _, ver := range versionsOf(t, onlyNew, org, name) {
			if _, err := onlyNew.Get(ctx, org, name, secrets.GetOptions{Version: ver}); err != nil {
				t.Errorf("%s/%s v%d under key 2 only: %v", org, name, ver, err)
			}
		}
		r, err := onlyNew.Get(ctx, org, name, secrets.GetOptions{})
		if err != nil || string(r.Value.Reveal()) != v {
			t.Errorf("%s/%s = %q, %v; want %q", org, name, r.Value.Reveal(), err, v)
		}
	}
}

func versionsOf(t *testing.T, s *secrets.Service, org, name string) []int {
	vs, err := s.Versions(context.Background(), org, name)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestRewrapSkipsWhatItCannotOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k1, k2 := secrets.GenerateMasterKey(), secrets.GenerateMasterKey()
	store := secrets.NewMemoryStore()
	old, _ := secrets.New(secrets.Config{Store: store, Keys: mustRing(t, "1:"+k1)})
	for _, n := range []string{"a", "b", "c"} {
		if _, err := old.Put(ctx, "org1", n, secrets.NewStringValue(n), nil); err != nil {
			t.Fatal(err)
		}
	}
	// b's wrapped key is altered in the database.
	v, _ := store.Version(ctx, "org1", "b", 1)
	v.WrappedKey[5] ^= 1
	planted := secrets.RewrapChange{Ref: secrets.VersionRef{OrganizationID: "org1", Name: "b",
		Version: 1},
		OldKeyID: "local:1", NewKeyID: "local:1", WrappedKey: v.WrappedKey}
	if n, err := store.Rewrap(ctx, []secrets.RewrapChange{planted}); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	both, _ := secrets.New(secrets.Config{Store: store, Keys: mustRing(t, "1:"+k1+",2:"+k2)})
	p, err := both.Rewrap(ctx, secrets.RewrapOptions{BatchSize: -5})
	if err != nil || p.Rewrapped != 2 || p.Failed != 1 || !p.Done {
		t.Errorf("Rewrap = %+v, %v; want 2 rewrapped and 1 failed", p, err)
	}
	got, _ := store.Version(ctx, "org1", "b", 1)
	if got.KeyID != "local:1" {
		t.Errorf("the unopenable version moved to %s", got.KeyID)
	}
	if _, err := both.Rewrap(ctx, secrets.RewrapOptions{Cursor: "garbage!"}); err == nil {
		t.Error("a malformed cursor was accepted")
	}
}
