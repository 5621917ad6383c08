package ssotest

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// BackChannelLogoutEvent is the member of a logout token's events claim
// that makes it a back-channel logout token.
const BackChannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// endSession serves RP-initiated logout (OpenID Connect RP-Initiated
// Logout 1.0): it needs an id_token_hint that the OP signed for its
// client, or the client_id; a post_logout_redirect_uri that it accepts;
// and it sends the browser there with the state.
func (op *OP) endSession(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad logout request", http.StatusBadRequest)
		return
	}
	hint, clientID := r.Form.Get("id_token_hint"), r.Form.Get("client_id")
	if (hint == "" && clientID == "") || (clientID != "" && clientID != op.ClientID) {
		http.Error(w, "unknown client", http.StatusBadRequest)
		return
	}
	sub := ""
	if hint != "" {
		var err error
		if sub, err = op.checkHint(hint); err != nil {
			http.Error(w, "bad id_token_hint: "+err.Error(), http.StatusBadRequest)
			return
		}
	}
	uri := r.Form.Get("post_logout_redirect_uri")
	u, err := url.Parse(uri)
	if uri != "" && (err != nil || !op.postLogoutOK(u)) {
		http.Error(w, "post_logout_redirect_uri is not registered", http.StatusBadRequest)
		return
	}
	op.mu.Lock()
	op.ended = append(op.ended, sub)
	op.mu.Unlock()
	if uri == "" {
		_, _ = io.WriteString(w, "You have been signed out.")
		return
	}
	if state := r.Form.Get("state"); state != "" {
		q := u.Query()
		q.Set("state", state)
		u.RawQuery = q.Encode()
	}
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// checkHint verifies that the OP signed hint as an ID token for its
// client, and returns its sub. An expired hint is accepted, as the
// specification allows.
func (op *OP) checkHint(hint string) (string, error) {
	tok, err := jwt.ParseString(hint, jwt.WithKey(jwa.RS256, op.Key.Public()),
		jwt.WithValidate(false))
	if err != nil {
		return "", err
	}
	if tok.Issuer() != op.tokenIssuer() || !slices.Contains(tok.Audience(), op.ClientID) {
		return "", fmt.Errorf("issued by %q for %v", tok.Issuer(), tok.Audience())
	}
	return tok.Subject(), nil
}

func (op *OP) postLogoutOK(u *url.URL) bool {
	if len(op.PostLogoutRedirectURIs) > 0 {
		return slices.Contains(op.PostLogoutRedirectURIs, u.String())
	}
	return (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// EndedSessions returns, in order, the sub of the id_token_hint of each
// RP-initiated logout the OP accepted ("" for one without a hint).
func (op *OP) EndedSessions() []string {
	op.mu.Lock()
	defer op.mu.Unlock()
	return slices.Clone(op.ended)
}

// LogoutToken signs a back-channel logout token (OpenID Connect
// Back-Channel Logout 1.0) for the OP's client: iss, aud, iat, exp (two
// minutes), a fresh jti, the back-channel logout event, and the sub of
// User. claims change it: each value replaces the claim, and a nil value
// removes it, to name a session (sid), another user, or to make bad
// tokens.
func (op *OP) LogoutToken(claims map[string]any) (string, error) {
	now := time.Now()
	c := map[string]any{"iss": op.tokenIssuer(), "aud": op.ClientID, "iat": now.Unix(),
		"exp": now.Add(2 * time.Minute).Unix(), "jti": randomID(),
		"events": map[string]any{BackChannelLogoutEvent: map[string]any{}}}
	if sub, ok := op.User["sub"]; ok {
		c["sub"] = sub
	}
	for k, v := range claims {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return signTyped(c, op.Key, op.KeyID, "logout+jwt")
}

// BackChannelLogout posts a logout token to a relying party's
// backchannel_logout_uri, as an OP does, and returns the status and body
// of the answer.
func BackChannelLogout(ctx context.Context, client *http.Client, uri, token string) (int, string,
	error) {
	form := url.Values{"logout_token": {token}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri,
		strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(body), err
}

// signTyped signs claims with RS256 and key, naming kid and typ.
func signTyped(claims map[string]any, key *rsa.PrivateKey, kid, typ string) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	hdrs := jws.NewHeaders()
	_ = hdrs.Set(jws.KeyIDKey, kid)
	_ = hdrs.Set(jws.TypeKey, typ)
	b, err := jws.Sign(payload, jws.WithKey(jwa.RS256, key, jws.WithProtectedHeaders(hdrs)))
	return string(b), err
}
