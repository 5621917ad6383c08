package domain

import (
	"context"
	"time"
)

// Store keeps domains and their event log. Implementations must be safe for
// concurrent use by several goroutines and, for shared databases, by
// several processes; [domaintest.TestStore] checks the contract below.
//
// Domains belong to an organization: every method that takes an
// organization ID sees only that organization's domains, and reports
// another organization's domain as [ErrNotFound].
//
// Each method that changes a domain appends the given events to the log in
// the same transaction, so a change and its events are stored together or
// not at all.
//
// [domaintest.TestStore]: https://pkg.go.dev/github.com/gatehouse/gatehouse/domain/domaintest#TestStore
type Store interface {
	// Create stores a new domain, with Revision 1, and its event. It
	// returns ErrDuplicate when the organization already has a domain of
	// that name.
	Create(ctx context.Context, d Domain, e Event) error

	// Get returns the organization's domain with the given ID, or
	// ErrNotFound.
	Get(ctx context.Context, organizationID, id string) (Domain, error)

	// List returns up to limit of the organization's domains whose IDs
	// sort after the given one ("" for the first page), in ID order.
	List(ctx context.Context, organizationID, afterID string, limit int) ([]Domain, error)

	// Update replaces the stored domain d.ID, which must be at revision
	// d.Revision, with d at revision d.Revision+1, and appends the events.
	// It returns ErrNotFound when the domain does not exist in
	// d.OrganizationID, ErrStale when the stored revision differs, and
	// ErrClaimed when d is verified and another organization holds a
	// verified domain of the same name.
	Update(ctx context.Context, d Domain, events ...Event) error

	// Delete removes the organization's domain and appends the event, or
	// returns ErrNotFound.
	Delete(ctx context.Context, organizationID, id string, e Event) error

	// FindVerified returns the verified domains, of any organization,
	// whose names are among names. At most one domain is verified per
	// name. The order of the result is unspecified. This is the hot path
	// of domain capture.
	FindVerified(ctx context.Context, names []string) ([]Domain, error)

	// DueForCheck returns up to limit verified domains, of any
	// organization, last checked before the given time (or never), oldest
	// check first.
	DueForCheck(ctx context.Context, checkedBefore time.Time, limit int) ([]Domain, error)

	// Events returns up to limit events that follow the cursor ("" for the
	// beginning), in the order they were stored, each with its Cursor set.
	// An event stored after a call returned sorts after every event that
	// call returned.
	Events(ctx context.Context, after string, limit int) ([]Event, error)
}
