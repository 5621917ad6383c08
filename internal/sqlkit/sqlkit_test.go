package sqlkit_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
)

var migrations = os.DirFS("testdata/migrations")

func wrap(t *testing.T, db *sql.DB) *sqlkit.DB {
	t.Helper()
	d, err := sqlkit.Wrap(db)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRebind(t *testing.T) {
	t.Parallel()
	pg := &sqlkit.DB{Dialect: sqlkit.Postgres}
	lite := &sqlkit.DB{Dialect: sqlkit.SQLite}
	q := `SELECT a FROM t WHERE b = ? AND c = '?' AND "d?" = ? OR e = ?`
	want := `SELECT a FROM t WHERE b = $1 AND c = '?' AND "d?" = $2 OR e = $3`
	if got := pg.Rebind(q); got != want {
		t.Errorf("postgres Rebind:\n got %s\nwant %s", got, want)
	}
	if got := lite.Rebind(q); got != q {
		t.Errorf("sqlite Rebind changed the query: %s", got)
	}
}

func TestWrapRejectsOtherDrivers(t *testing.T) {
	t.Parallel()
	if _, err := sqlkit.Wrap(nil); err == nil {
		t.Error("Wrap(nil) succeeded")
	}
}

func TestMigrateAndRoundTrip(t *testing.T) {
	t.Parallel()
	sqlkittest.Each(t, func(t *testing.T, raw *sql.DB) {
		t.Parallel()
		db := wrap(t, raw)
		ctx := context.Background()
		for range 2 { // the second run must find nothing to do
			if err := sqlkit.Migrate(ctx, db, "kit", migrations); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := db.QueryRow(db.Rebind(`SELECT count(*) FROM gatehouse_migrations WHERE package = ?`), "kit").Scan(&n); err != nil || n != 2 {
			t.Fatalf("recorded migrations = %d, %v; want 2", n, err)
		}

		when := time.Date(2026, 12, 3, 10, 11, 12, 123456789, time.FixedZone("x", 3600))
		ins := db.Rebind(`INSERT INTO kit_items (id, name, doc, blob, created_at) VALUES (?, ?, ?, ?, ?)`)
		if _, err := db.Exec(ins, "a", "Alice", `{"k":1}`, []byte{0, 1, 2}, db.Time(when)); err != nil {
			t.Fatal(err)
		}
		_, err := db.Exec(ins, "b", "ALICE", `{}`, nil, db.Time(when))
		if !sqlkit.IsUniqueViolation(err) {
			t.Errorf("case-insensitive duplicate: err = %v, want a unique violation", err)
		}

		var got sqlkit.Time
		var doc string
		var blob []byte
		q := db.Rebind(`SELECT created_at, doc, blob FROM kit_items WHERE lower(name) = lower(?)`)
		if err := db.QueryRow(q, "alice").Scan(&got, &doc, &blob); err != nil {
			t.Fatal(err)
		}
		if want := when.UTC().Truncate(time.Microsecond); !got.T.Equal(want) || got.T.Location() != time.UTC {
			t.Errorf("time = %v, want %v in UTC", got.T, want)
		}
		if len(blob) != 3 || blob[2] != 2 {
			t.Errorf("blob = %v", blob)
		}

		// Timestamps compare in SQL in time order.
		var later int
		cmp := db.Rebind(`SELECT count(*) FROM kit_items WHERE created_at > ?`)
		if err := db.QueryRow(cmp, db.Time(when.Add(-time.Microsecond))).Scan(&later); err != nil || later != 1 {
			t.Errorf("created_at > earlier: %d, %v", later, err)
		}
	})
}

func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	sqlkittest.Each(t, func(t *testing.T, raw *sql.DB) {
		t.Parallel()
		db := wrap(t, raw)
		var wg sync.WaitGroup
		errs := make(chan error, 6)
		for range 6 {
			wg.Go(func() { errs <- sqlkit.Migrate(context.Background(), db, "kit", migrations) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM kit_counter`).Scan(&n); err != nil || n != 1 {
			t.Errorf("kit_counter rows = %d, %v; want 1 (applied once)", n, err)
		}
	})
}

func TestMigrateFailureChangesNothing(t *testing.T) {
	t.Parallel()
	bad := fstest.MapFS{
		"0001_ok.sql":  {Data: []byte(`CREATE TABLE kit_a (id TEXT PRIMARY KEY);`)},
		"0002_bad.sql": {Data: []byte(`CREATE TABLE kit_b (id TEXT PRIMARY KEY; nonsense`)},
	}
	sqlkittest.Each(t, func(t *testing.T, raw *sql.DB) {
		t.Parallel()
		db := wrap(t, raw)
		if err := sqlkit.Migrate(context.Background(), db, "bad", bad); err == nil {
			t.Fatal("Migrate with a broken migration succeeded")
		}
		if _, err := db.Exec(`SELECT count(*) FROM kit_a`); err == nil {
			t.Error("kit_a exists after a failed migration run")
		}
	})
}

func TestLoadMigrationsRejectsBadNames(t *testing.T) {
	t.Parallel()
	for name, fsys := range map[string]fstest.MapFS{
		"no number": {"create.sql": {}},
		"zero":      {"0000_x.sql": {}},
		"duplicate": {"0001_a.sql": {}, "1_b.sql": {}},
	} {
		if _, err := sqlkit.LoadMigrations(fsys); err == nil {
			t.Errorf("%s: LoadMigrations succeeded", name)
		}
	}
}

// TestInTxRetriesConflicts runs conflicting increments and checks that no
// increment is lost: on PostgreSQL at SERIALIZABLE, where the losers get
// serialization failures, and on SQLite with a tiny busy timeout, where
// they get SQLITE_BUSY.
func TestInTxRetriesConflicts(t *testing.T) {
	t.Parallel()
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		db := wrap(t, sqlkittest.Postgres(t))
		incrementConcurrently(t, db, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
	})
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		incrementConcurrently(t, wrap(t, sqlkittest.SQLite(t)), "")
	})
}

// TestInTxRetriesBusy holds SQLite's write lock from one connection while
// another, with a busy timeout of 1 ms, runs a transaction: its first
// attempt must meet SQLITE_BUSY, and a retry succeed once the lock is
// released.
func TestInTxRetriesBusy(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "busy.db")
	holder, err := sqlkit.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	ctx := context.Background()
	if err := sqlkit.Migrate(ctx, wrap(t, holder), "kit", migrations); err != nil {
		t.Fatal(err)
	}
	// Deferred transactions begin without the lock, so the UPDATE inside
	// the function is what meets SQLITE_BUSY.
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	db := wrap(t, raw)

	lock, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	// The lock is released only once the first attempt has met it, so
	// that a slow scheduler cannot let the first attempt through.
	firstTried, released := make(chan struct{}), make(chan struct{})
	go func() {
		<-firstTried
		_, _ = lock.ExecContext(ctx, "COMMIT")
		close(released)
	}()

	var calls atomic.Int32
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		n := calls.Add(1)
		_, err := tx.ExecContext(ctx, `UPDATE kit_counter SET n = n + 1`)
		if n == 1 {
			close(firstTried)
		}
		return err
	})
	<-released
	if err != nil {
		t.Fatalf("InTx while another connection held the lock: %v", err)
	}
	if calls.Load() < 2 {
		t.Errorf("the transaction ran %d times; it should have met SQLITE_BUSY and run again", calls.Load())
	}
}

func incrementConcurrently(t *testing.T, db *sqlkit.DB, setup string) {
	t.Helper()
	ctx := context.Background()
	if err := sqlkit.Migrate(ctx, db, "kit", migrations); err != nil {
		t.Fatal(err)
	}
	const workers, each = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Go(func() {
			for range each {
				errs <- db.InTx(ctx, func(tx *sql.Tx) error {
					if setup != "" {
						if _, err := tx.ExecContext(ctx, setup); err != nil {
							return err
						}
					}
					var n int
					if err := tx.QueryRowContext(ctx, `SELECT n FROM kit_counter`).Scan(&n); err != nil {
						return err
					}
					time.Sleep(time.Millisecond) // widen the window for conflicts
					_, err := tx.ExecContext(ctx, db.Rebind(`UPDATE kit_counter SET n = ?`), n+1)
					return err
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT n FROM kit_counter`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != workers*each {
		t.Errorf("counter = %d, want %d: an increment was lost", n, workers*each)
	}
}

func ExampleDB_Rebind() {
	db := &sqlkit.DB{Dialect: sqlkit.Postgres}
	fmt.Println(db.Rebind(`SELECT id FROM t WHERE org = ? AND name = ?`))
	// Output: SELECT id FROM t WHERE org = $1 AND name = $2
}
