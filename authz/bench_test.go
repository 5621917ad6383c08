package authz

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// benchSizes are the tuple counts the benchmarks run at, to show how
// costs grow.
var benchSizes = []int{10_000, 100_000, 1_000_000}

// BenchData returns the tuples of the benchmarks: n tuples in all, among
// them a document reached through a parent folder and three levels of
// nested groups, and 10,000 documents shared with one group.
func benchData(n int) []Tuple {
	ts := []Tuple{
		tup("group:g3", "member", "user:anne"),
		tup("group:g2", "member", "group:g3#member"),
		tup("group:g1", "member", "group:g2#member"),
		tup("folder:shared", "viewer", "group:g1#member"),
		tup("document:target", "parent", "folder:shared"),
		tup("document:direct", "viewer", "user:dan"),
		tup("group:listers", "member", "user:lister"),
	}
	for i := 0; i < 10_000 && len(ts) < n; i++ {
		ts = append(ts, tup(fmt.Sprintf("document:listed%05d", i), "viewer", "group:listers#member"))
	}
	for i := 0; len(ts) < n; i++ {
		switch i % 4 {
		case 0:
			ts = append(ts, tup(fmt.Sprintf("document:d%d", i), "parent", fmt.Sprintf("folder:f%d", i%5000)))
		case 1:
			ts = append(ts, tup(fmt.Sprintf("document:d%d", i-1), "viewer", fmt.Sprintf("user:u%d", i%20000)))
		case 2:
			ts = append(ts, tup(fmt.Sprintf("group:x%d", i%3000), "member", fmt.Sprintf("user:u%d", i)))
		case 3:
			ts = append(ts, tup(fmt.Sprintf("folder:f%d", i%5000), "viewer", fmt.Sprintf("group:x%d#member", i%3000)))
		}
	}
	return ts
}

// dedupe drops repeated tuples (the filler pattern repeats some).
func dedupe(ts []Tuple) []Tuple {
	seen := make(map[Tuple]bool, len(ts))
	out := ts[:0]
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

var benchServices sync.Map // size -> *Service

func benchService(b *testing.B, n int) *Service {
	if s, ok := benchServices.Load(n); ok {
		return s.(*Service)
	}
	s, err := New(Config{Store: NewMemoryStore()})
	if err != nil {
		b.Fatal(err)
	}
	src, err := os.ReadFile("testdata/models/drive.fga")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.WriteModelDSL(ctx, "org", string(src)); err != nil {
		b.Fatal(err)
	}
	ts := dedupe(benchData(n))
	for i := 0; i < len(ts); i += MaxTuplesPerWrite {
		batch := ts[i:min(i+MaxTuplesPerWrite, len(ts))]
		if err := s.Write(ctx, "org", WriteRequest{Writes: batch, IgnoreDuplicates: true}); err != nil {
			b.Fatal(err)
		}
	}
	benchServices.Store(n, s)
	return s
}

func benchCheck(b *testing.B, req CheckRequest, want bool) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("tuples=%d", n), func(b *testing.B) {
			s := benchService(b, n)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				ok, err := s.Check(ctx, "org", req)
				if err != nil || ok != want {
					b.Fatalf("Check = %v, %v", ok, err)
				}
			}
		})
	}
}

// BenchmarkCheckDirect is a Check answered by one direct tuple (target:
// under 1 µs).
func BenchmarkCheckDirect(b *testing.B) {
	benchCheck(b, CheckRequest{Object: "document:direct", Relation: "viewer", User: "user:dan"}, true)
}

// BenchmarkCheckNested is a Check through a parent folder and three
// levels of nested groups (target: under 20 µs among 1,000,000 tuples).
func BenchmarkCheckNested(b *testing.B) {
	benchCheck(b, CheckRequest{Object: "document:target", Relation: "viewer", User: "user:anne"}, true)
}

// BenchmarkCheckDenied is a Check that explores everything and says no.
func BenchmarkCheckDenied(b *testing.B) {
	benchCheck(b, CheckRequest{Object: "document:target", Relation: "viewer", User: "user:nobody"}, false)
}

// BenchmarkListObjects lists the 10,000 documents shared with a group
// the user is in (target: under 50 ms among 1,000,000 tuples). The
// relation is monotone, so no candidate needs a check.
func BenchmarkListObjects(b *testing.B) { benchList(b, "viewer") }

// BenchmarkListObjectsExclusion lists the same documents through
// "viewer but not blocked", which checks every candidate.
func BenchmarkListObjectsExclusion(b *testing.B) { benchList(b, "can_view") }

func benchList(b *testing.B, relation string) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("tuples=%d", n), func(b *testing.B) {
			s := benchService(b, n)
			ctx := context.Background()
			req := ListObjectsRequest{Type: "document", Relation: relation, User: "user:lister"}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				p, err := s.ListObjects(ctx, "org", req)
				if want := min(10_000, n-7); err != nil || len(p.Items) != want {
					b.Fatalf("ListObjects = %d, %v", len(p.Items), err)
				}
			}
		})
	}
}

// BenchmarkParseDSL parses the drive model.
func BenchmarkParseDSL(b *testing.B) {
	src, err := os.ReadFile("testdata/models/drive.fga")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDSL(string(src)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckNestedStaleCache is CheckNested answered from the
// opt-in InsecureStaleCheckTTL cache.
func BenchmarkCheckNestedStaleCache(b *testing.B) {
	s := benchService(b, 10_000)
	cached, err := New(Config{Store: s.store, InsecureStaleCheckTTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	req := CheckRequest{Object: "document:target", Relation: "viewer", User: "user:anne"}
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := cached.Check(ctx, "org", req); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkWrite writes one tuple per batch through the Service.
func BenchmarkWrite(b *testing.B) {
	s := benchService(b, 10_000)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		t := tup(fmt.Sprintf("document:w%d", i), "viewer", "user:writer")
		if err := s.Write(ctx, "org", WriteRequest{Writes: []Tuple{t}}); err != nil {
			b.Fatal(err)
		}
	}
}
