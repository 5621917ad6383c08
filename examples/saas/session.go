package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// session is who the browser is signed in as. The demo keeps it in a
// cookie signed with HMAC-SHA256, so that any instance that shares the
// database can read it.
type session struct {
	Organization string    `json:"org"`
	UserID       string    `json:"sub"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Admin        bool      `json:"admin,omitempty"`
	Via          string    `json:"via"` // how the user signed in: saml, oidc or admin-token
	Expires      time.Time `json:"exp"`
	// Profile holds what the identity provider said, for the profile page.
	Profile map[string]any `json:"profile,omitempty"`
}

const sessionCookie = "gatehouse_demo"

// sessionKey loads the cookie-signing key from the database, making one
// on first start.
func sessionKey(ctx context.Context, db *sql.DB) ([]byte, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS demo_settings (
		name TEXT PRIMARY KEY, value TEXT NOT NULL)`); err != nil {
		return nil, err
	}
	fresh := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	if _, err := db.ExecContext(ctx, `INSERT INTO demo_settings (name, value) VALUES ('session_key', ?)
		ON CONFLICT (name) DO NOTHING`, fresh); err != nil {
		return nil, err
	}
	var v string
	if err := db.QueryRowContext(ctx, `SELECT value FROM demo_settings WHERE name = 'session_key'`).Scan(&v); err != nil {
		return nil, err
	}
	return base64.RawURLEncoding.DecodeString(v)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func (a *app) sign(payload []byte) string {
	m := hmac.New(sha256.New, a.sessionKey)
	m.Write(payload)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// startSession sets the session cookie for eight hours.
func (a *app) startSession(w http.ResponseWriter, s session) {
	s.Expires = time.Now().Add(8 * time.Hour)
	payload, _ := json.Marshal(s)
	value := base64.RawURLEncoding.EncodeToString(payload) + "." + a.sign(payload)
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Expires: s.Expires,
	})
}

func endSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
}

// currentSession returns the request's valid session, if any.
func (a *app) currentSession(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	body, sig, ok := strings.Cut(c.Value, ".")
	payload, err := base64.RawURLEncoding.DecodeString(body)
	if !ok || err != nil || !hmac.Equal([]byte(sig), []byte(a.sign(payload))) {
		return session{}, false
	}
	var s session
	if json.Unmarshal(payload, &s) != nil || time.Now().After(s.Expires) {
		return session{}, false
	}
	// A user whom the identity provider deprovisioned is signed out at
	// once, whatever the cookie says.
	if !s.Admin && !a.userActive(r.Context(), s.Organization, s.Email) {
		return session{}, false
	}
	return s, true
}

// errNotSignedIn is what page handlers return for anonymous visitors.
var errNotSignedIn = errors.New("not signed in")

// sameOrigin refuses state-changing browser requests from other sites:
// the session cookie is SameSite=Lax, and a form post must come from a
// page of this app.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		origin = r.Header.Get("Referer")
	}
	if origin == "" {
		return true // not a browser, or a browser that sends neither
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}
