package scimsql_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
	"github.com/gatehouse/gatehouse/scim"
	"github.com/gatehouse/gatehouse/scim/scimsql"
)

// BenchmarkParallelCreate creates users through the handler from eight
// goroutines, each in a directory of its own organization, as several
// customers' identity providers do at once. On PostgreSQL it shows
// whether writers of different directories wait for each other.
func BenchmarkParallelCreate(b *testing.B) {
	db := sqlkittest.Postgres(b)
	ctx := context.Background()
	if err := scimsql.Migrate(ctx, db); err != nil {
		b.Fatal(err)
	}
	store, _ := scimsql.New(db)
	svc, _ := scim.New(scim.Config{Store: store})
	const dirs = 8
	tokens := make([]string, dirs)
	for i := range tokens {
		org := fmt.Sprintf("org_%d", i)
		d, _ := svc.CreateDirectory(ctx, org, "bench")
		_, sec, err := svc.IssueToken(ctx, org, d.ID, "bench")
		if err != nil {
			b.Fatal(err)
		}
		tokens[i] = sec.Reveal()
	}
	h := svc.Handler()
	var worker, seq atomic.Int64
	b.SetParallelism(dirs / 2) // 2 cores: eight goroutines
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		token := tokens[int(worker.Add(1)-1)%dirs]
		for pb.Next() {
			n := seq.Add(1)
			req := httptest.NewRequest("POST", "/Users",
				strings.NewReader(fmt.Sprintf(`{"userName":"u%d@example.com"}`, n)))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/scim+json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusCreated {
				b.Errorf("create: %d %s", rec.Code, rec.Body)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}
