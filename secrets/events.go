package secrets

import (
	"context"
	"time"
)

// Event types, one per kind of access or change.
const (
	// EventSecretRead means a secret version was read.
	EventSecretRead = "secrets.secret.read"
	// EventSecretWritten means the first version of a secret was written.
	EventSecretWritten = "secrets.secret.written"
	// EventSecretRotated means a later version of a secret was written.
	EventSecretRotated = "secrets.secret.rotated"
	// EventSecretUpdated means a secret's metadata changed, not its value.
	EventSecretUpdated = "secrets.secret.updated"
	// EventSecretDeleted means a secret was deleted into its recovery window.
	EventSecretDeleted = "secrets.secret.deleted"
	// EventSecretRestored means a deleted secret was restored.
	EventSecretRestored = "secrets.secret.restored"
	// EventSecretDestroyed means a secret was destroyed, by hand or by a purge.
	EventSecretDestroyed = "secrets.secret.destroyed"
	// EventSecretDenied means the policy refused an access.
	EventSecretDenied = "secrets.secret.denied"
	// EventSecretRewrapped means a version's data key was wrapped under a newer key.
	EventSecretRewrapped = "secrets.secret.rewrapped"
	// EventAPIKeyIssued means an API key was issued.
	EventAPIKeyIssued = "secrets.apikey.issued"
	// EventAPIKeyRotated means an API key was issued to replace another.
	EventAPIKeyRotated = "secrets.apikey.rotated"
	// EventAPIKeyRevoked means one API key, or all of an owner's, were revoked.
	EventAPIKeyRevoked = "secrets.apikey.revoked"
	// EventAPIKeyLeaked means a leak report revoked an API key.
	EventAPIKeyLeaked = "secrets.apikey.leaked"
)

// Event is an access or change record, in the envelope every Gatehouse
// package shares. It never holds a secret value or an API key token.
type Event struct {
	ID             string    `json:"id"`
	Type           string    `json:"type"`
	OrganizationID string    `json:"organization_id"`
	Time           time.Time `json:"time"`
	// Cursor is the event's position in the outbox, set by the store;
	// pass it to Events to read what came after.
	Cursor string `json:"cursor,omitempty"`
	// Actor is who acted, from the request context ([WithActor]).
	Actor Actor `json:"actor"`
	// Data is the typed payload.
	Data EventData `json:"data"`
}

// EventData is the payload of an [Event]; fields that do not apply to the
// event's type are empty.
type EventData struct {
	// Secret and Version name the secret version concerned.
	Secret  string `json:"secret,omitempty"`
	Version int    `json:"version,omitempty"`
	// Purpose is why the actor read the secret, as the caller stated it.
	Purpose string `json:"purpose,omitempty"`
	// Reason explains a denial or a revocation.
	Reason string `json:"reason,omitempty"`
	// KeyID is the key-encryption key a version was rewrapped to.
	KeyID string `json:"key_id,omitempty"`
	// APIKeyID and OwnerID name the API key concerned and its owner.
	APIKeyID string `json:"api_key_id,omitempty"`
	OwnerID  string `json:"owner_id,omitempty"`
	// Count is how many keys a bulk revocation revoked.
	Count int `json:"count,omitempty"`
}

// Actor is who performs an operation: a user, a service account, an API
// key, or the system itself.
type Actor struct {
	// Type is "user", "service_account", "api_key", "system" or a type of
	// the host's own.
	Type string `json:"type,omitempty"`
	ID   string `json:"id,omitempty"`
}

type actorKey struct{}

// WithActor returns a context that carries the actor. The host sets it in
// its authentication middleware; the API key middleware sets it for the
// key's owner.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor set by [WithActor], or the zero Actor.
func ActorFromContext(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}
