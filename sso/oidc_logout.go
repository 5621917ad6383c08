package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// PostLogoutRedirectURL returns where the provider of an OIDC connection
// sends the browser back after [Service.Logout]: {base}/oidc/{id}/logout.
// The admin registers it at the provider as a post-logout redirect URI of
// the client (most providers refuse an unregistered one).
func (s *Service) PostLogoutRedirectURL(conn *Connection) string {
	return s.endpoint("oidc", conn.ID, "logout")
}

// startOIDCLogout sends the browser to the provider's end_session_endpoint
// (OpenID Connect RP-Initiated Logout 1.0, section 2) with a stored logout
// state, bound to the browser, as state.
func (s *Service) startOIDCLogout(w http.ResponseWriter, r *http.Request, conn *Connection,
	rp string, req LogoutRequest) error {
	ctx := r.Context()
	md, err := s.discover(ctx, conn.OIDC.Issuer)
	if err != nil {
		return fmt.Errorf("sso: connection %s: %w", conn.ID, err)
	}
	if md.EndSessionURL == "" {
		return ErrNoSingleLogout
	}
	u, err := url.Parse(md.EndSessionURL)
	if err != nil || checkURL(md.EndSessionURL) != nil {
		return fmt.Errorf("sso: connection %s: end_session_endpoint %q is not an absolute "+
			"http(s) URL", conn.ID, md.EndSessionURL)
	}

	st := s.newState(conn, rp)
	st.Flow = FlowLogout
	cookie := s.bindBrowser(st)
	if err := s.cfg.Store.SaveLoginState(ctx, st); err != nil {
		return fmt.Errorf("sso: saving logout state: %w", err)
	}

	// The endpoint's own query parameters are kept (section 2).
	q := u.Query()
	if req.IDToken != "" {
		q.Set("id_token_hint", req.IDToken.Reveal())
	}
	q.Set("client_id", conn.OIDC.ClientID)
	q.Set("post_logout_redirect_uri", s.PostLogoutRedirectURL(conn))
	q.Set("state", st.ID)
	u.RawQuery = q.Encode()
	http.SetCookie(w, cookie)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
	return nil
}

// handleOIDCLogout receives the browser back from the provider after an
// RP-initiated logout: the state must name a pending logout of this
// connection, started in this browser, and is used once; the browser then
// goes to the logout's return path. Anything else gets the generic page.
func (s *Service) handleOIDCLogout(w http.ResponseWriter, r *http.Request) {
	conn, err := s.cfg.Store.ConnectionByID(r.Context(), r.PathValue("id"))
	if err != nil || conn.Protocol != ProtocolOIDC || conn.OIDC == nil {
		s.logoutFailed(w, r, nil, fail(ReasonConfiguration, "unknown connection"))
		return
	}
	id := r.URL.Query().Get("state")
	rp, err := s.takeLogoutState(r, conn, id)
	if id != "" {
		clearBrowser(w, id)
	}
	if err != nil {
		s.logoutFailed(w, r, conn, err)
		return
	}
	s.recordLogout(r.Context(), conn, "", nil)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, rp, http.StatusSeeOther)
}

// takeLogoutState takes the logout state id of conn, once, checks that r
// comes from the browser that started it, and returns its return path,
// validated again.
func (s *Service) takeLogoutState(r *http.Request, conn *Connection, id string) (string, error) {
	if id == "" {
		return "", fail(ReasonState, "the provider came back without state")
	}
	st, err := s.takeState(r.Context(), id)
	if err != nil {
		return "", err
	}
	if st.Flow != FlowLogout {
		return "", fail(ReasonState, "the state names a login, not a logout")
	}
	if st.ConnectionID != conn.ID {
		return "", fail(ReasonState, "the state is a logout of another connection")
	}
	if err := s.checkBrowser(r, st); err != nil {
		return "", err
	}
	rp, err := ValidReturnPath(st.ReturnPath)
	if err != nil {
		return "", fail(ReasonState, "the logout's return path %q is not local", st.ReturnPath)
	}
	return rp, nil
}

// takeState takes a state from the Store, once.
func (s *Service) takeState(ctx context.Context, id string) (*LoginState, error) {
	st, err := s.cfg.Store.TakeLoginState(ctx, id, s.now())
	if errors.Is(err, ErrNotFound) {
		return nil, fail(ReasonState, "the state is unknown, used or expired")
	}
	if err != nil {
		return nil, &LoginError{Reason: ReasonConfiguration, Detail: "reading logout state", Err: err}
	}
	return st, nil
}
