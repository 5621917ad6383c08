package audit_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"math"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/google/go-cmp/cmp"
)

var testKey = ed25519.NewKeyFromSeed(make([]byte, 32))

func newService(t testing.TB, cfg audit.Config) (*audit.Service, *audit.MemoryStore) {
	t.Helper()
	st := audit.NewMemoryStore()
	if cfg.Store == nil {
		cfg.Store = st
	}
	if cfg.Signer == nil {
		cfg.Signer = testKey
	}
	s, err := audit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

func goodEvent() audit.Event {
	return audit.Event{
		OrganizationID: "org_1",
		Action:         "user.signed_in",
		Actor:          audit.Actor{Type: "user", ID: "user_1", Name: "Ada"},
		Targets:        []audit.Target{{Type: "connection", ID: "conn_1"}},
		Metadata:       map[string]any{"method": "saml", "attempt": 2},
	}
}

func TestRecordRefusesMalformedEvents(t *testing.T) {
	t.Parallel()
	schemas := audit.Schemas{"user.signed_in": {
		ActorTypes:  []string{"user"},
		TargetTypes: []string{"connection"},
		Metadata:    map[string]audit.Kind{"method": audit.String, "attempt": audit.Number},
		Required:    []string{"method"},
	}}
	long := strings.Repeat("x", audit.MaxStringLen+1)
	tests := []struct {
		name  string
		edit  func(e *audit.Event)
		field string
	}{
		{"no organization", func(e *audit.Event) { e.OrganizationID = "" }, "organization_id"},
		{"organization with a newline", func(e *audit.Event) { e.OrganizationID = "org\n1" }, "organization_id"},
		{"no action", func(e *audit.Event) { e.Action = "" }, "action"},
		{"upper-case action", func(e *audit.Event) { e.Action = "User.SignedIn" }, "action"},
		{"no actor type", func(e *audit.Event) { e.Actor.Type = "" }, "actor.type"},
		{"no actor id", func(e *audit.Event) { e.Actor.ID = "" }, "actor.id"},
		{"long actor name", func(e *audit.Event) { e.Actor.Name = long }, "actor.name"},
		{"target without id", func(e *audit.Event) { e.Targets[0].ID = "" }, "targets[0].id"},
		{"bad utf-8 user agent", func(e *audit.Event) { e.Context.UserAgent = "\xff" }, "context.user_agent"},
		{"not an IP", func(e *audit.Event) { e.Context.IP = "=cmd|' /C calc'!A0" }, "context.ip"},
		{"foreign id", func(e *audit.Event) { e.ID = "evt_../../x" }, "id"},
		{"channel in metadata", func(e *audit.Event) { e.Metadata["method"] = make(chan int) }, "metadata.method"},
		{"NaN in metadata", func(e *audit.Event) { e.Metadata["attempt"] = math.NaN() }, "metadata.attempt"},
		{"oversized metadata", func(e *audit.Event) { e.Actor.Metadata = bigMetadata() }, "metadata"},
		{"actor type not in schema", func(e *audit.Event) { e.Actor.Type = "api_key" }, "actor.type"},
		{"target type not in schema", func(e *audit.Event) { e.Targets[0].Type = "user" }, "targets[0].type"},
		{"missing required key", func(e *audit.Event) { delete(e.Metadata, "method") }, "metadata.method"},
		{"unknown metadata key", func(e *audit.Event) { e.Metadata["zzz"] = 1 }, "metadata.zzz"},
		{"wrong metadata kind", func(e *audit.Event) { e.Metadata["attempt"] = "two" }, "metadata.attempt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, st := newService(t, audit.Config{Schemas: schemas})
			e := goodEvent()
			tc.edit(&e)
			err := s.Record(context.Background(), e)
			var fe *audit.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Record = %v, want a *FieldError", err)
			}
			if !strings.HasPrefix(fe.Field, tc.field) {
				t.Errorf("error names %q, want %q (%v)", fe.Field, tc.field, err)
			}
			if head, _ := st.Head(context.Background(), e.OrganizationID); head.Tree.Size != 0 {
				t.Errorf("a refused event was written")
			}
		})
	}
}

func bigMetadata() map[string]any {
	md := map[string]any{}
	for i := range 63 {
		md[strings.Repeat("k", 10)+string(rune('A'+i))] = strings.Repeat("v", audit.MaxStringLen)
	}
	return md
}

func TestRecordBatchIsAllOrNothing(t *testing.T) {
	t.Parallel()
	s, st := newService(t, audit.Config{})
	bad := goodEvent()
	bad.Action = ""
	if err := s.RecordBatch(context.Background(), []audit.Event{goodEvent(), bad}); err == nil {
		t.Fatal("RecordBatch with a bad event succeeded")
	}
	if head, _ := st.Head(context.Background(), "org_1"); head.Tree.Size != 0 {
		t.Errorf("the good half of a refused batch was written")
	}
}

func TestUnregisteredActions(t *testing.T) {
	t.Parallel()
	strict, _ := newService(t, audit.Config{RefuseUnregistered: true})
	var fe *audit.FieldError
	if err := strict.Record(context.Background(), goodEvent()); !errors.As(err, &fe) || fe.Field != "action" {
		t.Errorf("strict Record of an unregistered action = %v, want an action error", err)
	}
	lenient, _ := newService(t, audit.Config{})
	if err := lenient.Record(context.Background(), goodEvent()); err != nil {
		t.Errorf("lenient Record = %v", err)
	}
}

func TestRecordFillsActorIDAndTime(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.FixedZone("x", 3600))
	s, st := newService(t, audit.Config{Clock: func() time.Time { return now }})
	ctx := audit.WithActor(context.Background(), audit.Actor{Type: "user", ID: "user_9"})
	e := goodEvent()
	e.Actor = audit.Actor{}
	if err := s.Record(ctx, e); err != nil {
		t.Fatal(err)
	}
	got, _ := st.Query(context.Background(), "org_1", audit.Query{})
	if len(got) != 1 {
		t.Fatalf("%d events", len(got))
	}
	ev := got[0].Event
	if ev.Actor.ID != "user_9" || !strings.HasPrefix(ev.ID, "evt_") || ev.SchemaVersion != 1 {
		t.Errorf("event = %+v", ev)
	}
	if want := now.UTC().Truncate(time.Microsecond); !ev.Time.Equal(want) {
		t.Errorf("time = %v, want %v", ev.Time, want)
	}
}

func TestRecordTakesTheActorFromTheHostsContext(t *testing.T) {
	t.Parallel()
	type hostUser struct{ id string }
	type key struct{}
	s, st := newService(t, audit.Config{Actor: func(ctx context.Context) (audit.Actor, bool) {
		u, ok := ctx.Value(key{}).(hostUser)
		return audit.Actor{Type: "user", ID: u.id}, ok
	}})
	e := goodEvent()
	e.Actor = audit.Actor{}
	ctx := context.WithValue(context.Background(), key{}, hostUser{"user_host"})
	if err := s.Record(ctx, e); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Query(ctx, "org_1", audit.Query{}); len(got) != 1 || got[0].Event.Actor.ID != "user_host" {
		t.Errorf("recorded %+v", got)
	}
	var fe *audit.FieldError
	if err := s.Record(context.Background(), e); !errors.As(err, &fe) || fe.Field != "actor.type" {
		t.Errorf("Record without any actor = %v, want an actor error", err)
	}
}

func TestCanonicalRoundTrip(t *testing.T) {
	t.Parallel()
	s, st := newService(t, audit.Config{})
	e := goodEvent()
	e.Metadata["nested"] = map[string]any{"b": []any{1.5, "<&>", nil, true}, "a": int64(1) << 60}
	if err := s.Record(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	leaves, _ := st.Leaves(context.Background(), "org_1", 0, 1)
	dec, err := audit.UnmarshalCanonical(leaves[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	again, err := audit.MarshalCanonical(&dec)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(leaves[0].Data), string(again)); diff != "" {
		t.Errorf("re-encoding changed the bytes (-stored +again):\n%s", diff)
	}
	if !strings.Contains(string(again), `"a":1152921504606846976`) || !strings.Contains(string(again), `"<&>"`) {
		t.Errorf("canonical form lost precision or escaped HTML: %s", again)
	}
}

func TestRequestContext(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name, remote string
		xff          []string
		trusted      []netip.Prefix
		want         string
	}{
		{"no proxy trusted ignores the header", "203.0.113.9:1234", []string{"198.51.100.1"}, nil, "203.0.113.9"},
		{"untrusted peer cannot spoof", "203.0.113.9:1234", []string{"198.51.100.1"}, proxies, "203.0.113.9"},
		{"trusted proxy gives the client", "10.1.2.3:80", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"client-supplied hops to the left are ignored", "10.1.2.3:80",
			[]string{"1.2.3.4, 198.51.100.1, 10.9.9.9"}, proxies, "198.51.100.1"},
		{"several headers", "10.1.2.3:80", []string{"1.2.3.4", "198.51.100.7"}, proxies, "198.51.100.7"},
		{"malformed hop stops the walk", "10.1.2.3:80", []string{"198.51.100.1, garbage"}, proxies, "10.1.2.3"},
		{"only proxies", "10.1.2.3:80", []string{"10.4.4.4"}, proxies, "10.4.4.4"},
		{"IPv6 peer", "[2001:db8::1]:443", nil, nil, "2001:db8::1"},
		{"hop with a port", "10.1.2.3:80", []string{"198.51.100.1:5555"}, proxies, "198.51.100.1"},
		{"bracketed IPv6 hop", "10.1.2.3:80", []string{"[2001:db8::9]"}, proxies, "2001:db8::9"},
		{"IPv4-mapped hop", "10.1.2.3:80", []string{"::ffff:198.51.100.2"}, proxies, "198.51.100.2"},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		r.Header.Set("User-Agent", "curl/8")
		r.Header.Set("X-Request-Id", "req_1")
		got := audit.RequestContext{TrustedProxies: tc.trusted}.FromRequest(r)
		want := audit.Context{IP: tc.want, UserAgent: "curl/8", RequestID: "req_1"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestEventIDMakesRedeliveryIdempotent records a bridged event twice, as
// an at-least-once consumer may after a crash, and through the batching
// Recorder once more: the log holds it once.
func TestEventIDMakesRedeliveryIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st := newService(t, audit.Config{})
	at := time.Date(2026, 3, 4, 5, 6, 7, 891011000, time.UTC)
	e := audit.Event{ID: audit.EventID(at, "scim/17"), OrganizationID: "org_1",
		Action: "scim.user.deactivated", Time: at, Actor: audit.Actor{Type: "system", ID: "scim"}}
	if e.ID != audit.EventID(at, "scim/17") || e.ID == audit.EventID(at, "scim/18") {
		t.Fatalf("EventID is not a function of its time and key: %s", e.ID)
	}
	for range 2 {
		if err := s.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	rec := s.NewRecorder(audit.RecorderConfig{})
	if err := rec.Record(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if head, _ := st.Head(ctx, "org_1"); head.Tree.Size != 1 {
		t.Errorf("the log holds %d events, want 1", head.Tree.Size)
	}
}
