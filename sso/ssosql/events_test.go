package ssosql_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssosql"
)

// TestEventsCommitOrder holds a connection update that wrote its event
// open while a later one writes an event and commits first: a reader must
// wait for the first, never see the second alone and move its cursor
// past the first (on PostgreSQL, readers take the outbox lock that every
// writer holds shared).
func TestEventsCommitOrder(t *testing.T) {
	t.Parallel()
	db := sqlkittest.Postgres(t)
	s := newStore(t, db)
	ctx := context.Background()
	first, second := connection("conn_1"), connection("conn_2")
	for _, c := range []*sso.Connection{first, second} {
		if err := s.CreateConnection(ctx, c); err != nil {
			t.Fatal(err)
		}
	}

	// The first writer appends its event, then waits for the row that
	// hold keeps locked.
	hold := lockRow(t, db, first.ID)
	done := make(chan error)
	go func() { done <- s.UpdateConnection(ctx, first, event("evt_first", first)) }()
	waitBlocked(t, db, hold)

	// The second writer is not held up by the first: they run side by side.
	if err := s.UpdateConnection(ctx, second, event("evt_second", second)); err != nil {
		t.Fatal(err)
	}
	read := make(chan []string)
	go func() {
		evs, err := s.Events(ctx, "", 10)
		if err != nil {
			t.Error(err)
		}
		read <- ids(evs)
	}()
	queued := sqlkittest.AdvisoryWaiter(t, db)
	if err := hold.tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := <-read; !slices.Equal(got, []string{"evt_first", "evt_second"}) {
		t.Fatalf("a read while the first writer was open saw %v, want [evt_first evt_second]", got)
	}
	if !queued {
		t.Fatal("the reader never waited for the outbox lock")
	}
	if got := pageByOne(t, s); !slices.Equal(got, []string{"evt_first", "evt_second"}) {
		t.Errorf("events = %v, want [evt_first evt_second]", got)
	}
}

// heldRow is a transaction that keeps a connection's row locked.
type heldRow struct {
	tx  *sql.Tx
	pid int
}

func lockRow(t *testing.T, db *sql.DB, id string) heldRow {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback() })
	var h heldRow
	h.tx = tx
	err = tx.QueryRowContext(ctx, `SELECT pg_backend_pid() FROM sso_connections
		WHERE id = $1 FOR UPDATE`, id).Scan(&h.pid)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// waitBlocked waits until a session waits for the transaction of h.
func waitBlocked(t *testing.T, db *sql.DB, h heldRow) {
	t.Helper()
	const q = `SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))`
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		var n int
		if err := db.QueryRow(q, h.pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("the first writer never waited for the locked row")
}

// pageByOne reads the outbox one event at a time and returns the IDs.
func pageByOne(t *testing.T, s *ssosql.Store) []string {
	t.Helper()
	var got []string
	after := ""
	for range 5 {
		evs, err := s.Events(context.Background(), after, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			got = append(got, e.ID)
			after = e.Cursor
		}
	}
	return got
}

func newStore(t *testing.T, db *sql.DB) *ssosql.Store {
	t.Helper()
	if err := ssosql.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	s, err := ssosql.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func connection(id string) *sso.Connection {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &sso.Connection{ID: id, OrganizationID: "org_1", Name: "Okta", Protocol: sso.ProtocolSAML,
		SAML: &sso.SAMLConfig{IdPEntityID: "https://idp.example", IdPSSOURL: "https://idp.example/sso",
			IdPCertificates: []string{"cert"}}, CreatedAt: now, UpdatedAt: now}
}

func event(id string, c *sso.Connection) sso.Event {
	return sso.Event{ID: id, Type: sso.EventConnectionUpdated, OrganizationID: c.OrganizationID,
		Time: c.UpdatedAt, Data: sso.ConnectionEvent{ConnectionID: c.ID, Protocol: c.Protocol}}
}

func ids(evs []sso.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}
