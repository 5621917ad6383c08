package sso_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
	"github.com/google/go-cmp/cmp"
)

func TestEvents(t *testing.T) {
	t.Parallel()
	idp, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	must(t, err)
	var mu sync.Mutex
	var got []sso.Event
	svc, err := sso.New(sso.Config{Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso",
		Clock:     func() time.Time { return samlNow },
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {},
		OnEvent: func(_ context.Context, e sso.Event) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, e)
		}})
	must(t, err)
	ctx := context.Background()
	conn, err := svc.CreateConnection(ctx, &sso.Connection{OrganizationID: "org_e", Enabled: true,
		Protocol: sso.ProtocolSAML, Name: "IdP", SAML: &sso.SAMLConfig{IdPMetadataXML: idp.Metadata()}})
	must(t, err)
	post := func(audience string) {
		rec := httptest.NewRecorder()
		must(t, svc.Login(rec, httptest.NewRequest(http.MethodGet, "/", nil), sso.LoginRequest{ConnectionID: conn.ID}))
		u, _ := url.Parse(rec.Header().Get("Location"))
		id := u.Query().Get("RelayState")
		doc, err := idp.SignedResponse(ssotest.Response{Now: samlNow, Audience: audience,
			Recipient: svc.ACSURL(conn), InResponseTo: id, NameID: "e@example.com"})
		must(t, err)
		form := url.Values{"SAMLResponse": {ssotest.Encode(doc)}, "RelayState": {id}}
		req := httptest.NewRequest(http.MethodPost, svc.ACSURL(conn), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		addCookies(req, rec)
		svc.Handler().ServeHTTP(httptest.NewRecorder(), req)
	}
	post(svc.SPEntityID(conn))
	post("https://other.example")
	conn.Name = "Renamed"
	_, err = svc.UpdateConnection(ctx, conn)
	must(t, err)
	must(t, svc.DeleteConnection(ctx, "org_e", conn.ID))

	type summary struct {
		Type, Org string
		Reason    sso.Reason
	}
	var sums []summary
	for _, e := range got {
		s := summary{Type: e.Type, Org: e.OrganizationID}
		if le, ok := e.Data.(sso.LoginEvent); ok {
			s.Reason = le.Reason
		}
		if !strings.HasPrefix(e.ID, "evt_") || !e.Time.Equal(samlNow) {
			t.Errorf("envelope %+v", e)
		}
		sums = append(sums, s)
	}
	want := []summary{
		{sso.EventConnectionCreated, "org_e", ""},
		{sso.EventLoginSucceeded, "org_e", ""},
		{sso.EventLoginFailed, "org_e", sso.ReasonAudience},
		{sso.EventConnectionUpdated, "org_e", ""},
		{sso.EventConnectionDeleted, "org_e", ""},
	}
	if diff := cmp.Diff(want, sums); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	checkOutbox(t, svc, got)
}

// checkOutbox checks that the Store's outbox holds the connection events
// that Config.OnEvent received, the same events in the same order, and
// no login events.
func checkOutbox(t *testing.T, svc *sso.Service, hooked []sso.Event) {
	t.Helper()
	var want []sso.Event
	for _, e := range hooked {
		if strings.HasPrefix(e.Type, "sso.connection.") {
			want = append(want, e)
		}
	}
	got, err := svc.Events(context.Background(), "", 0)
	must(t, err)
	for i, e := range got {
		if e.Cursor == "" {
			t.Errorf("outbox event %d has no cursor", i)
		}
		got[i].Cursor = ""
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outbox (-hook +outbox):\n%s", diff)
	}
}
