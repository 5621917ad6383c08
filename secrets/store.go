package secrets

import (
	"context"
	"time"
)

// Metadata describes a secret. It never holds the value.
type Metadata struct {
	// Owner names who answers for the secret (a team, a user ID).
	Owner string `json:"owner,omitempty"`
	// Description says what the secret is for.
	Description string `json:"description,omitempty"`
	// Labels are free key/value pairs for the host's own use.
	Labels map[string]string `json:"labels,omitempty"`
	// ExpiresAt is when the credential stops being valid at its issuer;
	// zero means never. Listing flags expired secrets.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// RotateBy is when the secret is due for rotation; zero means no due
	// date. When RotationPeriod is set, each new version moves RotateBy to
	// the version's time plus the period.
	RotateBy time.Time `json:"rotate_by,omitzero"`
	// RotationPeriod, when positive, sets RotateBy on every write.
	RotationPeriod time.Duration `json:"rotation_period,omitempty"`
}

// Secret is a secret's record in a [Store]: its metadata and its version
// bookkeeping, without any value.
type Secret struct {
	OrganizationID string    `json:"organization_id"`
	Name           string    `json:"name"`
	Metadata       Metadata  `json:"metadata"`
	LatestVersion  int       `json:"latest_version"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	// DeletedAt is when the secret was deleted; zero while it is live. A
	// deleted secret can be restored until the recovery window ends.
	DeletedAt time.Time `json:"deleted_at,omitzero"`
}

// SealedVersion is one version of a secret as stored: the value encrypted
// with the version's data key, and the data key wrapped by a
// key-encryption key. Both are bound to (organization, name, version).
type SealedVersion struct {
	OrganizationID string
	Name           string
	Version        int
	// KeyID names the key-encryption key that wrapped WrappedKey.
	KeyID      string
	WrappedKey []byte
	// Ciphertext is nonce || AES-256-GCM ciphertext || tag.
	Ciphertext []byte
	CreatedAt  time.Time
}

// VersionRef names one version of one secret; it orders by organization,
// name and version, the order in which [Store.VersionsNotUnder] walks.
type VersionRef struct {
	OrganizationID string `json:"o"`
	Name           string `json:"n"`
	Version        int    `json:"v"`
}

// RewrapChange moves one version's data key to another key-encryption
// key; see [Store.Rewrap].
type RewrapChange struct {
	Ref        VersionRef
	OldKeyID   string
	NewKeyID   string
	WrappedKey []byte
	Event      Event
}

// ListOptions pages a listing of secrets in name order.
type ListOptions struct {
	// After is the name after which the page starts; "" starts at the
	// beginning.
	After string
	// Limit is the most secrets returned; the store may treat values
	// under 1 as 1.
	Limit int
	// IncludeDeleted lists secrets in their recovery window too.
	IncludeDeleted bool
}

// Store keeps secrets, their sealed versions, API keys and the event
// outbox. Implementations must be safe for concurrent use and must keep
// each organization's data apart: no method given one organization ID
// reads or changes another's. Methods that change state and take an
// [Event] record it in the same transaction as the change (an outbox).
// Returned slices and maps belong to the caller.
//
// [secretstest.TestStore] checks an implementation against this contract.
type Store interface {
	// PutVersion stores v as the newest version of secret s.Name, creating
	// the secret when v.Version is 1, and updates its metadata to s. It
	// fails with [ErrVersionConflict] unless v.Version is exactly one more
	// than the stored latest version (or 1 for a new secret), and with
	// [ErrDeleted] when the secret is deleted. It then removes the oldest
	// versions so that at most keep remain (keep < 1 keeps all).
	PutVersion(ctx context.Context, s Secret, v SealedVersion, keep int, ev Event) error
	// SetMetadata replaces the metadata of a live secret without adding a
	// version. It gives [ErrNotFound] for a missing secret and
	// [ErrDeleted] for a deleted one.
	SetMetadata(ctx context.Context, org, name string, meta Metadata, at time.Time, ev Event) error
	// Secret returns a secret's record, deleted or not, or [ErrNotFound].
	Secret(ctx context.Context, org, name string) (Secret, error)
	// Version returns one version of a live secret; version 0 means the
	// latest. It gives [ErrNotFound] for a missing secret or version and
	// [ErrDeleted] for a deleted secret.
	Version(ctx context.Context, org, name string, version int) (SealedVersion, error)
	// ListVersions returns the version numbers a secret holds, in
	// ascending order.
	ListVersions(ctx context.Context, org, name string) ([]int, error)
	// ListSecrets returns the organization's secrets in name order.
	ListSecrets(ctx context.Context, org string, opts ListOptions) ([]Secret, error)
	// SetDeleted marks a live secret deleted at the given time, or with a
	// zero time restores a deleted one. It gives [ErrNotFound] when there
	// is no secret in that state.
	SetDeleted(ctx context.Context, org, name string, at time.Time, ev Event) error
	// DestroySecret removes a secret and all its versions for good.
	DestroySecret(ctx context.Context, org, name string, ev Event) error
	// DeletedBefore returns up to limit secrets, of any organization,
	// deleted before t, oldest first.
	DeletedBefore(ctx context.Context, t time.Time, limit int) ([]VersionRef, error)
	// VersionsNotUnder returns up to limit versions, of any organization,
	// whose KeyID is not keyID, in [VersionRef] order after the given ref
	// (the zero ref starts at the beginning).
	VersionsNotUnder(ctx context.Context, keyID string, after VersionRef,
		limit int) ([]SealedVersion, error)
	// CountNotUnder counts the versions, of every organization, whose
	// KeyID is not keyID.
	CountNotUnder(ctx context.Context, keyID string) (int, error)
	// Rewrap applies a batch of changes in one transaction. Each replaces
	// the wrapped data key of one version and records its event, provided
	// the version is still wrapped under OldKeyID; a version rewrapped or
	// removed meanwhile is skipped. It returns how many were applied.
	Rewrap(ctx context.Context, changes []RewrapChange) (int, error)

	APIKeyStore

	// AppendEvent records an event that goes with no change (a read, a
	// denial).
	AppendEvent(ctx context.Context, ev Event) error
	// Events returns up to limit events recorded after the cursor ("" for
	// the start), oldest first, each with its Cursor set. It must never
	// return an event while one with an earlier position may still
	// become visible (an uncommitted transaction), or a reader following
	// the cursor would skip it for good.
	Events(ctx context.Context, after string, limit int) ([]Event, error)
	// PruneEvents removes the events up to and including the one at the
	// cursor through, and returns how many it removed. Later events keep
	// their cursors.
	PruneEvents(ctx context.Context, through string) (int, error)
}
