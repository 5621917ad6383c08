package scimsql_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
	"github.com/gatehouse/gatehouse/scim"
)

// TestEventsCommitOrder holds a transaction that wrote an event open
// while a later one writes an event and commits first: a reader must
// wait for the first, never see the second alone and move its cursor
// past the first (on PostgreSQL, readers take the outbox lock that every
// writer holds shared).
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
	// The second writer is not held up by the first: they run side by side.
	if err := s.Update(ctx, "dir_a", func(tx scim.Tx) error {
		return tx.Emit(ctx, scim.Event{ID: "evt_second", Type: scim.EventUserCreated,
			Payload: scim.UserEvent{UserID: "usr_2"}})
	}); err != nil {
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
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := <-read; !slices.Equal(got, []string{"evt_first", "evt_second"}) {
		t.Fatalf("a read while the first writer was open saw %v, want [evt_first evt_second]", got)
	}
	if !queued {
		t.Fatal("the reader never waited for the outbox lock")
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
