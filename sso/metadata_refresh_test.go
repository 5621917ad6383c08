package sso_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
	"github.com/google/go-cmp/cmp"
)

// metadataServer serves the metadata of one IdP, then of another (a new
// certificate), then fails, as told.
type metadataServer struct {
	*httptest.Server
	mu    sync.Mutex
	idp   *ssotest.IdP // nil: answer 500
	fetch atomic.Int32
}

func newMetadataServer(t *testing.T, idp *ssotest.IdP) *metadataServer {
	m := &metadataServer{idp: idp}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		m.fetch.Add(1)
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.idp == nil {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte(m.idp.Metadata()))
	}))
	t.Cleanup(m.Close)
	return m
}

func (m *metadataServer) serve(idp *ssotest.IdP) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.idp = idp
}

// clock is a settable Config.Clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type refreshTest struct {
	store     sso.Store
	clock     *clock
	srv       *metadataServer
	old, next *ssotest.IdP
	conn      *sso.Connection
}

func newRefreshTest(t *testing.T) *refreshTest {
	old, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	must(t, err)
	next, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	must(t, err)
	rt := &refreshTest{store: sso.NewMemoryStore(), old: old, next: next,
		clock: &clock{t: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}}
	rt.srv = newMetadataServer(t, old)
	svc := rt.service(t)
	rt.conn, err = svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_a", Protocol: sso.ProtocolSAML, Enabled: true,
		SAML: &sso.SAMLConfig{IdPMetadataURL: rt.srv.URL}})
	must(t, err)
	_, err = svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_b", Protocol: sso.ProtocolSAML, Enabled: true,
		SAML: &sso.SAMLConfig{IdPEntityID: old.EntityID, IdPSSOURL: "https://idp.example/sso",
			IdPCertificates: []string{old.CertificatePEM()}}})
	must(t, err)
	return rt
}

// service returns a new instance of the host's service on the shared store.
func (rt *refreshTest) service(t *testing.T) *sso.Service {
	svc, err := sso.New(sso.Config{Store: rt.store, BaseURL: "https://sp.example/sso",
		HTTPClient: rt.srv.Client(), Clock: rt.clock.Now,
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {}})
	must(t, err)
	return svc
}

func (rt *refreshTest) certificates(t *testing.T) []string {
	t.Helper()
	c, err := rt.store.Connection(context.Background(), "org_a", rt.conn.ID)
	must(t, err)
	return c.SAML.IdPCertificates
}

func ids(cs []*sso.Connection) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// The scheduled refresh picks up a rotated certificate, then keeps it
// when the metadata server fails, and tells the connection's admins.
func TestRefreshDue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rt := newRefreshTest(t)
	svc := rt.service(t)

	rep, err := svc.RefreshDue(ctx, 10)
	must(t, err)
	if len(rep.Refreshed)+len(rep.Failed)+rep.Skipped != 0 {
		t.Errorf("fresh metadata was refreshed: %+v", rep)
	}

	rt.srv.serve(rt.next)
	rt.clock.Advance(sso.DefaultMetadataRefresh + time.Minute)
	rep, err = svc.RefreshDue(ctx, 10)
	must(t, err)
	if diff := cmp.Diff([]string{rt.conn.ID}, ids(rep.Refreshed)); diff != "" || len(rep.Failed) != 0 {
		t.Fatalf("refreshed (-want +got):\n%s\nfailed: %v", diff, rep.Failed)
	}
	if diff := cmp.Diff([]string{rt.next.CertificatePEM()}, rt.certificates(t)); diff != "" {
		t.Errorf("certificates after the rotation (-want +got):\n%s", diff)
	}

	rt.srv.serve(nil)
	rt.clock.Advance(sso.DefaultMetadataRefresh + time.Minute)
	rep, err = svc.RefreshDue(ctx, 10)
	must(t, err)
	if len(rep.Refreshed) != 0 || len(rep.Failed) != 1 || rep.Failed[0].Connection.ID != rt.conn.ID {
		t.Fatalf("with the server down: %+v", rep)
	}
	if diff := cmp.Diff([]string{rt.next.CertificatePEM()}, rt.certificates(t)); diff != "" {
		t.Errorf("the last good certificates were not kept (-want +got):\n%s", diff)
	}
	atts, err := rt.store.Attempts(ctx, "org_a", rt.conn.ID, 10)
	must(t, err)
	if len(atts) != 1 || atts[0].Reason != sso.ReasonMetadataRefresh || atts[0].Detail == "" {
		t.Errorf("attempt log after the failure: %+v", atts)
	}
}

// A failing URL is tried again only after MetadataRetry, by any instance.
func TestRefreshDueRetry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rt := newRefreshTest(t)
	rt.srv.serve(nil)
	rt.clock.Advance(sso.DefaultMetadataRefresh + time.Minute)
	tests := []struct {
		name          string
		advance       time.Duration
		failed, skipd int
	}{
		{"first failure", 0, 1, 0},
		{"at once again", 0, 0, 1},
		{"before the retry", sso.MetadataRetry - time.Second, 0, 1},
		{"after the retry", time.Second, 1, 0},
	}
	for _, tt := range tests {
		rt.clock.Advance(tt.advance)
		rep, err := rt.service(t).RefreshDue(ctx, 10)
		must(t, err)
		if len(rep.Failed) != tt.failed || rep.Skipped != tt.skipd || len(rep.Refreshed) != 0 {
			t.Errorf("%s: %d failed, %d skipped, want %d and %d", tt.name, len(rep.Failed),
				rep.Skipped, tt.failed, tt.skipd)
		}
	}
	if got := rt.srv.fetch.Load(); got != 3 { // creation and two tries
		t.Errorf("the metadata server was asked %d times, want 3", got)
	}
}

// Instances refreshing at once fetch each connection once between them.
func TestRefreshDueInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rt := newRefreshTest(t)
	rt.srv.serve(rt.next)
	rt.clock.Advance(sso.DefaultMetadataRefresh + time.Minute)
	before := rt.srv.fetch.Load()
	var wg sync.WaitGroup
	var refreshed atomic.Int32
	for range 4 {
		svc := rt.service(t)
		wg.Go(func() {
			rep, err := svc.RefreshDue(ctx, 10)
			if err != nil || len(rep.Failed) != 0 {
				t.Errorf("RefreshDue: %v, %+v", err, rep)
				return
			}
			refreshed.Add(int32(len(rep.Refreshed)))
		})
	}
	wg.Wait()
	if n, fetched := refreshed.Load(), rt.srv.fetch.Load()-before; n != 1 || fetched != 1 {
		t.Errorf("4 instances refreshed %d times and fetched %d times, want 1 and 1", n, fetched)
	}
}

// RunMetadataRefresh refreshes on its own until its context ends.
func TestRunMetadataRefresh(t *testing.T) {
	t.Parallel()
	rt := newRefreshTest(t)
	rt.srv.serve(rt.next)
	rt.clock.Advance(sso.DefaultMetadataRefresh + time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.service(t).RunMetadataRefresh(ctx, time.Millisecond) }()
	want := []string{rt.next.CertificatePEM()}
	for give := time.Now().Add(time.Minute); !cmp.Equal(want, rt.certificates(t)); {
		if time.Now().After(give) {
			t.Fatal("the scheduled refresh never picked up the new certificate")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("RunMetadataRefresh returned %v, want context.Canceled", err)
	}
	if err := rt.service(t).RunMetadataRefresh(context.Background(), 0); err == nil {
		t.Errorf("a zero interval was accepted")
	}
}

// A refresh that changes the certificates is a durable connection event;
// one that changes nothing, or fails, is none.
func TestRefreshEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rt := newRefreshTest(t)
	svc := rt.service(t)
	created, err := svc.Events(ctx, "", 0)
	must(t, err)
	if len(created) != 2 {
		t.Fatalf("%d events after two creations, want 2", len(created))
	}
	after := created[1].Cursor

	rt.clock.Advance(time.Hour)
	_, err = svc.RefreshMetadata(ctx, "org_a", rt.conn.ID)
	must(t, err)
	rt.srv.serve(nil)
	if _, err := svc.RefreshMetadata(ctx, "org_a", rt.conn.ID); err == nil {
		t.Fatal("a refresh from a failing server succeeded")
	}
	rt.srv.serve(rt.next)
	_, err = svc.RefreshMetadata(ctx, "org_a", rt.conn.ID)
	must(t, err)

	evs, err := svc.Events(ctx, after, 0)
	must(t, err)
	want := []sso.ConnectionEvent{{ConnectionID: rt.conn.ID, Protocol: sso.ProtocolSAML,
		Enabled: true, Refreshed: true}}
	var got []sso.ConnectionEvent
	for _, e := range evs {
		if e.Type != sso.EventConnectionUpdated || e.OrganizationID != "org_a" {
			t.Errorf("event %s of %s", e.Type, e.OrganizationID)
		}
		got = append(got, e.Data.(sso.ConnectionEvent))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events of the refreshes (-want +got):\n%s", diff)
	}
}
