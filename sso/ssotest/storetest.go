package ssotest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/google/go-cmp/cmp"
)

// TestStore checks that a [sso.Store] implementation behaves as the
// interface documents. newStore must return an empty store each time it is
// called; TestStore runs its subtests in parallel on separate stores.
func TestStore(t *testing.T, newStore func(t *testing.T) sso.Store) {
	tests := []struct {
		name string
		f    func(*testing.T, sso.Store)
	}{
		{"ConnectionRoundTrip", testConnectionRoundTrip},
		{"ConnectionIsolation", testConnectionIsolation},
		{"ConnectionConflict", testConnectionConflict},
		{"ConnectionDropsPlaintextSecret", testConnectionDropsSecret},
		{"ConnectionUpdateDelete", testConnectionUpdateDelete},
		{"ConnectionList", testConnectionList},
		{"MetadataDue", testMetadataDue},
		{"LoginStateOnce", testLoginStateOnce},
		{"LoginStateExpiry", testLoginStateExpiry},
		{"LoginStateConcurrentTake", testLoginStateConcurrentTake},
		{"LoginStateFlow", testLoginStateFlow},
		{"Remember", testRemember},
		{"RememberConcurrent", testRememberConcurrent},
		{"Attempts", testAttempts},
		{"EventsWithChange", testEventsWithChange},
		{"EventsPaging", testEventsPaging},
		{"EventsConcurrent", testEventsConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.f(t, newStore(t))
		})
	}
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func sampleConnection(org, id string) *sso.Connection {
	return &sso.Connection{
		ID: id, OrganizationID: org, Name: "Okta", Protocol: sso.ProtocolSAML,
		Enabled: true,
		SAML: &sso.SAMLConfig{
			IdPEntityID: "http://www.okta.com/exk1", IdPSSOURL: "https://idp.example/sso",
			IdPCertificates:   []string{"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"},
			InsecureAllowSHA1: true,
		},
		Mapping:   sso.AttributeMapping{Email: "mail", Groups: "memberOf"},
		CreatedAt: t0, UpdatedAt: t0,
	}
}

func oidcConnection(org, id string) *sso.Connection {
	return &sso.Connection{
		ID: id, OrganizationID: org, Name: "Google", Protocol: sso.ProtocolOIDC,
		OIDC: &sso.OIDCConfig{
			Issuer: "https://accounts.google.com", ClientID: "client-1",
			SealedClientSecret: []byte{1, 2, 3}, Scopes: []string{"email"},
			AuthMethod: sso.AuthPrivateKeyJWT,
		},
		CreatedAt: t0, UpdatedAt: t0.Add(time.Second),
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func testConnectionRoundTrip(t *testing.T, s sso.Store) {
	ctx := context.Background()
	for _, c := range []*sso.Connection{sampleConnection("org_a", "conn_1"), oidcConnection("org_a", "conn_2")} {
		must(t, s.CreateConnection(ctx, c))
		got, err := s.Connection(ctx, c.OrganizationID, c.ID)
		must(t, err)
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("Connection(%s) mismatch (-want +got):\n%s", c.ID, diff)
		}
		got, err = s.ConnectionByID(ctx, c.ID)
		must(t, err)
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("ConnectionByID(%s) mismatch (-want +got):\n%s", c.ID, diff)
		}
		got.Name = "changed"
		again, err := s.Connection(ctx, c.OrganizationID, c.ID)
		must(t, err)
		if again.Name != c.Name {
			t.Errorf("changing a returned connection changed the stored one")
		}
	}
}

func testConnectionIsolation(t *testing.T, s sso.Store) {
	ctx := context.Background()
	must(t, s.CreateConnection(ctx, sampleConnection("org_a", "conn_1")))
	_, err := s.Connection(ctx, "org_b", "conn_1")
	wantErr(t, err, sso.ErrNotFound, "reading another organization's connection")
	c := sampleConnection("org_b", "conn_1")
	wantErr(t, s.UpdateConnection(ctx, c), sso.ErrNotFound, "updating from another organization")
	wantErr(t, s.DeleteConnection(ctx, "org_b", "conn_1"), sso.ErrNotFound,
		"deleting from another organization")
	list, err := s.ListConnections(ctx, "org_b", "", 10)
	must(t, err)
	if len(list) != 0 {
		t.Errorf("org_b lists %d connections of org_a", len(list))
	}
	must(t, s.RecordAttempt(ctx, &sso.Attempt{ID: "att_1", OrganizationID: "org_a",
		ConnectionID: "conn_1", Time: t0}))
	atts, err := s.Attempts(ctx, "org_b", "conn_1", 10)
	must(t, err)
	if len(atts) != 0 {
		t.Errorf("org_b reads %d attempts of org_a", len(atts))
	}
}

func testConnectionDropsSecret(t *testing.T, s sso.Store) {
	ctx := context.Background()
	c := oidcConnection("org_a", "conn_1")
	c.OIDC.ClientSecret = "plaintext"
	must(t, s.CreateConnection(ctx, c))
	got, err := s.Connection(ctx, "org_a", "conn_1")
	must(t, err)
	if got.OIDC.ClientSecret != "" {
		t.Errorf("the store kept the plaintext client secret")
	}
	if diff := cmp.Diff(c.OIDC.SealedClientSecret, got.OIDC.SealedClientSecret); diff != "" {
		t.Errorf("sealed secret (-want +got):\n%s", diff)
	}
}

func testConnectionConflict(t *testing.T, s sso.Store) {
	ctx := context.Background()
	must(t, s.CreateConnection(ctx, sampleConnection("org_a", "conn_1")))
	err := s.CreateConnection(ctx, sampleConnection("org_b", "conn_1"))
	wantErr(t, err, sso.ErrConflict, "creating a duplicate ID")
	_, err = s.Connection(ctx, "org_b", "conn_1")
	wantErr(t, err, sso.ErrNotFound, "after a refused duplicate")
}

func testConnectionUpdateDelete(t *testing.T, s sso.Store) {
	ctx := context.Background()
	c := sampleConnection("org_a", "conn_1")
	must(t, s.CreateConnection(ctx, c))
	c.Enabled = false
	c.SAML.IdPCertificates = append(c.SAML.IdPCertificates, "second")
	c.UpdatedAt = t0.Add(time.Hour)
	must(t, s.UpdateConnection(ctx, c))
	got, err := s.Connection(ctx, "org_a", "conn_1")
	must(t, err)
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("after update (-want +got):\n%s", diff)
	}
	wantErr(t, s.UpdateConnection(ctx, sampleConnection("org_a", "conn_x")), sso.ErrNotFound,
		"updating a missing connection")
	must(t, s.DeleteConnection(ctx, "org_a", "conn_1"))
	_, err = s.ConnectionByID(ctx, "conn_1")
	wantErr(t, err, sso.ErrNotFound, "reading a deleted connection")
	wantErr(t, s.DeleteConnection(ctx, "org_a", "conn_1"), sso.ErrNotFound, "deleting twice")
}

func testConnectionList(t *testing.T, s sso.Store) {
	ctx := context.Background()
	var want []string
	for i := range 5 {
		id := fmt.Sprintf("conn_%02d", 5-i)
		must(t, s.CreateConnection(ctx, sampleConnection("org_a", id)))
	}
	must(t, s.CreateConnection(ctx, sampleConnection("org_b", "conn_00")))
	for i := 1; i <= 5; i++ {
		want = append(want, fmt.Sprintf("conn_%02d", i))
	}
	var got []string
	after := ""
	for {
		page, err := s.ListConnections(ctx, "org_a", after, 2)
		must(t, err)
		if len(page) > 2 {
			t.Fatalf("page of %d connections exceeds the limit 2", len(page))
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			got = append(got, c.ID)
		}
		after = page[len(page)-1].ID
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged listing (-want +got):\n%s", diff)
	}
}

func sampleState(id string) *sso.LoginState {
	return &sso.LoginState{
		ID: id, OrganizationID: "org_a", ConnectionID: "conn_1", ReturnPath: "/app?x=1",
		Nonce: "n-1", CodeVerifier: "verifier", BrowserHash: "9f86d081", CreatedAt: t0,
		ExpiresAt: t0.Add(10 * time.Minute),
	}
}

// testLoginStateFlow checks that a logout's state comes back as a
// logout's, and a login's as a login's.
func testLoginStateFlow(t *testing.T, s sso.Store) {
	ctx := context.Background()
	logout := sampleState("st_logout")
	logout.Flow, logout.Nonce, logout.CodeVerifier = sso.FlowLogout, "", ""
	must(t, s.SaveLoginState(ctx, logout))
	must(t, s.SaveLoginState(ctx, sampleState("st_login")))
	for _, want := range []*sso.LoginState{logout, sampleState("st_login")} {
		got, err := s.TakeLoginState(ctx, want.ID, t0.Add(time.Minute))
		must(t, err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("TakeLoginState(%s) (-want +got):\n%s", want.ID, diff)
		}
	}
}

func testLoginStateOnce(t *testing.T, s sso.Store) {
	ctx := context.Background()
	st := sampleState("st_1")
	must(t, s.SaveLoginState(ctx, st))
	wantErr(t, s.SaveLoginState(ctx, sampleState("st_1")), sso.ErrConflict, "saving a duplicate state")
	got, err := s.TakeLoginState(ctx, "st_1", t0.Add(time.Minute))
	must(t, err)
	if diff := cmp.Diff(st, got); diff != "" {
		t.Errorf("TakeLoginState (-want +got):\n%s", diff)
	}
	_, err = s.TakeLoginState(ctx, "st_1", t0.Add(time.Minute))
	wantErr(t, err, sso.ErrNotFound, "taking a state twice")
	_, err = s.TakeLoginState(ctx, "st_missing", t0)
	wantErr(t, err, sso.ErrNotFound, "taking a missing state")
}

func testLoginStateExpiry(t *testing.T, s sso.Store) {
	ctx := context.Background()
	must(t, s.SaveLoginState(ctx, sampleState("st_1")))
	_, err := s.TakeLoginState(ctx, "st_1", t0.Add(10*time.Minute))
	wantErr(t, err, sso.ErrNotFound, "taking a state at its expiry")
}

func testLoginStateConcurrentTake(t *testing.T, s sso.Store) {
	ctx := context.Background()
	must(t, s.SaveLoginState(ctx, sampleState("st_1")))
	wins := parallel(8, func() error {
		_, err := s.TakeLoginState(ctx, "st_1", t0)
		return err
	}, sso.ErrNotFound, t)
	if wins != 1 {
		t.Errorf("%d concurrent takes of one state succeeded, want 1", wins)
	}
}

// parallel runs f n times at once and counts the successes; every failure
// must be the expected error.
func parallel(n int, f func() error, expected error, t *testing.T) int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	wins := 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := f()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, expected):
				t.Errorf("unexpected error: %v", err)
			}
		}()
	}
	wg.Wait()
	return wins
}

func testRemember(t *testing.T, s sso.Store) {
	ctx := context.Background()
	exp := t0.Add(5 * time.Minute)
	must(t, s.Remember(ctx, "saml:conn_1:_a1", exp, t0))
	wantErr(t, s.Remember(ctx, "saml:conn_1:_a1", exp, t0.Add(time.Minute)), sso.ErrReplay,
		"remembering a key twice")
	must(t, s.Remember(ctx, "saml:conn_2:_a1", exp, t0))
	must(t, s.Remember(ctx, "saml:conn_1:_a1", exp.Add(time.Hour), exp))
	wantErr(t, s.Remember(ctx, "saml:conn_1:_a1", exp, exp.Add(time.Minute)), sso.ErrReplay,
		"remembering again after the entry was renewed")
}

func testRememberConcurrent(t *testing.T, s sso.Store) {
	ctx := context.Background()
	wins := parallel(8, func() error {
		return s.Remember(ctx, "k", t0.Add(time.Hour), t0)
	}, sso.ErrReplay, t)
	if wins != 1 {
		t.Errorf("%d concurrent Remember calls of one key succeeded, want 1", wins)
	}
}

func testAttempts(t *testing.T, s sso.Store) {
	ctx := context.Background()
	var want []*sso.Attempt
	for i := range 5 {
		a := &sso.Attempt{
			ID: fmt.Sprintf("att_%d", i), OrganizationID: "org_a", ConnectionID: "conn_1",
			Time: t0.Add(time.Duration(i) * time.Second), Subject: "u",
		}
		if i%2 == 1 {
			a.Reason, a.Detail = sso.ReasonAudience, "audience was x"
		}
		if i >= 3 {
			a.Flow = sso.FlowLogout
		}
		must(t, s.RecordAttempt(ctx, a))
		want = append([]*sso.Attempt{a}, want...)
	}
	must(t, s.RecordAttempt(ctx, &sso.Attempt{ID: "att_x", OrganizationID: "org_a",
		ConnectionID: "conn_2", Time: t0}))
	got, err := s.Attempts(ctx, "org_a", "conn_1", 3)
	must(t, err)
	if diff := cmp.Diff(want[:3], got); diff != "" {
		t.Errorf("Attempts (-want +got):\n%s", diff)
	}
}

func testMetadataDue(t *testing.T, s sso.Store) {
	ctx := context.Background()
	withURL := func(org, id string, fetched time.Time) *sso.Connection {
		c := sampleConnection(org, id)
		c.SAML.IdPMetadataURL, c.SAML.MetadataFetchedAt = "https://idp.example/metadata", fetched
		return c
	}
	for _, c := range []*sso.Connection{
		withURL("org_a", "conn_3", t0.Add(2*time.Hour)),
		withURL("org_b", "conn_2", t0.Add(time.Hour)),
		withURL("org_a", "conn_1", t0.Add(time.Hour)),
		withURL("org_c", "conn_5", time.Time{}),
		withURL("org_a", "conn_6", t0.Add(3*time.Hour)), // fetched at the cut-off: not due
		withURL("org_b", "conn_4", t0),
		sampleConnection("org_a", "conn_7"), // no metadata URL
		oidcConnection("org_a", "conn_8"),
	} {
		must(t, s.CreateConnection(ctx, c))
	}
	ids := func(before time.Time, limit int) []string {
		t.Helper()
		due, err := s.MetadataDue(ctx, before, limit)
		must(t, err)
		out := []string{}
		for _, c := range due {
			out = append(out, c.ID)
		}
		return out
	}
	cut := t0.Add(3 * time.Hour)
	tests := []struct {
		name   string
		before time.Time
		limit  int
		want   []string
	}{
		{"all due, never fetched first, then oldest, ties by ID", cut, 10,
			[]string{"conn_5", "conn_4", "conn_1", "conn_2", "conn_3"}},
		{"limit", cut, 3, []string{"conn_5", "conn_4", "conn_1"}},
		{"earlier cut-off", t0.Add(time.Hour), 10, []string{"conn_5", "conn_4"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, ids(tt.before, tt.limit)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	c := withURL("org_c", "conn_5", cut.Add(time.Minute))
	must(t, s.UpdateConnection(ctx, c))
	c = withURL("org_b", "conn_4", t0)
	c.SAML.IdPMetadataURL = ""
	must(t, s.UpdateConnection(ctx, c))
	if diff := cmp.Diff([]string{"conn_1", "conn_2"}, ids(cut, 2)); diff != "" {
		t.Errorf("after a refresh and a removed URL (-want +got):\n%s", diff)
	}
	due, err := s.MetadataDue(ctx, cut, 1)
	must(t, err)
	if diff := cmp.Diff(withURL("org_a", "conn_1", t0.Add(time.Hour)), due[0]); diff != "" {
		t.Errorf("listed connection (-want +got):\n%s", diff)
	}
}
