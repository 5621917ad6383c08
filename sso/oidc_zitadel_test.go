package sso_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// zitadelTest is a connection to zitadel/oidc's example OpenID provider.
type zitadelTest struct {
	srv     *httptest.Server
	svc     *sso.Service
	conn    *sso.Connection
	browser *http.Client // follows redirects, except those to the SP
	got     *sso.Profile
}

// logoutStorage registers a post-logout redirect URI for every client,
// which the example storage cannot.
type logoutStorage struct {
	*storage.Storage
	postLogout *string
}

func (s logoutStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return logoutClient{Client: c, postLogout: *s.postLogout}, nil
}

type logoutClient struct {
	op.Client
	postLogout string
}

func (c logoutClient) PostLogoutRedirectURIs() []string { return []string{c.postLogout} }

func newZitadelTest(t *testing.T) *zitadelTest {
	t.Helper()
	var handler http.Handler
	zt := &zitadelTest{}
	zt.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(zt.srv.Close)
	clients := map[string]*storage.Client{}
	var postLogout string
	st := logoutStorage{Storage: storage.NewStorageWithClients(storage.NewUserStore(zt.srv.URL),
		clients), postLogout: &postLogout}
	handler = exampleop.SetupServer(zt.srv.URL, st, slog.New(slog.DiscardHandler), false)

	var err error
	zt.svc, err = sso.New(sso.Config{
		Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso", Sealer: ssotest.NewSealer(),
		HTTPClient: zt.srv.Client(),
		OnSuccess: func(w http.ResponseWriter, _ *http.Request, p *sso.Profile, _ string) {
			zt.got = p
			w.WriteHeader(http.StatusNoContent)
		},
	})
	must(t, err)
	zt.conn, err = zt.svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_z", Protocol: sso.ProtocolOIDC, Enabled: true,
		OIDC: &sso.OIDCConfig{Issuer: zt.srv.URL, ClientID: "web", ClientSecret: "secret"},
	})
	must(t, err)
	clients["web"] = storage.WebClient("web", "secret",
		"https://sp.example/sso/oidc/"+zt.conn.ID+"/callback")
	postLogout = zt.svc.PostLogoutRedirectURL(zt.conn)

	browser := *zt.srv.Client()
	browser.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Host == "sp.example" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	zt.browser = &browser
	return zt
}

// signIn runs a login through the OP's login form and returns the profile.
func (zt *zitadelTest) signIn(t *testing.T) *sso.Profile {
	t.Helper()
	rec := httptest.NewRecorder()
	must(t, zt.svc.Login(rec, httptest.NewRequest(http.MethodGet, "/", nil),
		sso.LoginRequest{ConnectionID: zt.conn.ID}))
	resp, err := zt.browser.Get(rec.Header().Get("Location"))
	must(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	// The login form of the example OP: post the user's credentials.
	id := resp.Request.URL.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("the OP did not show its login form: %s", resp.Request.URL)
	}
	host, _ := url.Parse(zt.srv.URL)
	form := url.Values{"username": {"test-user@" + host.Hostname()}, "password": {"verysecure"},
		"id": {id}}
	resp, err = zt.browser.Post(zt.srv.URL+"/login/username", "application/x-www-form-urlencoded",
		strings.NewReader(form.Encode()))
	must(t, err)
	resp.Body.Close()
	cb := resp.Header.Get("Location")
	if !strings.HasPrefix(cb, "https://sp.example/sso/oidc/") {
		t.Fatalf("the OP answered %d, Location %q", resp.StatusCode, cb)
	}

	back := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, cb, nil)
	addCookies(req, rec)
	zt.svc.Handler().ServeHTTP(back, req)
	if back.Code != http.StatusNoContent || zt.got == nil {
		t.Fatalf("callback answered %d %q", back.Code, back.Body.String())
	}
	return zt.got
}

// TestZitadelOP signs in end to end against zitadel/oidc's OpenID
// provider: discovery, the authorization code flow with PKCE, its login
// form, the token endpoint with client_secret_basic, and its ID token.
func TestZitadelOP(t *testing.T) {
	t.Parallel()
	got := newZitadelTest(t).signIn(t)
	if got.Subject != "id1" || got.Email != "test-user@zitadel.ch" || got.FirstName != "Test" ||
		got.LastName != "User" {
		t.Errorf("profile %+v", got)
	}
}

// TestZitadelOPLogout runs an RP-initiated logout against zitadel/oidc's
// end_session endpoint, which verifies the id_token_hint, matches
// client_id and post_logout_redirect_uri, and comes back with the state.
func TestZitadelOPLogout(t *testing.T) {
	t.Parallel()
	zt := newZitadelTest(t)
	p := zt.signIn(t)
	rec := httptest.NewRecorder()
	must(t, zt.svc.Logout(rec, httptest.NewRequest(http.MethodGet, "/", nil),
		sso.LogoutRequestFor(p, "/signed-out")))
	loc := rec.Header().Get("Location")
	if !strings.HasPrefix(loc, zt.srv.URL+"/end_session?") {
		t.Fatalf("Logout went to %q", loc)
	}
	resp, err := zt.browser.Get(loc)
	must(t, err)
	resp.Body.Close()
	back := resp.Header.Get("Location")
	if !strings.HasPrefix(back, zt.svc.PostLogoutRedirectURL(zt.conn)+"?") {
		t.Fatalf("the OP answered %d, Location %q", resp.StatusCode, back)
	}

	done := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, back, nil)
	addCookies(req, rec)
	zt.svc.Handler().ServeHTTP(done, req)
	if done.Code != http.StatusSeeOther || done.Header().Get("Location") != "/signed-out" {
		t.Errorf("the logout endpoint answered %d, Location %q", done.Code,
			done.Header().Get("Location"))
	}
}
