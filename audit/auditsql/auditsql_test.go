package auditsql_test

import (
	"bytes"
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/gatehouse/gatehouse/audit/auditsql"
	"github.com/gatehouse/gatehouse/audit/audittest"
	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
)

func newStore(t testing.TB, db *sql.DB) *auditsql.Store {
	t.Helper()
	if err := auditsql.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	st, err := auditsql.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestStoreSQLite(t *testing.T) {
	t.Parallel()
	audittest.TestStore(t, func(t *testing.T) audit.Store { return newStore(t, sqlkittest.SQLite(t)) })
}

func TestStorePostgres(t *testing.T) {
	t.Parallel()
	audittest.TestStore(t, func(t *testing.T) audit.Store { return newStore(t, sqlkittest.Postgres(t)) })
}

// TestExportFromSQLVerifies exports a log long enough to carry subtree
// hints, after retention, from both databases.
func TestExportFromSQLVerifies(t *testing.T) {
	t.Parallel()
	sqlkittest.Each(t, func(t *testing.T, db *sql.DB) {
		t.Parallel()
		s := service(t, newStore(t, db))
		for i := 0; i < 2100; i += 700 {
			batch := make([]audit.Event, 700)
			for j := range batch {
				batch[j] = seqEvent(i + j)
				batch[j].Time = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i+j) * time.Second)
			}
			if err := s.RecordBatch(context.Background(), batch); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Prune(context.Background(), "org_1", time.Date(2026, 1, 1, 0, 0, 3, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := s.Export(context.Background(), &b, "org_1", audit.ExportOptions{}); err != nil {
			t.Fatal(err)
		}
		hints := bytes.Count(b.Bytes(), []byte(`{"subtree":`))
		v, _ := audit.NewVerifier(s.VerifierKey())
		rep, err := audit.Verify(&b, v, nil)
		if err != nil || !rep.OK() || rep.Events != 2097 || hints != 1 {
			t.Errorf("verify: %v %v, %d events, %d hints; want 2097 events and 1 hint",
				err, rep.Problems, rep.Events, hints)
		}
	})
}
