package authz

import (
	"context"
	"errors"
	"time"
)

// Errors a [Store] returns.
var (
	// ErrNotFound reports that there is no such model.
	ErrNotFound = errors.New("authz: not found")
	// ErrDuplicate reports a write of a tuple that exists already.
	ErrDuplicate = errors.New("authz: tuple exists already")
	// ErrMissing reports a delete of a tuple that does not exist.
	ErrMissing = errors.New("authz: tuple does not exist")
	// ErrInvalidCursor reports a cursor that the store did not hand out.
	ErrInvalidCursor = errors.New("authz: invalid cursor")
)

// StoredModel is a version of an organization's model. It never changes
// once written.
type StoredModel struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Model     *Model    `json:"model"`
}

// WriteBatch is one atomic change to an organization's tuples.
type WriteBatch struct {
	Writes  []Tuple
	Deletes []Tuple
	// IgnoreDuplicates makes a write of an existing tuple a no-op (its
	// condition is then left as it was) instead of ErrDuplicate.
	IgnoreDuplicates bool
	// IgnoreMissing makes a delete of a missing tuple a no-op instead of
	// ErrMissing.
	IgnoreMissing bool
	// Time is recorded in the change log.
	Time time.Time
}

// Filter selects tuples. Empty fields match anything; ObjectID needs
// ObjectType.
type Filter struct {
	ObjectType string `json:"object_type,omitempty"`
	ObjectID   string `json:"object_id,omitempty"`
	Relation   string `json:"relation,omitempty"`
	// User selects one user exactly: "user:anne", "user:*" or
	// "group:eng#member".
	User string `json:"user,omitempty"`
	// UserType selects users of a type (objects, wildcards and usersets).
	UserType string `json:"user_type,omitempty"`
	// UsersetsOnly selects only users of the form type:id#relation.
	UsersetsOnly bool `json:"usersets_only,omitempty"`
}

// ChangeOp is what a change did.
type ChangeOp string

// The operations of the change log.
const (
	// ChangeWrite is a tuple written.
	ChangeWrite ChangeOp = "write"
	// ChangeDelete is a tuple deleted.
	ChangeDelete ChangeOp = "delete"
)

// Change is one entry of an organization's change log.
type Change struct {
	Op    ChangeOp  `json:"op"`
	Tuple Tuple     `json:"tuple"`
	Time  time.Time `json:"time"`
}

// Event types of the outbox.
const (
	// EventTupleWritten reports a tuple written.
	EventTupleWritten = "authz.tuple.written"
	// EventTupleDeleted reports a tuple deleted; a revoked role or share.
	EventTupleDeleted = "authz.tuple.deleted"
)

// Event is an entry of the outbox of tuple changes of every
// organization, in the envelope all Gatehouse packages share. It is
// written in the same transaction as the change.
type Event struct {
	ID             string    `json:"id"`
	Type           string    `json:"type"`
	OrganizationID string    `json:"organization_id"`
	Time           time.Time `json:"time"`
	Tuple          Tuple     `json:"tuple"`
}

// Store keeps, for each organization separately, the model versions, the
// tuples and the change log. Implementations are safe for concurrent use
// and linearizable: once a call returns, every later call on any instance
// sharing the store sees its effect (the read-your-writes promise of
// [Service] rests on this). Slices a Store returns belong to the caller.
//
// [NewMemoryStore] and authzsql implement it; authztest.TestStore checks an
// implementation.
type Store interface {
	// WriteModel saves a new model version. The ID is new.
	WriteModel(ctx context.Context, org string, m StoredModel) error
	// Model returns a model version, or the latest when id is "".
	// It returns ErrNotFound when there is none.
	Model(ctx context.Context, org, id string) (StoredModel, error)
	// Models lists model versions, newest first.
	Models(ctx context.Context, org, cursor string, limit int) ([]StoredModel, string, error)

	// Write applies a batch atomically: all of it or, on any error,
	// none of it. A write of an existing tuple fails with an error
	// wrapping ErrDuplicate, a delete of a missing one with ErrMissing,
	// unless the batch ignores them. Each change is appended to the log.
	Write(ctx context.Context, org string, b WriteBatch) error
	// Lookup returns the tuple with exactly this object, relation and user.
	Lookup(ctx context.Context, org, object, relation, user string) (Tuple, bool, error)
	// ReadDirect returns the tuples on object#relation whose user is
	// exactly user, or the wildcard of user's type when user is a plain
	// object, or any userset: what resolving a direct assignment needs,
	// in one indexed read. The exact and wildcard tuples come first, then
	// the usersets in Read's order.
	ReadDirect(ctx context.Context, org, object, relation, user string) ([]Tuple, error)
	// Read returns the tuples matching f, ordered by object type, object
	// ID, relation and user, after the cursor, at most limit of them (all
	// when limit <= 0), and the cursor of the next page ("" at the end).
	Read(ctx context.Context, org string, f Filter, cursor string, limit int) ([]Tuple, string, error)
	// Changes returns log entries after the cursor ("" from the start),
	// oldest first, at most limit, and the cursor to continue from. The
	// cursor returned at the end is the one to poll with later.
	Changes(ctx context.Context, org, cursor string, limit int) ([]Change, string, error)
	// Revision returns a number that grows with every change to org's
	// tuples or models: once a Write or WriteModel returns, Revision on
	// any instance sharing the store returns more than it did before the
	// call, and a Write that fails leaves it as it was. It is 0 for an
	// organization with nothing stored. The consistent check cache
	// ([Config.CheckCacheSize]) rests on it.
	Revision(ctx context.Context, org string) (uint64, error)
	// Events returns the changes of every organization after the cursor
	// ("" from the start), oldest first, with IDs made when the change
	// was written; at the end the returned cursor is the one to poll
	// with. A change committed after a reader passed its position must
	// not be skipped.
	Events(ctx context.Context, cursor string, limit int) ([]Event, string, error)
}
