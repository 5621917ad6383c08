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
// database can read it; what ends a session before it expires (signing
// out, or the IdP's single logout) is recorded in the database, which
// every request checks.
type session struct {
	// ID names the session, so that signing out revokes this cookie.
	ID           string    `json:"sid"`
	Issued       time.Time `json:"iat"`
	Organization string    `json:"org"`
	UserID       string    `json:"sub"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Admin        bool      `json:"admin,omitempty"`
	Via          string    `json:"via"` // how the user signed in: saml, oidc or admin-token
	Expires      time.Time `json:"exp"`
	// Profile holds what the identity provider said, for the profile page.
	Profile map[string]any `json:"profile,omitempty"`
	// SAML is what single logout needs, for a session that SAML started.
	SAML *samlSession `json:"saml,omitempty"`
	// OIDC is what logout needs, for a session that OpenID Connect
	// started.
	OIDC *oidcSession `json:"oidc,omitempty"`
}

// samlSession names the IdP session behind a demo session.
type samlSession struct {
	Connection   string `json:"conn"`
	NameID       string `json:"name_id"`
	NameIDFormat string `json:"name_id_format,omitempty"`
	SessionIndex string `json:"session_index,omitempty"`
}

// oidcSession names the provider session behind a demo session. The ID
// token is the id_token_hint of an RP-initiated logout; the demo keeps it
// in its signed, HttpOnly cookie, where only the user's own browser holds
// it, while a production host would rather keep it server-side.
type oidcSession struct {
	Connection string `json:"conn"`
	Subject    string `json:"sub"`
	SessionID  string `json:"sid,omitempty"`
	IDToken    string `json:"id_token,omitempty"`
}

const sessionCookie = "gatehouse_demo"

// sessionTables records ended sessions: single ones by ID until they
// would have expired, those of a SAML user (one IdP session, or all with
// an empty session_index) and those of an OIDC user (one provider
// session by sid, or all with an empty session_id) ended at a time, in
// Unix nanoseconds.
const sessionTables = `CREATE TABLE IF NOT EXISTS demo_settings (
		name TEXT PRIMARY KEY, value TEXT NOT NULL);
	CREATE TABLE IF NOT EXISTS demo_revoked_sessions (
		id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
	CREATE TABLE IF NOT EXISTS demo_saml_logouts (
		connection_id TEXT NOT NULL, name_id TEXT NOT NULL, session_index TEXT NOT NULL,
		at INTEGER NOT NULL, PRIMARY KEY (connection_id, name_id, session_index));
	CREATE TABLE IF NOT EXISTS demo_oidc_logouts (
		connection_id TEXT NOT NULL, subject TEXT NOT NULL, session_id TEXT NOT NULL,
		at INTEGER NOT NULL, PRIMARY KEY (connection_id, subject, session_id))`

// sessionKey creates the session tables and loads the cookie-signing key
// from the database, making one on first start.
func sessionKey(ctx context.Context, db *sql.DB) ([]byte, error) {
	if _, err := db.ExecContext(ctx, sessionTables); err != nil {
		return nil, err
	}
	v, err := setting(ctx, db, "session_key", func() (string, error) {
		return base64.RawURLEncoding.EncodeToString(randomBytes(32)), nil
	})
	if err != nil {
		return nil, err
	}
	return base64.RawURLEncoding.DecodeString(v)
}

// setting returns the named value from demo_settings; on first start it
// stores what fresh makes. Instances that start at once agree on one.
func setting(ctx context.Context, db *sql.DB, name string, fresh func() (string, error)) (string,
	error) {
	var v string
	err := db.QueryRowContext(ctx, `SELECT value FROM demo_settings WHERE name = ?`, name).Scan(&v)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return v, err
	}
	if v, err = fresh(); err != nil {
		return "", err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO demo_settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO NOTHING`, name, v); err != nil {
		return "", err
	}
	err = db.QueryRowContext(ctx, `SELECT value FROM demo_settings WHERE name = ?`, name).Scan(&v)
	return v, err
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
	s.ID, s.Issued = base64.RawURLEncoding.EncodeToString(randomBytes(16)), time.Now()
	s.Expires = s.Issued.Add(8 * time.Hour)
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
	if a.sessionEnded(r.Context(), s) {
		return session{}, false
	}
	return s, true
}

// sessionEnded reports whether s was signed out or logged out by its
// IdP. It fails closed: a database error ends the session.
func (a *app) sessionEnded(ctx context.Context, s session) bool {
	var n int
	err := a.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM demo_revoked_sessions WHERE id = ?`,
		s.ID).Scan(&n)
	if err != nil || n > 0 {
		return true
	}
	switch {
	case s.SAML != nil:
		err = a.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM demo_saml_logouts
			WHERE connection_id = ? AND name_id = ? AND session_index IN ('', ?) AND at >= ?`,
			s.SAML.Connection, s.SAML.NameID, s.SAML.SessionIndex, s.Issued.UnixNano()).Scan(&n)
	case s.OIDC != nil:
		// A logout token names the provider session (sid), or with sub
		// alone all of the user's sessions.
		err = a.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM demo_oidc_logouts
			WHERE connection_id = ? AND at >= ? AND ((session_id <> '' AND session_id = ?)
			OR (session_id = '' AND subject = ?))`,
			s.OIDC.Connection, s.Issued.UnixNano(), s.OIDC.SessionID, s.OIDC.Subject).Scan(&n)
	}
	return err != nil || n > 0
}

// revokeSession ends s on every instance, whoever holds its cookie.
func (a *app) revokeSession(ctx context.Context, s session) error {
	now := time.Now().Unix()
	if _, err := a.db.ExecContext(ctx, `DELETE FROM demo_revoked_sessions WHERE expires_at < ?`,
		now); err != nil {
		return err
	}
	_, err := a.db.ExecContext(ctx, `INSERT INTO demo_revoked_sessions (id, expires_at)
		VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, s.ID, s.Expires.Unix())
	return err
}

// endSAMLSessions ends the sessions that an IdP's LogoutRequest names:
// those of its session indexes, or all of the user's on the connection.
func (a *app) endSAMLSessions(ctx context.Context, conn, nameID string, indexes []string) error {
	if len(indexes) == 0 {
		indexes = []string{""}
	}
	for _, idx := range indexes {
		_, err := a.db.ExecContext(ctx, `INSERT INTO demo_saml_logouts (connection_id, name_id,
			session_index, at) VALUES (?, ?, ?, ?) ON CONFLICT (connection_id, name_id, session_index)
			DO UPDATE SET at = excluded.at`, conn, nameID, idx, time.Now().UnixNano())
		if err != nil {
			return err
		}
	}
	return nil
}

// endOIDCSessions ends the sessions that a provider's back-channel logout
// token names: those of the provider session sid, or with sid empty all
// of the user's on the connection.
func (a *app) endOIDCSessions(ctx context.Context, conn, subject, sid string) error {
	_, err := a.db.ExecContext(ctx, `INSERT INTO demo_oidc_logouts (connection_id, subject,
		session_id, at) VALUES (?, ?, ?, ?) ON CONFLICT (connection_id, subject, session_id)
		DO UPDATE SET at = excluded.at`, conn, subject, sid, time.Now().UnixNano())
	return err
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
