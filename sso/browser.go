package sso

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
)

// A login is bound to the browser that started it: Login sets a cookie
// with a random value whose hash the login state keeps, and the ACS and
// the OIDC callback require it. Without this, an attacker could start a
// login, sign in at the IdP as himself, and make a victim's browser
// deliver the answer (login CSRF), signing the victim into the attacker's
// account.

// cookieName names the binding cookie of one login state, so that logins
// in several tabs do not overwrite each other.
func cookieName(stateID string) string {
	sum := sha256.Sum256([]byte(stateID))
	return "gh_sso_" + hex.EncodeToString(sum[:6])
}

// bindBrowser records in st the hash of a new binding value and returns
// the cookie that carries the value, to be set once st is stored. The
// cookie is SameSite=None on https, because the SAML HTTP-POST binding
// reaches the ACS by a cross-site POST from the IdP.
func (s *Service) bindBrowser(st *LoginState) *http.Cookie {
	value := newToken()[1:]
	sum := sha256.Sum256([]byte(value))
	st.BrowserHash = hex.EncodeToString(sum[:])
	secure := s.base.Scheme == "https"
	same := http.SameSiteLaxMode
	if secure {
		same = http.SameSiteNoneMode
	}
	return &http.Cookie{Name: cookieName(st.ID), Value: value, Path: "/",
		MaxAge: int(s.cfg.LoginTTL.Seconds()), HttpOnly: true, Secure: secure, SameSite: same}
}

// checkBrowser verifies that r comes from the browser that started st. A
// state without a hash was not started by Login (a host that made it
// itself) and is not bound. r nil means the caller checks nothing.
func (s *Service) checkBrowser(r *http.Request, st *LoginState) error {
	if r == nil || st.BrowserHash == "" {
		return nil
	}
	c, err := r.Cookie(cookieName(st.ID))
	if err != nil {
		return fail(ReasonState, "the login did not start in this browser (no login cookie)")
	}
	sum := sha256.Sum256([]byte(c.Value))
	if subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(st.BrowserHash)) != 1 {
		return fail(ReasonState, "the login did not start in this browser (wrong login cookie)")
	}
	return nil
}

// clearBrowser removes the binding cookie once the login is over.
func clearBrowser(w http.ResponseWriter, stateID string) {
	http.SetCookie(w, &http.Cookie{Name: cookieName(stateID), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true})
}
