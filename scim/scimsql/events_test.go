package scimsql_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
	"github.com/gatehouse/gatehouse/scim"
)

// TestEventsCommitOrder holds a transaction that wrote an event open while
// a later one tries to write one: a reader must never see the second event
// before the first (on PostgreSQL, the second writer waits for the
// first's event lock).
func TestEventsCommitOrder(t *testing.T) {
	t.Parallel()
	db := sqlkittest.Postgres(t)
	s := newStore(t, db)
	ctx := context.Background()
	newDirectory(t, s, "dir_a")

	emitted, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- s.Update(ctx, "dir_a", func(tx scim.Tx) error {
			if err := tx.Emit(ctx, scim.Event{ID: "evt_first", Type: scim.EventUserCreated,
				Payload: scim.UserEvent{UserID: "usr_1"}}); err != nil {
				return err
			}
			close(emitted)
			<-release
			return nil
		})
	}()
	<-emitted
	second := make(chan error)
	go func() {
		second <- s.Update(ctx, "dir_a", func(tx scim.Tx) error {
			return tx.Emit(ctx, scim.Event{ID: "evt_second", Type: scim.EventUserCreated,
				Payload: scim.UserEvent{UserID: "usr_2"}})
		})
	}()
	// Whatever the second writer has done by now, nothing is visible yet
	// ahead of the first event.
	if evs, err := s.Events(ctx, "", 10); err != nil || len(evs) != 0 {
		t.Fatalf("while the first transaction is open: %v, %v; want nothing", ids(evs), err)
	}
	close(release)
	for _, ch := range []chan error{done, second} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	after := ""
	for range 3 {
		evs, err := s.Events(ctx, after, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			got = append(got, e.ID)
			after = e.Cursor
		}
	}
	if !slices.Equal(got, []string{"evt_first", "evt_second"}) {
		t.Errorf("events = %v, want [evt_first evt_second]", got)
	}
}

func newDirectory(t *testing.T, s scim.Store, id string) {
	t.Helper()
	if err := s.CreateDirectory(context.Background(), &scim.Directory{ID: id, OrganizationID: "org_1",
		Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

func ids(evs []scim.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}
