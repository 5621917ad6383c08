package sso

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors that callers and Store implementations share.
var (
	// ErrNotFound reports that a connection or login state does not exist,
	// or not in the organization asked for, or has expired.
	ErrNotFound = errors.New("sso: not found")
	// ErrConflict reports that an ID is already taken.
	ErrConflict = errors.New("sso: already exists")
	// ErrReplay reports that a one-time value was seen before.
	ErrReplay = errors.New("sso: already used")
)

// Flow names what a [LoginState] or an [Attempt] is about: a login or a
// single logout.
type Flow string

// The flows.
const (
	// FlowLogin is a login; it is the zero value, so that states and
	// attempts stored before single logout existed read as logins.
	FlowLogin Flow = ""
	// FlowLogout is a single logout (see [Service.Logout]).
	FlowLogout Flow = "logout"
)

// LoginState is what the service remembers between sending a user to the
// identity provider and receiving the answer. Its ID is the only thing that
// travels: as RelayState and AuthnRequest ID for SAML, as state for OIDC.
// A single logout keeps one too, whose ID is the LogoutRequest's.
type LoginState struct {
	ID             string
	OrganizationID string
	ConnectionID   string
	// Flow tells a login's state from a logout's, so that the answer to
	// one cannot complete the other.
	Flow Flow
	// ReturnPath is the validated local path to send the user to after
	// success.
	ReturnPath string
	// Nonce and CodeVerifier are the OIDC nonce and PKCE verifier.
	Nonce        string
	CodeVerifier Secret
	// BrowserHash is the SHA-256 (hex) of the cookie that binds the login
	// to the browser that started it; "" for an unbound state.
	BrowserHash string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Attempt is one entry of a connection's log of recent logins and single
// logouts, readable by the organization's admins so that they can fix a
// wrong setting.
type Attempt struct {
	ID             string    `json:"id"`
	OrganizationID string    `json:"organization_id"`
	ConnectionID   string    `json:"connection_id"`
	Time           time.Time `json:"time"`
	// Flow is [FlowLogin] or [FlowLogout].
	Flow Flow `json:"flow,omitempty"`
	// Reason is "" on success, else a [Reason] code.
	Reason Reason `json:"reason,omitempty"`
	// Detail says precisely what was wrong, for the admin.
	Detail string `json:"detail,omitempty"`
	// Subject is the IdP user ID, when the response got that far.
	Subject string `json:"subject,omitempty"`
}

// Store keeps connections, login state, the replay cache, the log of
// login attempts and the outbox of connection events. Implementations must
// be safe for concurrent use by many goroutines and by many processes
// sharing one database, and must pass
// [github.com/gatehouse/gatehouse/sso/ssotest.TestStore].
//
// Values passed in and handed out are owned by the caller: an
// implementation copies what it keeps. A Store never keeps an OIDC
// ClientSecret in the clear: it drops the field and keeps only
// SealedClientSecret.
//
// The methods that change a connection take the events that report the
// change and append them to the outbox, in order, in the same transaction
// as the change: the change and its events are stored together or not at
// all, so a change that fails (ErrConflict, ErrNotFound, any error)
// appends nothing, and a crash after the change loses no event.
type Store interface {
	// CreateConnection stores a new connection and appends events;
	// ErrConflict if its ID is taken.
	CreateConnection(ctx context.Context, c *Connection, events ...Event) error
	// UpdateConnection replaces the connection with c's ID and
	// organization and appends events; ErrNotFound if there is none.
	UpdateConnection(ctx context.Context, c *Connection, events ...Event) error
	// Connection returns the connection id of organization org, or
	// ErrNotFound (also when it belongs to another organization).
	Connection(ctx context.Context, org, id string) (*Connection, error)
	// ConnectionByID returns a connection by ID alone, for the endpoints
	// an identity provider calls, which carry no organization.
	ConnectionByID(ctx context.Context, id string) (*Connection, error)
	// ListConnections returns up to limit connections of org whose IDs
	// sort after after, in ID order.
	ListConnections(ctx context.Context, org, after string, limit int) ([]*Connection, error)
	// DeleteConnection removes a connection and its attempts and appends
	// events; ErrNotFound if org has no such connection.
	DeleteConnection(ctx context.Context, org, id string, events ...Event) error
	// Events returns up to limit events of the outbox that follow the
	// cursor after ("" for the beginning), of every organization, oldest
	// first, each with its Cursor set and its Data decoded into its type
	// (see [Event.UnmarshalJSON]). Cursors are opaque; a malformed one is
	// an error. An event that is appended after a call returned sorts
	// after every event that call returned, even when its transaction
	// began first: a reader that follows the cursors never skips one.
	Events(ctx context.Context, after string, limit int) ([]Event, error)
	// MetadataDue returns, across all organizations, up to limit SAML
	// connections that have an IdPMetadataURL and whose metadata was last
	// fetched before before (or never): those never fetched first, then
	// least recently fetched first, ties in ID order. It serves the
	// scheduled refresh of [Service.RefreshDue].
	MetadataDue(ctx context.Context, before time.Time, limit int) ([]*Connection, error)

	// SaveLoginState stores s until s.ExpiresAt; ErrConflict if its ID is
	// taken.
	SaveLoginState(ctx context.Context, s *LoginState) error
	// TakeLoginState returns and deletes, atomically, the state with the
	// ID, so that it is used at most once. It returns ErrNotFound if there
	// is none or it expired at now.
	TakeLoginState(ctx context.Context, id string, now time.Time) (*LoginState, error)

	// Remember records key as used until expires. It returns ErrReplay if
	// the key is already recorded and not expired at now. Two concurrent
	// calls with one key: exactly one succeeds.
	Remember(ctx context.Context, key string, expires, now time.Time) error

	// RecordAttempt appends to a connection's log of login attempts. An
	// implementation may keep only the most recent ones (at least 100 per
	// connection).
	RecordAttempt(ctx context.Context, a *Attempt) error
	// Attempts returns up to limit of the most recent attempts of the
	// connection of org, newest first.
	Attempts(ctx context.Context, org, connID string, limit int) ([]*Attempt, error)
}
