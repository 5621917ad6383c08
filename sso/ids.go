package sso

import (
	"crypto/rand"
	"encoding/base64"
	"time"

	"github.com/gatehouse/gatehouse/internal/ids"
)

// newConnectionID returns a new connection ID.
func newConnectionID(t time.Time) string { return ids.NewAt("conn", t) }

// newAttemptID returns a new login attempt ID.
func newAttemptID(t time.Time) string { return ids.NewAt("att", t) }

// newToken returns 32 random bytes in URL-safe base64 behind an
// underscore, so that it is also a valid XML ID (an NCName) for a SAML
// AuthnRequest.
func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return "_" + base64.RawURLEncoding.EncodeToString(b[:])
}
