package audit

import (
	"context"
	"slices"
	"sync"
	"time"
)

// MemoryStore is a [Store] that keeps everything in process memory. It is
// correct and safe for concurrent use, for tests and prototypes; its data
// dies with the process.
type MemoryStore struct {
	mu      sync.RWMutex
	orgs    map[string]*memLog
	cursors map[[2]string]uint64
}

type memLog struct {
	head        Head
	entries     []Entry // entries[i] has Index head.Start+i
	ids         map[string]bool
	nodes       map[NodeID][]byte
	checkpoints []StoredCheckpoint
}

// NewMemoryStore returns an empty [MemoryStore].
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{orgs: map[string]*memLog{}, cursors: map[[2]string]uint64{}}
}

func (s *MemoryStore) log(org string) *memLog {
	l := s.orgs[org]
	if l == nil {
		l = &memLog{nodes: map[NodeID][]byte{}, ids: map[string]bool{}}
		s.orgs[org] = l
	}
	return l
}

// Append implements [Store].
func (s *MemoryStore) Append(ctx context.Context, org string, entries []Entry) (Tree, error) {
	if err := ctx.Err(); err != nil {
		return Tree{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.log(org)
	entries = DistinctEntries(slices.Clone(entries), func(id string) bool { return l.ids[id] })
	leaves := make([][]byte, len(entries))
	for i := range entries {
		leaves[i] = entries[i].Data
	}
	tree, nodes, err := l.head.Tree.Append(leaves)
	if err != nil {
		return Tree{}, err
	}
	for i := range entries {
		entries[i].Index = l.head.Tree.Size + uint64(i)
		e := entries[i]
		e.Data = slices.Clone(e.Data)
		l.entries = append(l.entries, e)
		l.ids[e.Event.ID] = true
	}
	for _, n := range nodes {
		l.nodes[n.ID] = n.Hash
	}
	l.head.Tree = tree
	return tree, nil
}

// Head implements [Store].
func (s *MemoryStore) Head(ctx context.Context, org string) (Head, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if l := s.orgs[org]; l != nil {
		return Head{Tree: Tree{Size: l.head.Tree.Size, Frontier: cloneHashes(l.head.Tree.Frontier)},
			Start: l.head.Start}, nil
	}
	return Head{}, nil
}

// Nodes implements [Store].
func (s *MemoryStore) Nodes(ctx context.Context, org string, ids []NodeID) ([][]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	l := s.orgs[org]
	out := make([][]byte, len(ids))
	for i, id := range ids {
		if l == nil || l.nodes[id] == nil {
			return nil, ErrNotFound
		}
		out[i] = l.nodes[id]
	}
	return out, nil
}

// Leaves implements [Store].
func (s *MemoryStore) Leaves(ctx context.Context, org string, from uint64,
	limit int) ([]Entry, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	l := s.orgs[org]
	if l == nil {
		return nil, nil
	}
	from = max(from, l.head.Start)
	lo := from - l.head.Start
	if lo >= uint64(len(l.entries)) {
		return nil, nil
	}
	hi := min(uint64(len(l.entries)), lo+uint64(max(limit, 0)))
	return slices.Clone(l.entries[lo:hi]), nil
}

// Query implements [Store].
func (s *MemoryStore) Query(ctx context.Context, org string, q Query) ([]Entry, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	l := s.orgs[org]
	if l == nil {
		return nil, nil
	}
	var out []Entry
	for i := len(l.entries) - 1; i >= 0; i-- {
		e := &l.entries[i]
		if q.matches(&e.Event) && (q.After == nil || q.After.before(e.Event.Time, e.Index)) {
			out = append(out, *e)
		}
	}
	slices.SortStableFunc(out, func(a, b Entry) int {
		if c := b.Event.Time.Compare(a.Event.Time); c != 0 {
			return c
		}
		return cmpUint(b.Index, a.Index)
	})
	return out[:min(len(out), q.PageSize())], nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// SaveCheckpoint implements [Store].
func (s *MemoryStore) SaveCheckpoint(ctx context.Context, org string, cp StoredCheckpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.log(org)
	cp.Note = slices.Clone(cp.Note)
	l.checkpoints = append(l.checkpoints, cp)
	return nil
}

// LatestCheckpoint implements [Store].
func (s *MemoryStore) LatestCheckpoint(ctx context.Context, org string) (StoredCheckpoint, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	l := s.orgs[org]
	if l == nil || len(l.checkpoints) == 0 {
		return StoredCheckpoint{}, ErrNotFound
	}
	best := l.checkpoints[0]
	for _, cp := range l.checkpoints[1:] {
		if cp.Size > best.Size || cp.Size == best.Size && cp.Time.After(best.Time) {
			best = cp
		}
	}
	return best, nil
}

// Prune implements [Store].
func (s *MemoryStore) Prune(ctx context.Context, org string, cutoff time.Time) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.orgs[org]
	if l == nil {
		return 0, nil
	}
	n := 0
	for n < len(l.entries) && l.entries[n].Event.Time.Before(cutoff) {
		delete(l.ids, l.entries[n].Event.ID)
		n++
	}
	l.entries = slices.Clone(l.entries[n:])
	l.head.Start += uint64(n)
	return l.head.Start, nil
}

// Span implements [Store].
func (s *MemoryStore) Span(ctx context.Context, org string, since, until time.Time) (uint64, uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	l := s.orgs[org]
	if l == nil {
		return 0, 0, nil
	}
	q := Query{Since: since, Until: until}
	var from, to uint64
	found := false
	for _, e := range l.entries {
		if !q.matches(&e.Event) {
			continue
		}
		if !found {
			from, found = e.Index, true
		}
		to = e.Index + 1
	}
	return from, to, nil
}

// Organizations implements [Store].
func (s *MemoryStore) Organizations(ctx context.Context) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for org, l := range s.orgs {
		if l.head.Tree.Size > 0 {
			out = append(out, org)
		}
	}
	slices.Sort(out)
	return out, nil
}

// StreamCursor implements [Store].
func (s *MemoryStore) StreamCursor(ctx context.Context, stream, org string) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cursors[[2]string{stream, org}], nil
}

// SaveStreamCursor implements [Store].
func (s *MemoryStore) SaveStreamCursor(ctx context.Context, stream, org string, next uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursors[[2]string{stream, org}] = next
	return nil
}
