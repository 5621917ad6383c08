package audit

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when an organization has no such checkpoint or
// node, or when a leaf has been pruned.
var ErrNotFound = errors.New("audit: not found")

// Entry is an event at its place in an organization's log.
type Entry struct {
	// Index is the event's position in the log, from 0.
	Index uint64
	// Event is the decoded event. [Store.Leaves] may leave it zero.
	Event Event
	// Data is the canonical encoding of Event, the tree's leaf.
	Data []byte
}

// Head is the state of an organization's log.
type Head struct {
	// Tree holds the size and frontier of the Merkle tree.
	Tree Tree
	// Start is the index of the oldest event still held; the events
	// before it were pruned by retention, their hashes kept.
	Start uint64
}

// Query selects events of one organization. The zero Query selects them
// all. Results come newest first, by time and then by index.
type Query struct {
	Since, Until time.Time // events with Since <= Time < Until; zero is open
	Actions      []string  // any of these actions; empty is any
	ActorID      string    // only this actor, when set
	TargetID     string    // only events with a target of this ID, when set
	// After continues a listing: only events that sort after this one
	// (older, or as old and of a lower index).
	After *Position
	// Limit bounds the number of events; a Store may treat 0 as 100.
	Limit int
}

// Position is where a listing stopped: the time and index of its last
// event.
type Position struct {
	Time  time.Time `json:"t"`
	Index uint64    `json:"i"`
}

// StoredCheckpoint is a signed checkpoint as a Store keeps it.
type StoredCheckpoint struct {
	Size uint64
	Time time.Time
	Note []byte // the signed note, see [ParseCheckpoint]
}

// Store keeps the organizations' logs. Implementations must be safe for
// concurrent use, by several processes sharing the database too, and pass
// [github.com/gatehouse/gatehouse/audit/audittest.TestStore]. Every method
// acts on one organization's data only.
type Store interface {
	// Append adds entries, in order, to the end of org's log, all or
	// none. It sets each entry's Index to its place, extends the tree
	// with [Tree.Append] over the entries' Data, keeps the nodes that
	// returns, and returns the new tree. Appends to one organization MUST
	// be serialized, across processes too, so that the log never forks.
	// Entries' Event fields are already validated and encoded in Data.
	//
	// Event IDs are idempotency keys: Append skips an entry whose event
	// ID the log already holds, or that an earlier entry of the same call
	// has ([DistinctEntries] does the filtering), so that a retried or
	// redelivered event is recorded once. IDs of pruned events are
	// forgotten with them.
	Append(ctx context.Context, org string, entries []Entry) (Tree, error)
	// Head returns the state of org's log; an unknown organization has
	// the empty one.
	Head(ctx context.Context, org string) (Head, error)
	// Nodes returns the hashes of the given nodes of org's tree, in
	// order, or ErrNotFound if one is not a complete node of the tree. A
	// Store may keep fewer nodes than Append gave it and hash the others
	// from the events' Data, provided it keeps the leaf hashes of the
	// events that Prune removes.
	Nodes(ctx context.Context, org string, ids []NodeID) ([][]byte, error)
	// Leaves returns up to limit entries of org's log from index from on,
	// in index order, with Index and Data set (Event may be zero). It
	// returns fewer when the log ends; entries before Head's Start are
	// gone.
	Leaves(ctx context.Context, org string, from uint64, limit int) ([]Entry, error)
	// Query returns org's events that match q, with Event decoded.
	Query(ctx context.Context, org string, q Query) ([]Entry, error)
	// SaveCheckpoint keeps a signed checkpoint of org's log.
	SaveCheckpoint(ctx context.Context, org string, cp StoredCheckpoint) error
	// LatestCheckpoint returns the checkpoint of org's log of the
	// greatest size, or ErrNotFound.
	LatestCheckpoint(ctx context.Context, org string) (StoredCheckpoint, error)
	// Prune removes the events at the start of org's log up to, not
	// including, the first whose Time is not before cutoff, keeping the
	// tree's nodes, and returns the new Start.
	Prune(ctx context.Context, org string, cutoff time.Time) (uint64, error)
	// Span returns the smallest index range [from, to) that holds every
	// retained event of org with since <= Time < until (a zero time is
	// open), or from == to when there is none.
	Span(ctx context.Context, org string, since, until time.Time) (from, to uint64, err error)
	// Organizations returns the IDs of the organizations that have a
	// log, in byte order.
	Organizations(ctx context.Context) ([]string, error)
	// StreamCursor returns the index of the next event that the named
	// stream will deliver for org: 0 until [Store.SaveStreamCursor]
	// saved one.
	StreamCursor(ctx context.Context, stream, org string) (uint64, error)
	// SaveStreamCursor keeps the named stream's cursor for org.
	SaveStreamCursor(ctx context.Context, stream, org string, next uint64) error
}

// matches reports whether e is selected by q, ignoring After and Limit.
// Stores that filter in memory can use it.
func (q *Query) matches(e *Event) bool {
	if !q.Since.IsZero() && e.Time.Before(q.Since) || !q.Until.IsZero() && !e.Time.Before(q.Until) {
		return false
	}
	if len(q.Actions) > 0 && !contains(q.Actions, e.Action) {
		return false
	}
	if q.ActorID != "" && e.Actor.ID != q.ActorID {
		return false
	}
	if q.TargetID == "" {
		return true
	}
	for _, t := range e.Targets {
		if t.ID == q.TargetID {
			return true
		}
	}
	return false
}

// before reports whether an entry at (t, i) sorts after p in the newest
// first order of [Query].
func (p *Position) before(t time.Time, i uint64) bool {
	return t.Before(p.Time) || t.Equal(p.Time) && i < p.Index
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// PageSize returns the limit a Store applies to q: 100 when unset, at
// most 1000.
func (q *Query) PageSize() int {
	switch {
	case q.Limit <= 0:
		return 100
	case q.Limit > 1000:
		return 1000
	}
	return q.Limit
}

// DistinctEntries returns, in order, the entries whose event IDs held
// does not report and that no earlier entry has: what [Store.Append]
// writes. It reuses the backing array of entries.
func DistinctEntries(entries []Entry, held func(id string) bool) []Entry {
	seen := make(map[string]bool, len(entries))
	out := entries[:0]
	for _, e := range entries {
		if id := e.Event.ID; !seen[id] && !held(id) {
			seen[id] = true
			out = append(out, e)
		}
	}
	return out
}
