package audit_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/audit"
)

// bigLog records n events into a memory store, in batches.
func bigLog(b *testing.B, n int) *audit.Service {
	b.Helper()
	s, _ := newService(b, audit.Config{})
	batch := make([]audit.Event, 0, 1000)
	for i := range n {
		batch = append(batch, testEvent("org_1", i))
		if len(batch) == cap(batch) || i == n-1 {
			if err := s.RecordBatch(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	return s
}

// syntheticStore serves a log of n events that it makes up on demand,
// so that benchmarks of export see the export's memory, not the log's.
type syntheticStore struct {
	*audit.MemoryStore
	tree  audit.Tree
	nodes map[audit.NodeID][]byte // from level 10 up, for the export's hints
}

func syntheticEvent(i uint64) []byte {
	e := testEvent("org_1", int(i))
	e.ID = "evt_01JD" + fmt.Sprintf("%022d", i)
	e.SchemaVersion = 1
	data, _ := audit.MarshalCanonical(&e)
	return data
}

func newSynthetic(b *testing.B, n uint64) *syntheticStore {
	st := &syntheticStore{MemoryStore: audit.NewMemoryStore(), nodes: map[audit.NodeID][]byte{}}
	leaves := make([][]byte, 0, 1000)
	for i := uint64(0); i < n; i++ {
		leaves = append(leaves, syntheticEvent(i))
		if len(leaves) == cap(leaves) || i == n-1 {
			tree, nodes, err := st.tree.Append(leaves)
			if err != nil {
				b.Fatal(err)
			}
			st.tree = tree
			for _, n := range nodes {
				if n.ID.Level >= audit.HintLevel {
					st.nodes[n.ID] = n.Hash
				}
			}
			leaves = leaves[:0]
		}
	}
	return st
}

func (s *syntheticStore) Head(context.Context, string) (audit.Head, error) {
	return audit.Head{Tree: s.tree}, nil
}

func (s *syntheticStore) Nodes(_ context.Context, _ string, ids []audit.NodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		if out[i] = s.nodes[id]; out[i] == nil {
			return nil, audit.ErrNotFound
		}
	}
	return out, nil
}

func (s *syntheticStore) Leaves(_ context.Context, _ string, from uint64, limit int) ([]audit.Entry, error) {
	var out []audit.Entry
	for i := from; i < s.tree.Size && len(out) < limit; i++ {
		out = append(out, audit.Entry{Index: i, Data: syntheticEvent(i)})
	}
	return out, nil
}

var (
	millionOnce sync.Once
	millionSvc  *audit.Service
	millionExp  []byte
)

func million(b *testing.B) (*audit.Service, []byte) {
	millionOnce.Do(func() {
		millionSvc, _ = newService(b, audit.Config{Store: newSynthetic(b, 1_000_000)})
		millionExp = export(b, millionSvc, "org_1", audit.ExportOptions{})
	})
	return millionSvc, millionExp
}

// BenchmarkVerify1M verifies an export of 1,000,000 events.
func BenchmarkVerify1M(b *testing.B) {
	s, exp := million(b)
	v := verifier(b, s)
	b.SetBytes(int64(len(exp)))
	b.ResetTimer()
	for b.Loop() {
		rep, err := audit.Verify(bytes.NewReader(exp), v, nil)
		if err != nil || !rep.OK() {
			b.Fatal(err, rep.Problems)
		}
	}
	b.ReportMetric(float64(b.N)*1e6/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkExport exports 100,000 and 1,000,000 events to io.Discard and
// reports the peak heap in use while it runs, which does not grow with the
// count.
func BenchmarkExport(b *testing.B) {
	for _, n := range []uint64{100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s, _ := newService(b, audit.Config{Store: newSynthetic(b, n)})
			runtime.GC()
			var peak atomic.Uint64
			stop := make(chan struct{})
			go samplePeak(&peak, stop)
			for b.Loop() {
				if err := s.Export(context.Background(), io.Discard, "org_1", audit.ExportOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			close(stop)
			b.ReportMetric(float64(b.N)*float64(n)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
		})
	}
}

func samplePeak(peak *atomic.Uint64, stop chan struct{}) {
	var m runtime.MemStats
	for {
		select {
		case <-stop:
			return
		case <-time.After(5 * time.Millisecond):
		}
		runtime.ReadMemStats(&m)
		if m.HeapInuse > peak.Load() {
			peak.Store(m.HeapInuse)
		}
	}
}

func BenchmarkMarshalCanonical(b *testing.B) {
	e := testEvent("org_1", 1)
	e.ID = "evt_01JD0000000000000000000000"
	e.SchemaVersion = 1
	e.Metadata = map[string]any{"method": "saml", "attempt": 2}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := audit.MarshalCanonical(&e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecordMemory(b *testing.B) {
	s, _ := newService(b, audit.Config{})
	e := testEvent("org_1", 1)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Record(context.Background(), e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQueryMemory(b *testing.B) {
	s := bigLog(b, 10_000)
	q := audit.Query{ActorID: "user_1", Limit: 50}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Query(context.Background(), "org_1", q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInclusionProof(b *testing.B) {
	s := bigLog(b, 100_000)
	b.ReportAllocs()
	i := uint64(0)
	for b.Loop() {
		i = (i + 7919) % 100_000
		if _, err := s.InclusionProof(context.Background(), "org_1", i, 100_000); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHandlerList(b *testing.B) {
	s, _ := newService(b, audit.Config{Organization: func(*http.Request) (string, error) {
		return "org_1", nil
	}})
	recordN(b, s, "org_1", 0, 2000, nil)
	h := s.Handler()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/events?limit=50&actor=user_1", nil))
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}
