package scim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strings"
	"time"
)

// tokenPrefix starts every bearer token the package issues, so that
// secret scanners and support engineers recognize one.
const tokenPrefix = "ghscim_"

// TokenKind tells what a [Token] is for.
type TokenKind string

// The kinds of token.
const (
	// TokenBearer is a long-lived bearer token an administrator pastes
	// into the identity provider. The zero value means TokenBearer.
	TokenBearer TokenKind = "bearer"
	// TokenClient is an OAuth 2.0 client of the directory; its secret is
	// accepted only at the token endpoint, never as a bearer token.
	TokenClient TokenKind = "client"
	// TokenAccess is a short-lived access token the token endpoint issued
	// to a client.
	TokenAccess TokenKind = "access"
)

// Token is a credential of a directory, as stored: its hash and metadata,
// never the secret itself.
type Token struct {
	ID string `json:"id"`
	// Kind is what the token is for; "" means TokenBearer.
	Kind TokenKind `json:"kind"`
	// ClientID is, for an access token, the ID of the client it was
	// issued to.
	ClientID       string    `json:"clientId,omitempty"`
	DirectoryID    string    `json:"directoryId"`
	OrganizationID string    `json:"organizationId"`
	Name           string    `json:"name"`
	Hash           []byte    `json:"-"`
	Hint           string    `json:"hint"`
	Created        time.Time `json:"created"`
	// ExpiresAt, when not zero, ends the token's validity; rotation sets
	// it on the old token.
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	RevokedAt time.Time `json:"revokedAt,omitzero"`
	LastUsed  time.Time `json:"lastUsed,omitzero"`
}

// kind returns Kind, with "" meaning TokenBearer.
func (t *Token) kind() TokenKind {
	if t.Kind == "" {
		return TokenBearer
	}
	return t.Kind
}

// Valid reports whether the token may authenticate at time now.
func (t *Token) Valid(now time.Time) bool {
	if !t.RevokedAt.IsZero() {
		return false
	}
	return t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt)
}

// Secret is a bearer token's secret, shown to the host once when issued.
// It prints, logs and marshals as "[REDACTED]"; Reveal returns it.
type Secret struct{ s string }

// Reveal returns the secret to hand to the identity provider.
func (s Secret) Reveal() string { return s.s }

// String returns "[REDACTED]".
func (s Secret) String() string { return "[REDACTED]" }

// LogValue implements [slog.LogValuer] and logs "[REDACTED]".
func (s Secret) LogValue() slog.Value { return slog.StringValue("[REDACTED]") }

// MarshalJSON marshals the secret as "[REDACTED]".
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal("[REDACTED]") }

// newSecret returns a new random token secret and its hash.
func newSecret() (Secret, []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	s := tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return Secret{s}, hashToken(s)
}

// hashToken returns the SHA-256 of a token. Tokens carry 256 random bits,
// so a fast hash is enough: there is nothing to guess.
func hashToken(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func tokenHint(s Secret) string {
	return "..." + s.s[len(s.s)-4:]
}

// looksLikeToken reports whether s could be a token of ours, to spare the
// store a lookup for garbage.
func looksLikeToken(s string) bool {
	return strings.HasPrefix(s, tokenPrefix) && len(s) < 128
}
