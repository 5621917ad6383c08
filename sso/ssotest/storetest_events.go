package ssotest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// connEvent returns an event that reports a change of c.
func connEvent(id, typ string, c *sso.Connection) sso.Event {
	return sso.Event{ID: id, Type: typ, OrganizationID: c.OrganizationID,
		Time: t0.Add(time.Minute), Data: sso.ConnectionEvent{ConnectionID: c.ID,
			Protocol: c.Protocol, Name: c.Name, Enabled: c.Enabled}}
}

// allEvents reads the whole outbox, limit events at a time, and checks
// that each event has a cursor.
func allEvents(t *testing.T, s sso.Store, limit int) []sso.Event {
	t.Helper()
	var out []sso.Event
	after := ""
	for range 1000 {
		evs, err := s.Events(context.Background(), after, limit)
		must(t, err)
		if len(evs) > limit {
			t.Fatalf("Events(%q, %d) returned %d events", after, limit, len(evs))
		}
		if len(evs) == 0 {
			return out
		}
		for _, e := range evs {
			if e.Cursor == "" || e.Cursor == after {
				t.Fatalf("event %s has cursor %q after %q", e.ID, e.Cursor, after)
			}
			after = e.Cursor
		}
		out = append(out, evs...)
	}
	t.Fatal("Events never reached the end of the outbox")
	return nil
}

var ignoreCursor = cmpopts.IgnoreFields(sso.Event{}, "Cursor")

// testEventsWithChange checks that each change writes its events, with
// their organization and typed payload, and that a refused change writes
// none.
func testEventsWithChange(t *testing.T, s sso.Store) {
	ctx := context.Background()
	a, b := sampleConnection("org_a", "conn_1"), oidcConnection("org_b", "conn_2")
	want := []sso.Event{connEvent("evt_1", sso.EventConnectionCreated, a)}
	must(t, s.CreateConnection(ctx, a, want[0]))
	wantErr(t, s.CreateConnection(ctx, a, connEvent("evt_dup", sso.EventConnectionCreated, a)),
		sso.ErrConflict, "creating a taken ID")
	want = append(want, connEvent("evt_2", sso.EventConnectionCreated, b))
	must(t, s.CreateConnection(ctx, b, want[1]))

	a.Enabled = false
	want = append(want, connEvent("evt_3", sso.EventConnectionUpdated, a))
	must(t, s.UpdateConnection(ctx, a, want[2]))
	must(t, s.UpdateConnection(ctx, a)) // no event
	other := sampleConnection("org_b", "conn_1")
	wantErr(t, s.UpdateConnection(ctx, other, connEvent("evt_x", sso.EventConnectionUpdated, other)),
		sso.ErrNotFound, "updating another organization's connection")
	missing := sampleConnection("org_a", "conn_x")
	wantErr(t, s.UpdateConnection(ctx, missing,
		connEvent("evt_y", sso.EventConnectionUpdated, missing)),
		sso.ErrNotFound, "updating a missing connection")

	wantErr(t, s.DeleteConnection(ctx, "org_a", "conn_2",
		connEvent("evt_z", sso.EventConnectionDeleted, b)), sso.ErrNotFound,
		"deleting another organization's connection")
	want = append(want, connEvent("evt_4", sso.EventConnectionDeleted, b))
	must(t, s.DeleteConnection(ctx, "org_b", "conn_2", want[3]))

	got := allEvents(t, s, 10)
	if diff := cmp.Diff(want, got, ignoreCursor); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// testEventsPaging checks that cursors page through the outbox in order,
// that several events of one change keep their order, and that a
// malformed cursor is refused.
func testEventsPaging(t *testing.T, s sso.Store) {
	ctx := context.Background()
	var want []sso.Event
	for i := range 4 {
		c := sampleConnection("org_a", fmt.Sprintf("conn_%d", i))
		evs := []sso.Event{connEvent(fmt.Sprintf("evt_%da", i), sso.EventConnectionCreated, c),
			connEvent(fmt.Sprintf("evt_%db", i), sso.EventConnectionUpdated, c)}
		must(t, s.CreateConnection(ctx, c, evs...))
		want = append(want, evs...)
	}
	for _, limit := range []int{1, 3, 8, 100} {
		if diff := cmp.Diff(want, allEvents(t, s, limit), ignoreCursor); diff != "" {
			t.Errorf("events read %d at a time (-want +got):\n%s", limit, diff)
		}
	}
	page, err := s.Events(ctx, "", 3)
	must(t, err)
	rest, err := s.Events(ctx, page[2].Cursor, 100)
	must(t, err)
	if len(rest) != len(want)-3 || rest[0].ID != want[3].ID {
		t.Errorf("events after the third: %d, want %d starting with %s", len(rest), len(want)-3,
			want[3].ID)
	}
	if _, err := s.Events(ctx, "not a cursor", 10); err == nil {
		t.Error("a malformed cursor was accepted")
	}
}

// testEventsConcurrent checks that writers side by side lose no event and
// write each once.
func testEventsConcurrent(t *testing.T, s sso.Store) {
	ctx := context.Background()
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c := sampleConnection(fmt.Sprintf("org_%d", i%3), fmt.Sprintf("conn_%02d", i))
			if err := s.CreateConnection(ctx, c,
				connEvent(fmt.Sprintf("evt_%02d", i), sso.EventConnectionCreated, c)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, e := range allEvents(t, s, 5) {
		d, ok := e.Data.(sso.ConnectionEvent)
		if !ok || seen[e.ID] || "evt_"+d.ConnectionID[len("conn_"):] != e.ID {
			t.Errorf("unexpected or repeated event %+v", e)
		}
		seen[e.ID] = true
	}
	if len(seen) != n {
		t.Errorf("%d events, want %d", len(seen), n)
	}
}
