package sso_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

// Rippling sends an InResponseTo of its own on IdP-initiated logins.
func TestSAMLRipplingInResponseTo(t *testing.T) {
	t.Parallel()
	st := newSAMLTest(t, func(c *sso.SAMLConfig) { c.InsecureAllowIdPInitiated = true })
	doc := signed(t, st, st.response("_rippling-made-this-up"))
	p, err := st.accept(doc, "")
	if err != nil || p.Subject != "alice@example.com" {
		t.Fatalf("profile %+v, error %v", p, err)
	}
	// Replay protection still holds.
	if _, err := st.accept(doc, ""); sso.ReasonOf(err) != sso.ReasonReplay {
		t.Fatalf("a replay: %v", err)
	}
}

// Entra ID replaces group claims over its cap with a link to Graph.
func TestEntraGroupOverage(t *testing.T) {
	t.Parallel()
	st := newSAMLTest(t, nil)
	id := st.start(t)
	r := st.response(id)
	r.Attributes = map[string][]string{
		"http://schemas.microsoft.com/claims/groups.link":                    {"https://graph.windows.net/tenant/users/x/getMemberObjects"},
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": {"alice@example.com"},
	}
	p, err := st.accept(signed(t, st, r), id)
	must(t, err)
	if !p.GroupsOverage || len(p.Groups) != 0 {
		t.Errorf("GroupsOverage %v, groups %v", p.GroupsOverage, p.Groups)
	}
}

func TestGoogleHostedDomain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		hd   any
		want sso.Reason
	}{
		{"the workspace", "acme.example", ""},
		{"another workspace", "evil.example", sso.ReasonDomain},
		{"a consumer account", nil, sso.ReasonDomain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ot := newOIDCTest(t, sso.AuthClientSecretBasic)
			c := ot.conn.Clone()
			c.OIDC.HostedDomain = "acme.example"
			var err error
			ot.conn, err = ot.svc.UpdateConnection(context.Background(), c)
			must(t, err)
			if tt.hd != nil {
				ot.op.User["hd"] = tt.hd
			}
			cb := ot.authorize(t)
			_, _, err = ot.svc.AcceptOIDCCallback(context.Background(), ot.conn, ot.request(cb))
			if got := sso.ReasonOf(err); got != tt.want {
				t.Errorf("reason %q, want %q (%v)", got, tt.want, err)
			}
		})
	}
}

// Metadata from a URL is fetched again when stale; when the IdP rotates
// its key, logins follow, and when the fetch fails the last good copy
// stays.
func TestMetadataRefresh(t *testing.T) {
	t.Parallel()
	first, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	must(t, err)
	second, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	must(t, err)
	var mu sync.Mutex
	serving, status := first, http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write([]byte(serving.Metadata()))
	}))
	t.Cleanup(srv.Close)
	now := samlNow
	svc, err := sso.New(sso.Config{Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso",
		HTTPClient: srv.Client(), Clock: func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {}})
	must(t, err)
	conn, err := svc.CreateConnection(context.Background(), &sso.Connection{OrganizationID: "o",
		Enabled: true, Protocol: sso.ProtocolSAML, SAML: &sso.SAMLConfig{IdPMetadataURL: srv.URL}})
	must(t, err)
	login := func(idp *ssotest.IdP) error {
		rec := httptest.NewRecorder()
		must(t, svc.Login(rec, httptest.NewRequest(http.MethodGet, "/", nil), sso.LoginRequest{ConnectionID: conn.ID}))
		u, _ := url.Parse(rec.Header().Get("Location"))
		id := u.Query().Get("RelayState")
		doc, err := idp.SignedResponse(ssotest.Response{Now: now, Audience: svc.SPEntityID(conn),
			Recipient: svc.ACSURL(conn), InResponseTo: id, NameID: "a@example.com"})
		must(t, err)
		c, err := svc.Store().ConnectionByID(context.Background(), conn.ID)
		must(t, err)
		_, _, err = svc.AcceptSAMLResponse(context.Background(), c, ssotest.Encode(doc), id)
		return err
	}
	set := func(idp *ssotest.IdP, code int, later time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		serving, status = idp, code
		now = now.Add(later)
	}

	must(t, login(first))
	set(second, http.StatusOK, time.Hour) // rotated, but the copy is fresh
	if err := login(second); sso.ReasonOf(err) != sso.ReasonSignature {
		t.Fatalf("before the refresh the new key is unknown: %v", err)
	}
	set(second, http.StatusOK, 24*time.Hour)
	if err := login(second); err != nil {
		t.Fatalf("after the refresh: %v", err)
	}
	set(first, http.StatusInternalServerError, 25*time.Hour)
	if err := login(second); err != nil {
		t.Fatalf("a failed refresh must keep the last good metadata: %v", err)
	}
}
