package auditsql_test

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
)

func dialects(b *testing.B, f func(b *testing.B, db *sql.DB)) {
	b.Run("sqlite", func(b *testing.B) { f(b, sqlkittest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { f(b, sqlkittest.Postgres(b)) })
}

// BenchmarkRecorder records through the batching Recorder from four
// goroutines, the way a busy host would, and reports events per second.
func BenchmarkRecorder(b *testing.B) {
	dialects(b, func(b *testing.B, db *sql.DB) {
		rec := service(b, newStore(b, db)).NewRecorder(audit.RecorderConfig{})
		defer rec.Close(context.Background())
		e := seqEvent(1)
		runtime.GC()
		var peak atomic.Uint64
		stop := make(chan struct{})
		go samplePeak(&peak, stop)
		defer close(stop)
		b.ReportAllocs()
		b.ResetTimer()
		var wg sync.WaitGroup
		per := b.N/4 + 1
		for range 4 {
			wg.Go(func() {
				for range per {
					if err := rec.Enqueue(context.Background(), e); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if err := rec.Flush(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(4*per)/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	})
}

// samplePeak records the largest heap in use until stop is closed.
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

// BenchmarkRecordSync records one event per transaction, for comparison.
func BenchmarkRecordSync(b *testing.B) {
	dialects(b, func(b *testing.B, db *sql.DB) {
		s := service(b, newStore(b, db))
		e := seqEvent(1)
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Record(context.Background(), e); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}

// BenchmarkQuery lists one page of a 20,000-event log by each filter.
func BenchmarkQuery(b *testing.B) {
	dialects(b, func(b *testing.B, db *sql.DB) {
		s := service(b, newStore(b, db))
		for i := 0; i < 20_000; i += 1000 {
			batch := make([]audit.Event, 1000)
			for j := range batch {
				batch[j] = audit.Event{OrganizationID: "org_1", Action: fmt.Sprintf("a.%d", (i+j)%10),
					Actor:   audit.Actor{Type: "user", ID: fmt.Sprintf("user_%d", (i+j)%100)},
					Targets: []audit.Target{{Type: "doc", ID: fmt.Sprintf("doc_%d", (i+j)%1000)}}}
			}
			if err := s.RecordBatch(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
		}
		for _, q := range []struct {
			name string
			q    audit.Query
		}{
			{"newest", audit.Query{Limit: 50}},
			{"actor", audit.Query{ActorID: "user_7", Limit: 50}},
			{"action", audit.Query{Actions: []string{"a.3"}, Limit: 50}},
			{"target", audit.Query{TargetID: "doc_42", Limit: 50}},
		} {
			b.Run(q.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.Query(context.Background(), "org_1", q.q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}

// BenchmarkInclusionProof proves events of a 20,000-event log.
func BenchmarkInclusionProof(b *testing.B) {
	dialects(b, func(b *testing.B, db *sql.DB) {
		s := service(b, newStore(b, db))
		for i := 0; i < 20_000; i += 1000 {
			batch := make([]audit.Event, 1000)
			for j := range batch {
				batch[j] = seqEvent(i + j)
			}
			if err := s.RecordBatch(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		i := uint64(0)
		for b.Loop() {
			i = (i + 7919) % 20_000
			if _, err := s.InclusionProof(context.Background(), "org_1", i, 20_000); err != nil {
				b.Fatal(err)
			}
		}
	})
}
