package secrets_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/secrets"
)

// BenchmarkGetCached reads a secret whose data key is in the cache, from
// the memory store (target: under 5 µs).
func BenchmarkGetCached(b *testing.B) {
	f := newFixture(b, nil)
	f.put(b, "org1", "db", "correct horse battery staple")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.Get(ctx, "org1", "db", secrets.GetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetUncached reads a secret with the cache off, so each read
// unwraps its data key with the local key ring.
func BenchmarkGetUncached(b *testing.B) {
	f := newFixture(b, noCache)
	f.put(b, "org1", "db", "correct horse battery staple")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.Get(ctx, "org1", "db", secrets.GetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPut writes a new version of a secret.
func BenchmarkPut(b *testing.B) {
	f := newFixture(b, nil)
	ctx := context.Background()
	v := secrets.NewStringValue("correct horse battery staple")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.Put(ctx, "org1", "db", v, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyAPIKey verifies a valid key against the memory store
// (target: under 2 µs).
func BenchmarkVerifyAPIKey(b *testing.B) {
	f := newKeyFixture(b, "acme")
	tok := string(f.issue(b, "org1", alice, "read").Token.Reveal())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.VerifyAPIKey(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyBadChecksum rejects a token whose checksum is wrong
// (target: under 200 ns).
func BenchmarkVerifyBadChecksum(b *testing.B) {
	f := newKeyFixture(b, "acme")
	tok := string(f.issue(b, "org1", alice).Token.Reveal())
	bad := tok[:len(tok)-1] + string(rune(tok[len(tok)-1])^1)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.VerifyAPIKey(ctx, bad); err == nil {
			b.Fatal("accepted")
		}
	}
}

// BenchmarkSeal and BenchmarkOpen measure the Sealer on a 32-byte secret.
func BenchmarkSeal(b *testing.B) {
	s := newSealer(b, mustRing(b, secrets.GenerateMasterKey()))
	pt, ad := make([]byte, 32), []byte("org1/conn_1")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Seal(context.Background(), pt, ad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	s := newSealer(b, mustRing(b, secrets.GenerateMasterKey()))
	ad := []byte("org1/conn_1")
	blob, _ := s.Seal(context.Background(), make([]byte, 32), ad)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Open(context.Background(), blob, ad); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRewrap100k rewraps 100,000 secrets in the memory store from
// key 1 to key 2 and reports secrets per second.
func BenchmarkRewrap100k(b *testing.B) {
	const n = 100_000
	k1, k2 := secrets.GenerateMasterKey(), secrets.GenerateMasterKey()
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		store := secrets.NewMemoryStore()
		old, _ := secrets.New(secrets.Config{Store: store,
			Keys: mustRing(b, "1:"+k1), CacheTTL: -1})
		v := secrets.NewStringValue("value")
		for i := range n {
			if _, err := old.Put(ctx, fmt.Sprintf("org%d", i%10),
				fmt.Sprintf("s%06d", i), v, nil); err != nil {
				b.Fatal(err)
			}
		}
		both, _ := secrets.New(secrets.Config{Store: store, Keys: mustRing(b, "1:"+k1+",2:"+k2)})
		b.StartTimer()
		p, err := both.Rewrap(ctx, secrets.RewrapOptions{BatchSize: 1000})
		if err != nil || p.Rewrapped != n {
			b.Fatalf("Rewrap = %+v, %v", p, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "secrets/s")
}
