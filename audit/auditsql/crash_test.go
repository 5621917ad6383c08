package auditsql_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/gatehouse/gatehouse/audit/auditsql"
	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
)

var key = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{5}, 32))

func service(t testing.TB, st audit.Store) *audit.Service {
	t.Helper()
	s, err := audit.New(audit.Config{Store: st, Signer: key})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func seqEvent(seq int) audit.Event {
	return audit.Event{OrganizationID: "org_1", Action: "doc.read",
		Actor: audit.Actor{Type: "user", ID: "user_1"}, Metadata: map[string]any{"seq": seq}}
}

const childEnv = "AUDITSQL_CRASH_CHILD_DB"

// TestKillMidBatch kills a process that records as fast as it can and
// checks that every event whose Record returned survived, and that the
// log still verifies, on SQLite and on PostgreSQL.
func TestKillMidBatch(t *testing.T) {
	if spec := os.Getenv(childEnv); spec != "" {
		recordForever(t, spec)
		return
	}
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		killMidBatch(t, "sqlite:"+filepath.Join(t.TempDir(), "audit.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		db := sqlkittest.Postgres(t)
		var schema string
		if err := db.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(os.Getenv(sqlkittest.EnvPostgres))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		killMidBatch(t, "postgres:"+u.String())
	})
}

// openSpec opens "sqlite:<path>" or "postgres:<dsn>".
func openSpec(t *testing.T, spec string) *sql.DB {
	kind, target, _ := strings.Cut(spec, ":")
	open := sqlkit.OpenSQLite
	if kind == "postgres" {
		open = sqlkit.OpenPostgres
	}
	db, err := open(target)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func killMidBatch(t *testing.T, spec string) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillMidBatch$")
	cmd.Env = append(os.Environ(), childEnv+"="+spec)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[int]bool{}
	sc := bufio.NewScanner(out)
	for len(acked) < 500 && sc.Scan() {
		if n, err := strconv.Atoi(sc.Text()); err == nil {
			acked[n] = true
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if len(acked) < 500 {
		t.Fatalf("the child acknowledged only %d events", len(acked))
	}
	db := openSpec(t, spec)
	defer db.Close()
	checkSurvivors(t, db, acked)
}

func checkSurvivors(t *testing.T, db *sql.DB, acked map[int]bool) {
	st := newStore(t, db)
	s := service(t, st)
	found, err := s.Query(context.Background(), "org_1", audit.Query{Limit: 1000})
	for len(found) > 0 && err == nil {
		for _, e := range found {
			n, _ := strconv.Atoi(fmt.Sprint(e.Event.Metadata["seq"]))
			delete(acked, n)
		}
		last := found[len(found)-1]
		found, err = s.Query(context.Background(), "org_1", audit.Query{Limit: 1000,
			After: &audit.Position{Time: last.Event.Time, Index: last.Index}})
	}
	if err != nil || len(acked) > 0 {
		t.Fatalf("%d acknowledged events lost (%v)", len(acked), err)
	}
	var b bytes.Buffer
	if err := s.Export(context.Background(), &b, "org_1", audit.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	v, _ := audit.NewVerifier(s.VerifierKey())
	if rep, err := audit.Verify(&b, v, nil); err != nil || !rep.OK() {
		t.Fatalf("the log after the crash does not verify: %v %v", err, rep.Problems)
	}
}

// recordForever records from several goroutines through a Recorder and
// prints the sequence number of each event whose Record returned.
func recordForever(t *testing.T, spec string) {
	db := openSpec(t, spec)
	rec := service(t, newStore(t, db)).NewRecorder(audit.RecorderConfig{})
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for seq := w; ; seq += 8 {
				if err := rec.Record(context.Background(), seqEvent(seq)); err != nil {
					panic(err)
				}
				mu.Lock()
				fmt.Println(seq)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestSeveralInstancesOneTree records into one organization through
// several connection pools on one SQLite file, as several host processes
// would, and checks that the log is one tree.
func TestSeveralInstancesOneTree(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.db")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		db, err := sqlkit.OpenSQLite(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		st, _ := auditsql.New(db)
		if err := auditsql.Migrate(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		s := service(t, st)
		wg.Go(func() {
			for i := range 20 {
				if err := s.RecordBatch(context.Background(), []audit.Event{seqEvent(w*100 + i), seqEvent(w*100 + 50 + i)}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	db, _ := sqlkit.OpenSQLite(path)
	defer db.Close()
	s := service(t, newStore(t, db))
	var b bytes.Buffer
	if err := s.Export(context.Background(), &b, "org_1", audit.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	v, _ := audit.NewVerifier(s.VerifierKey())
	rep, err := audit.Verify(&b, v, nil)
	if err != nil || !rep.OK() || rep.Events != 160 {
		t.Fatalf("verify: %v, %v, %d events", err, rep.Problems, rep.Events)
	}
}
