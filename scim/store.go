package scim

import (
	"context"
	"errors"
	"time"
)

// Errors that Stores return and callers branch on.
var (
	// ErrNotFound means the directory, token or resource does not exist
	// (or belongs to another directory, which callers cannot tell apart).
	ErrNotFound = errors.New("scim: not found")
	// ErrUniqueness means a user with the same userName, compared
	// case-insensitively, already exists in the directory.
	ErrUniqueness = errors.New("scim: userName already taken in this directory")
	// ErrConflict means a write lost a race with another write to the same
	// resource (its Version moved on).
	ErrConflict = errors.New("scim: resource changed concurrently")
)

// Directory is the SCIM endpoint of one organization: the users and
// groups that one identity provider provisions. An organization may have
// several directories (say Okta for staff and Entra ID for contractors).
type Directory struct {
	ID             string    `json:"id"`
	OrganizationID string    `json:"organizationId"`
	Name           string    `json:"name"`
	Created        time.Time `json:"created"`
}

// Store keeps directories, tokens, resources and the event outbox.
// Implementations must be safe for concurrent use, by one process or by
// many sharing a database, and must pass [scimtest.TestStore].
type Store interface {
	// CreateDirectory stores a new directory.
	CreateDirectory(ctx context.Context, d *Directory) error
	// Directory returns the directory with the given ID, or ErrNotFound.
	Directory(ctx context.Context, id string) (*Directory, error)
	// Directories returns the directories of an organization, oldest first.
	Directories(ctx context.Context, organizationID string) ([]*Directory, error)

	// CreateToken stores a new bearer token (its hash, never the secret).
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash returns the token whose Hash is hash, or ErrNotFound.
	// It must be served by an index.
	TokenByHash(ctx context.Context, hash []byte) (*Token, error)
	// Tokens returns the tokens of a directory, revoked ones included,
	// oldest first.
	Tokens(ctx context.Context, directoryID string) ([]*Token, error)
	// UpdateToken changes the ExpiresAt, RevokedAt and LastUsed of the
	// stored token with t's ID and directory, or returns ErrNotFound.
	UpdateToken(ctx context.Context, t *Token) error
	// DeleteExpiredAccessTokens deletes the directory's tokens of kind
	// TokenAccess that expired before the given time, and returns how many.
	DeleteExpiredAccessTokens(ctx context.Context, directoryID string, before time.Time) (int, error)

	// CreateFederatedIssuer stores a trust in a federated issuer. It
	// returns ErrUniqueness when any directory already trusts the same
	// Issuer, Audience and Subject, so that a token never fits two
	// directories.
	CreateFederatedIssuer(ctx context.Context, f *FederatedIssuer) error
	// FederatedIssuers returns the stored trusts of an issuer across all
	// directories (directoryID ""), or all trusts of one directory (issuer
	// ""), oldest first. The lookup by issuer must be served by an index.
	FederatedIssuers(ctx context.Context, issuer, directoryID string) ([]*FederatedIssuer, error)
	// DeleteFederatedIssuer removes a directory's trust, or returns
	// ErrNotFound.
	DeleteFederatedIssuer(ctx context.Context, directoryID, id string) error

	// View runs fn with a read-only view of one directory's resources.
	View(ctx context.Context, directoryID string, fn func(Reader) error) error
	// Update runs fn in a transaction on one directory's resources: when
	// fn returns an error, nothing it wrote, events included, persists.
	// fn may run more than once (a store may retry on conflicts), so it
	// must have no effects outside the transaction.
	Update(ctx context.Context, directoryID string, fn func(Tx) error) error

	// Events returns up to limit events written after the event whose
	// Cursor is after ("" means from the start), oldest first, across all
	// directories.
	Events(ctx context.Context, after string, limit int) ([]Event, error)

	// CursorStore keeps the positions of event consumers.
	CursorStore
}

// Reader reads the resources of one directory. Resources and slices it
// returns belong to the caller.
type Reader interface {
	// Get returns the resource of the given kind and ID, or ErrNotFound.
	Get(ctx context.Context, kind Kind, id string) (*Resource, error)
	// List returns the resources of a kind that match q, sorted and paged
	// as q says. Stores may evaluate q.Filter with [Filter.Match]; they
	// must return what Match would.
	List(ctx context.Context, kind Kind, q Query) (*Page, error)
	// Members returns up to limit members of a group whose Value sorts
	// after after, in Value order. A missing group has no members.
	Members(ctx context.Context, groupID, after string, limit int) ([]Member, error)
	// IsMember reports whether memberID is a direct member of the group.
	IsMember(ctx context.Context, groupID, memberID string) (bool, error)
	// GroupsOf returns the IDs of the groups memberID directly belongs to.
	GroupsOf(ctx context.Context, memberID string) ([]string, error)
}

// Tx reads and writes the resources of one directory in one transaction.
type Tx interface {
	Reader
	// Insert stores a new resource. It returns ErrUniqueness when a user
	// with the same userName (case-insensitively) exists.
	Insert(ctx context.Context, r *Resource) error
	// Replace stores r in place of the resource with its kind and ID,
	// which must exist with Version r.Version-1 (else ErrNotFound or
	// ErrConflict). It returns ErrUniqueness like Insert.
	Replace(ctx context.Context, r *Resource) error
	// Delete removes a resource, the members of a group and the
	// memberships of the resource in groups. It returns ErrNotFound when
	// there is nothing to delete.
	Delete(ctx context.Context, kind Kind, id string) error
	// AddMember adds m to a group and reports whether it was not a member
	// before. It must not read the group's other members.
	AddMember(ctx context.Context, groupID string, m Member) (bool, error)
	// RemoveMember removes a member and reports whether it was one.
	RemoveMember(ctx context.Context, groupID, memberID string) (bool, error)
	// Emit appends an event to the outbox, in this transaction. The store
	// fills in Event.Cursor.
	Emit(ctx context.Context, e Event) error
}

// Query selects, sorts and pages resources.
type Query struct {
	// Filter selects resources; nil selects all.
	Filter *Filter
	// SortBy is the attribute to sort by; nil sorts by ID, which is
	// creation order to the millisecond.
	SortBy     *AttrPath
	Descending bool
	// StartIndex is the 1-based index of the first resource returned;
	// values below 1 mean 1.
	StartIndex int
	// Count is the most resources returned; 0 returns none (only the
	// total) and negative values mean no limit.
	Count int
	// After, when not empty, selects resources whose ID sorts after it
	// (cursor paging); it requires a nil SortBy and StartIndex 1.
	After string
}

// Page is one page of a [Query]'s result.
type Page struct {
	// Total is the number of resources that match, across all pages.
	Total     int
	Resources []*Resource
}
