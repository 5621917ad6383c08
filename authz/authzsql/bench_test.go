package authzsql_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/authz/authzsql"
	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
)

// benchTuples mirrors the data of package authz's benchmarks: n tuples,
// among them a document reached through a parent folder and three levels
// of nested groups.
func benchTuples(n int) []authz.Tuple {
	tp := func(o, r, u string) authz.Tuple { return authz.Tuple{Object: o, Relation: r, User: u} }
	ts := []authz.Tuple{
		tp("group:g3", "member", "user:anne"),
		tp("group:g2", "member", "group:g3#member"),
		tp("group:g1", "member", "group:g2#member"),
		tp("folder:shared", "viewer", "group:g1#member"),
		tp("document:target", "parent", "folder:shared"),
		tp("document:direct", "viewer", "user:dan"),
		tp("group:listers", "member", "user:lister"),
	}
	for i := 0; i < 10_000 && len(ts) < n; i++ {
		ts = append(ts, tp(fmt.Sprintf("document:listed%05d", i), "viewer", "group:listers#member"))
	}
	seen := map[authz.Tuple]bool{}
	for i := 0; len(ts) < n; i++ {
		var t authz.Tuple
		switch i % 4 {
		case 0:
			t = tp(fmt.Sprintf("document:d%d", i), "parent", fmt.Sprintf("folder:f%d", i%5000))
		case 1:
			t = tp(fmt.Sprintf("document:d%d", i-1), "viewer", fmt.Sprintf("user:u%d", i%20000))
		case 2:
			t = tp(fmt.Sprintf("group:x%d", i%3000), "member", fmt.Sprintf("user:u%d", i))
		case 3:
			t = tp(fmt.Sprintf("folder:f%d", i%5000), "viewer", fmt.Sprintf("group:x%d#member", i%3000))
		}
		if !seen[t] {
			seen[t] = true
			ts = append(ts, t)
		}
	}
	return ts
}

// bulkLoad inserts tuples straight into the table, in one transaction,
// without the change log: it sets up data, it is not what is measured.
func bulkLoad(b *testing.B, db *sql.DB, ts []authz.Tuple) {
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	kit, err := sqlkit.Wrap(db)
	if err != nil {
		b.Fatal(err)
	}
	stmt, err := tx.Prepare(kit.Rebind(`INSERT INTO authz_tuples (org, object_type, object_id, relation, user_type,
		user_id, user_relation, condition_name) VALUES ('org', ?, ?, ?, ?, ?, ?, '')`))
	if err != nil {
		b.Fatal(err)
	}
	for _, t := range ts {
		otyp, oid, _ := strings.Cut(t.Object, ":")
		uobj, urel, _ := strings.Cut(t.User, "#")
		utyp, uid, _ := strings.Cut(uobj, ":")
		if _, err := stmt.Exec(otyp, oid, t.Relation, utyp, uid, urel); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

const benchModel = `model
  schema 1.1
type user
type group
  relations
    define member: [user, group#member]
type folder
  relations
    define owner: [user]
    define parent: [folder]
    define viewer: [user, user:*, group#member] or owner or viewer from parent
type document
  relations
    define owner: [user]
    define parent: [folder]
    define editor: [user, group#member] or owner
    define viewer: [user, user:*, group#member] or editor or viewer from parent
`

var (
	benchServices sync.Map
	benchStores   sync.Map // tuple count to *authzsql.Store
	benchDirs     []string
	benchStore    *authzsql.Store
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range benchDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func benchService(b *testing.B, n int) *authz.Service {
	if s, ok := benchServices.Load(n); ok {
		return s.(*authz.Service)
	}
	// The database outlives the sub-benchmark that made it; TestMain
	// removes it.
	dir, err := os.MkdirTemp("", "authzsql-bench")
	if err != nil {
		b.Fatal(err)
	}
	benchDirs = append(benchDirs, dir)
	db, err := sqlkit.OpenSQLite(filepath.Join(dir, "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	store := newStore(b, db)
	benchStore = store // the store of the last size set up
	benchStores.Store(n, store)
	bulkLoad(b, db, benchTuples(n))
	s, err := authz.New(authz.Config{Store: store})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.WriteModelDSL(context.Background(), "org", benchModel); err != nil {
		b.Fatal(err)
	}
	benchServices.Store(n, s)
	return s
}

func benchCheck(b *testing.B, req authz.CheckRequest) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("tuples=%d", n), func(b *testing.B) {
			s := benchService(b, n)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if ok, err := s.Check(ctx, "org", req); err != nil || !ok {
					b.Fatalf("Check = %v, %v", ok, err)
				}
			}
		})
	}
}

// BenchmarkSQLiteCheckDirect is a Check answered by one direct tuple.
func BenchmarkSQLiteCheckDirect(b *testing.B) {
	benchCheck(b, authz.CheckRequest{Object: "document:direct", Relation: "viewer", User: "user:dan"})
}

// BenchmarkSQLiteCheckNested is a Check through a parent folder and three
// levels of nested groups (target: under 500 µs among 1,000,000 tuples).
func BenchmarkSQLiteCheckNested(b *testing.B) {
	benchCheck(b, authz.CheckRequest{Object: "document:target", Relation: "viewer", User: "user:anne"})
}

// BenchmarkSQLiteCheckNestedCached is CheckNested through the check
// cache keyed by the organization's revision (Config.CheckCacheSize): a
// repeated check reads the revision and nothing else.
func BenchmarkSQLiteCheckNestedCached(b *testing.B) {
	benchService(b, 100_000)
	store, _ := benchStores.Load(100_000)
	s, err := authz.New(authz.Config{Store: store.(*authzsql.Store), CheckCacheSize: 10_000})
	if err != nil {
		b.Fatal(err)
	}
	req := authz.CheckRequest{Object: "document:target", Relation: "viewer", User: "user:anne"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := s.Check(ctx, "org", req); err != nil || !ok {
			b.Fatalf("Check = %v, %v", ok, err)
		}
	}
}

// BenchmarkSQLiteStoreOps measures the store calls a Check makes.
func BenchmarkSQLiteStoreOps(b *testing.B) {
	benchService(b, 10_000)
	st := benchStore
	ctx := context.Background()
	b.Run("Lookup", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok, err := st.Lookup(ctx, "org", "document:direct", "viewer", "user:dan"); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("ReadDirect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ts, err := st.ReadDirect(ctx, "org", "document:direct", "viewer", "user:dan"); len(ts) != 1 || err != nil {
				b.Fatal(ts, err)
			}
		}
	})
	b.Run("LatestModel", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := st.Model(ctx, "org", ""); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSQLiteListObjects lists the 10,000 documents shared with a
// group the user is in.
func BenchmarkSQLiteListObjects(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("tuples=%d", n), func(b *testing.B) {
			s := benchService(b, n)
			ctx := context.Background()
			req := authz.ListObjectsRequest{Type: "document", Relation: "viewer", User: "user:lister"}
			want := min(10_000, n-7)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if p, err := s.ListObjects(ctx, "org", req); err != nil || len(p.Items) != want {
					b.Fatalf("ListObjects = %d, %v", len(p.Items), err)
				}
			}
		})
	}
}

// BenchmarkSQLiteWrite writes batches of one and of 100 tuples through
// the Service, each batch one transaction with its change log entries.
func BenchmarkSQLiteWrite(b *testing.B) {
	s := benchService(b, 10_000)
	ctx := context.Background()
	for _, size := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				batch := make([]authz.Tuple, size)
				for j := range batch {
					n++
					batch[j] = authz.Tuple{Object: fmt.Sprintf("document:w%d-%d", size, n), Relation: "viewer", User: "user:writer"}
				}
				if err := s.Write(ctx, "org", authz.WriteRequest{Writes: batch}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPostgresCheckNested is CheckNested on PostgreSQL (skipped
// without GATEHOUSE_TEST_POSTGRES).
func BenchmarkPostgresCheckNested(b *testing.B) {
	db := sqlkittest.Postgres(b)
	store := newStore(b, db)
	s, err := authz.New(authz.Config{Store: store})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.WriteModelDSL(ctx, "org", benchModel); err != nil {
		b.Fatal(err)
	}
	loaded := 0
	for _, n := range []int{10_000, 100_000} {
		ts := benchTuples(n)
		bulkLoad(b, db, ts[loaded:])
		loaded = len(ts)
		b.Run(fmt.Sprintf("tuples=%d", n), func(b *testing.B) {
			req := authz.CheckRequest{Object: "document:target", Relation: "viewer", User: "user:anne"}
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := s.Check(ctx, "org", req); err != nil || !ok {
					b.Fatalf("Check = %v, %v", ok, err)
				}
			}
		})
	}
	b.Run("cached", func(b *testing.B) {
		cached, err := authz.New(authz.Config{Store: store, CheckCacheSize: 10_000})
		if err != nil {
			b.Fatal(err)
		}
		req := authz.CheckRequest{Object: "document:target", Relation: "viewer", User: "user:anne"}
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := cached.Check(ctx, "org", req); err != nil || !ok {
				b.Fatalf("Check = %v, %v", ok, err)
			}
		}
	})
}
