package sso_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
	"github.com/google/go-cmp/cmp"
)

// signIn logs in through the test OP and returns the profile.
func (ot *oidcTest) signIn(t *testing.T) *sso.Profile {
	t.Helper()
	if rec := ot.callback(ot.authorize(t)); rec.Code != http.StatusNoContent {
		t.Fatalf("callback answered %d %q", rec.Code, rec.Body.String())
	}
	return ot.got
}

// startLogout calls Logout and returns its response, whose Location is the
// provider's end_session_endpoint.
func (ot *oidcTest) startLogout(t *testing.T, req sso.LogoutRequest) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	must(t, ot.svc.Logout(rec, httptest.NewRequest(http.MethodGet, "/signout", nil), req))
	if rec.Code != http.StatusFound {
		t.Fatalf("Logout answered %d", rec.Code)
	}
	return rec
}

// endSession follows the redirect to the OP's end_session_endpoint and
// returns the OP's answer.
func (ot *oidcTest) endSession(t *testing.T, location string) *http.Response {
	t.Helper()
	client := *ot.op.Server.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}
	resp, err := client.Get(location)
	must(t, err)
	resp.Body.Close()
	return resp
}

// comeBack loads the post-logout redirect URL u in the browser that holds
// the cookies of from.
func (ot *oidcTest) comeBack(u string,
	from ...*httptest.ResponseRecorder) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, u, nil)
	addCookies(req, from...)
	rec := httptest.NewRecorder()
	ot.svc.Handler().ServeHTTP(rec, req)
	return rec
}

func (ot *oidcTest) lastAttempt(t *testing.T) *sso.Attempt {
	t.Helper()
	atts, err := ot.store.Attempts(context.Background(), ot.conn.OrganizationID, ot.conn.ID, 1)
	must(t, err)
	if len(atts) == 0 {
		t.Fatal("no attempt recorded")
	}
	return atts[0]
}

// An RP-initiated logout goes to the provider's end_session_endpoint with
// the ID token, client ID, post-logout redirect URI and state, and comes
// back to the return path once.
func TestOIDCLogout(t *testing.T) {
	t.Parallel()
	ot := newOIDCTest(t, sso.AuthClientSecretBasic)
	p := ot.signIn(t)
	rec := ot.startLogout(t, sso.LogoutRequestFor(p, "/bye?x=1"))

	loc, err := url.Parse(rec.Header().Get("Location"))
	must(t, err)
	q := loc.Query()
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != ot.op.Issuer()+"/end_session" {
		t.Errorf("Logout went to %s", got)
	}
	if q.Get("id_token_hint") != p.IDToken.Reveal() || q.Get("client_id") != "client-1" ||
		q.Get("post_logout_redirect_uri") != ot.svc.PostLogoutRedirectURL(ot.conn) ||
		q.Get("state") == "" {
		t.Errorf("end session query %v", q)
	}
	if rec.Header().Get("Cache-Control") != "no-store" || len(rec.Result().Cookies()) != 1 {
		t.Errorf("Logout set %v, Cache-Control %q", rec.Result().Cookies(),
			rec.Header().Get("Cache-Control"))
	}

	resp := ot.endSession(t, loc.String())
	back := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(back,
		ot.svc.PostLogoutRedirectURL(ot.conn)+"?state=") {
		t.Fatalf("the OP answered %d, Location %q", resp.StatusCode, back)
	}
	if diff := cmp.Diff([]string{"user-1"}, ot.op.EndedSessions()); diff != "" {
		t.Errorf("the OP's ended sessions (-want +got):\n%s", diff)
	}

	done := ot.comeBack(back, rec)
	if done.Code != http.StatusSeeOther || done.Header().Get("Location") != "/bye?x=1" {
		t.Fatalf("the logout endpoint answered %d, Location %q", done.Code,
			done.Header().Get("Location"))
	}
	if c := done.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Errorf("the binding cookie is not cleared: %v", c)
	}
	if a := ot.lastAttempt(t); a.Flow != sso.FlowLogout || a.Reason != "" {
		t.Errorf("attempt %+v", a)
	}

	// The state is used once.
	if again := ot.comeBack(back, rec); again.Code != http.StatusBadRequest {
		t.Errorf("a reused state answered %d", again.Code)
	}
	if a := ot.lastAttempt(t); a.Flow != sso.FlowLogout || a.Reason != sso.ReasonState {
		t.Errorf("attempt %+v", a)
	}
}

// Without the ID token, the logout names the client only; the OP then
// ends whichever session its own cookie names.
func TestOIDCLogoutWithoutIDToken(t *testing.T) {
	t.Parallel()
	ot := newOIDCTest(t, sso.AuthClientSecretBasic)
	rec := ot.startLogout(t, sso.LogoutRequest{ConnectionID: ot.conn.ID})
	loc, err := url.Parse(rec.Header().Get("Location"))
	must(t, err)
	if loc.Query().Has("id_token_hint") || loc.Query().Get("client_id") != "client-1" {
		t.Errorf("end session query %v", loc.Query())
	}
	resp := ot.endSession(t, loc.String())
	if done := ot.comeBack(resp.Header.Get("Location"), rec); done.Code != http.StatusSeeOther ||
		done.Header().Get("Location") != "/" {
		t.Errorf("the logout endpoint answered %d, Location %q", done.Code,
			done.Header().Get("Location"))
	}
}

// Logout refuses, writing nothing, a return path that leaves the site, a
// connection of another organization, and a provider without an
// end_session_endpoint.
func TestOIDCLogoutRefused(t *testing.T) {
	t.Parallel()
	ot := newOIDCTest(t, sso.AuthClientSecretBasic)
	noEnd := newOIDCTest(t, sso.AuthClientSecretBasic, func(op *ssotest.OP) {
		op.NoEndSession = true
	})
	tests := []struct {
		name string
		ot   *oidcTest
		req  sso.LogoutRequest
		want error
	}{
		{"open redirect", ot, sso.LogoutRequest{ConnectionID: ot.conn.ID,
			ReturnPath: "//evil.example/"}, sso.ErrBadReturnPath},
		{"absolute return URL", ot, sso.LogoutRequest{ConnectionID: ot.conn.ID,
			ReturnPath: "https://evil.example/"}, sso.ErrBadReturnPath},
		{"another organization", ot, sso.LogoutRequest{ConnectionID: ot.conn.ID,
			OrganizationID: "org_other"}, sso.ErrNoConnection},
		{"no end_session_endpoint", noEnd, sso.LogoutRequest{ConnectionID: noEnd.conn.ID},
			sso.ErrNoSingleLogout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			err := tt.ot.svc.Logout(rec, httptest.NewRequest(http.MethodGet, "/", nil), tt.req)
			if !errors.Is(err, tt.want) {
				t.Errorf("Logout: %v, want %v", err, tt.want)
			}
			if len(rec.Header()) != 0 || rec.Body.Len() != 0 {
				t.Errorf("Logout wrote %v %q", rec.Header(), rec.Body.String())
			}
		})
	}
}

// The post-logout endpoint refuses a state that is reused, of another
// browser, of another connection, of a login, or missing, and one whose
// stored return path is not local; each gets the generic page and a
// reason in the attempts.
func TestOIDCLogoutStateAttacks(t *testing.T) {
	t.Parallel()
	ot := newOIDCTest(t, sso.AuthClientSecretBasic)
	other, err := ot.svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_o", Protocol: sso.ProtocolOIDC, Enabled: true,
		OIDC: &sso.OIDCConfig{Issuer: ot.op.Issuer(), ClientID: "client-1", ClientSecret: "s3cret"},
	})
	must(t, err)
	back := func(rec *httptest.ResponseRecorder) string {
		loc, err := url.Parse(rec.Header().Get("Location"))
		must(t, err)
		return ot.svc.PostLogoutRedirectURL(ot.conn) + "?state=" +
			url.QueryEscape(loc.Query().Get("state"))
	}
	tests := []struct {
		name string
		run  func(t *testing.T) *httptest.ResponseRecorder
	}{
		{"reused state", func(t *testing.T) *httptest.ResponseRecorder {
			rec := ot.startLogout(t, sso.LogoutRequest{ConnectionID: ot.conn.ID})
			if first := ot.comeBack(back(rec), rec); first.Code != http.StatusSeeOther {
				t.Fatalf("the first use answered %d", first.Code)
			}
			return ot.comeBack(back(rec), rec)
		}},
		{"another browser", func(t *testing.T) *httptest.ResponseRecorder {
			rec := ot.startLogout(t, sso.LogoutRequest{ConnectionID: ot.conn.ID})
			return ot.comeBack(back(rec))
		}},
		{"another browser's cookie", func(t *testing.T) *httptest.ResponseRecorder {
			rec := ot.startLogout(t, sso.LogoutRequest{ConnectionID: ot.conn.ID})
			mine := ot.startLogout(t, sso.LogoutRequest{ConnectionID: ot.conn.ID})
			req := httptest.NewRequest(http.MethodGet, back(rec), nil)
			name := rec.Result().Cookies()[0].Name
			req.AddCookie(&http.Cookie{Name: name, Value: mine.Result().Cookies()[0].Value})
			out := httptest.NewRecorder()
			ot.svc.Handler().ServeHTTP(out, req)
			return out
		}},
		{"a logout of another connection", func(t *testing.T) *httptest.ResponseRecorder {
			rec := ot.startLogout(t, sso.LogoutRequest{ConnectionID: other.ID})
			return ot.comeBack(back(rec), rec)
		}},
		{"a login's state", func(t *testing.T) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			must(t, ot.svc.Login(rec, httptest.NewRequest(http.MethodGet, "/", nil),
				sso.LoginRequest{ConnectionID: ot.conn.ID}))
			return ot.comeBack(back(rec), rec)
		}},
		{"no state", func(*testing.T) *httptest.ResponseRecorder {
			return ot.comeBack(ot.svc.PostLogoutRedirectURL(ot.conn))
		}},
		{"a stored return path that leaves the site", func(t *testing.T) *httptest.ResponseRecorder {
			now := time.Now()
			must(t, ot.store.SaveLoginState(context.Background(), &sso.LoginState{ID: "_evil",
				OrganizationID: "org_o", ConnectionID: ot.conn.ID, Flow: sso.FlowLogout,
				ReturnPath: "//evil.example/", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}))
			return ot.comeBack(ot.svc.PostLogoutRedirectURL(ot.conn) + "?state=_evil")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tt.run(t)
			if rec.Code != http.StatusBadRequest || rec.Header().Get("Location") != "" ||
				!strings.Contains(rec.Body.String(), "Single sign-out could not be completed") {
				t.Errorf("answered %d, Location %q, %q", rec.Code, rec.Header().Get("Location"),
					rec.Body.String())
			}
			if a := ot.lastAttempt(t); a.Flow != sso.FlowLogout || a.Reason != sso.ReasonState {
				t.Errorf("attempt %+v", a)
			}
		})
	}
}

// The test OP's end_session_endpoint refuses an unregistered
// post_logout_redirect_uri, an ID token hint it did not sign, and a
// request that names no client.
func TestSSOTestOPEndSessionChecks(t *testing.T) {
	t.Parallel()
	ot := newOIDCTest(t, sso.AuthClientSecretBasic, func(op *ssotest.OP) {
		op.PostLogoutRedirectURIs = []string{"https://sp.example/registered"}
	})
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	forged, err := ssotest.SignJWT(map[string]any{"iss": ot.op.Issuer(), "aud": "client-1",
		"sub": "user-1"}, otherKey, ot.op.KeyID)
	must(t, err)
	good, err := ot.op.IDToken("n")
	must(t, err)
	tests := []struct {
		name  string
		query url.Values
		want  int
	}{
		{"unregistered post_logout_redirect_uri", url.Values{"client_id": {"client-1"},
			"post_logout_redirect_uri": {"https://evil.example/"}}, http.StatusBadRequest},
		{"forged id_token_hint", url.Values{"id_token_hint": {forged},
			"post_logout_redirect_uri": {"https://sp.example/registered"}}, http.StatusBadRequest},
		{"no client", url.Values{"post_logout_redirect_uri": {"https://sp.example/registered"}},
			http.StatusBadRequest},
		{"another client", url.Values{"client_id": {"client-2"}}, http.StatusBadRequest},
		{"good", url.Values{"id_token_hint": {good}, "state": {"s1"},
			"post_logout_redirect_uri": {"https://sp.example/registered"}}, http.StatusFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := ot.endSession(t, ot.op.Issuer()+"/end_session?"+tt.query.Encode())
			if resp.StatusCode != tt.want {
				t.Errorf("answered %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == http.StatusFound &&
				resp.Header.Get("Location") != "https://sp.example/registered?state=s1" {
				t.Errorf("Location %q", resp.Header.Get("Location"))
			}
		})
	}
}

// A logout's state cannot complete a login at the callback.
func TestOIDCLogoutStateAtCallback(t *testing.T) {
	t.Parallel()
	ot := newOIDCTest(t, sso.AuthClientSecretBasic)
	rec := ot.startLogout(t, sso.LogoutRequest{ConnectionID: ot.conn.ID})
	loc, err := url.Parse(rec.Header().Get("Location"))
	must(t, err)
	cb := "https://sp.example/sso/oidc/" + ot.conn.ID + "/callback?code=c&state=" +
		url.QueryEscape(loc.Query().Get("state"))
	if got := ot.comeBack(cb, rec); got.Code != http.StatusForbidden || ot.got != nil {
		t.Errorf("the callback answered %d", got.Code)
	}
	if a := ot.lastAttempt(t); a.Flow != sso.FlowLogin || a.Reason != sso.ReasonState ||
		!strings.Contains(a.Detail, "logout") {
		t.Errorf("attempt %+v", a)
	}
}
