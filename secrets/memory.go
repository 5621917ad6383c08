package secrets

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"
)

// MemoryStore is a [Store] in process memory, for tests and prototypes.
// It is safe for concurrent use; its data is lost when the process ends,
// and it is not shared between instances of a host. Its event outbox
// grows until [Service.PruneEvents] trims it.
type MemoryStore struct {
	mu      sync.RWMutex
	secrets map[secretKey]*memSecret
	order   []secretKey // sorted; rebuilt when dirty
	dirty   bool
	keys    map[string]APIKey // by ID
	byHash  map[string]string // hash -> ID
	events  eventLog
}

// eventLog is an append-only list of events in fixed-size chunks, so
// that appending never copies what is already there. Positions are
// absolute: pruning drops whole chunks and raises base, the first
// position still readable.
type eventLog struct {
	chunks  [][]Event
	dropped int // chunks pruned away
	n       int // events ever appended
	base    int
}

const eventChunk = 1024

func (l *eventLog) append(ev Event) {
	if l.n%eventChunk == 0 {
		l.chunks = append(l.chunks, make([]Event, 0, eventChunk))
	}
	c := &l.chunks[len(l.chunks)-1]
	*c = append(*c, ev)
	l.n++
}

// slice copies events [from, to), from >= base.
func (l *eventLog) slice(from, to int) []Event {
	out := make([]Event, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, l.chunks[i/eventChunk-l.dropped][i%eventChunk])
	}
	return out
}

// prune forgets events before position through (exclusive).
func (l *eventLog) prune(through int) int {
	through = min(through, l.n)
	if through <= l.base {
		return 0
	}
	n := through - l.base
	l.base = through
	for len(l.chunks) > 1 && (l.dropped+1)*eventChunk <= l.base {
		l.chunks[0] = nil
		l.chunks = l.chunks[1:]
		l.dropped++
	}
	return n
}

type secretKey struct{ org, name string }

func (k secretKey) compare(o secretKey) int {
	return cmp.Or(cmp.Compare(k.org, o.org), cmp.Compare(k.name, o.name))
}

type memSecret struct {
	rec      Secret
	versions map[int]SealedVersion
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{secrets: map[secretKey]*memSecret{}, keys: map[string]APIKey{},
		byHash: map[string]string{}}
}

func cloneSecret(s Secret) Secret {
	s.Metadata.Labels = maps.Clone(s.Metadata.Labels)
	return s
}

func cloneVersion(v SealedVersion) SealedVersion {
	v.WrappedKey = slices.Clone(v.WrappedKey)
	v.Ciphertext = slices.Clone(v.Ciphertext)
	return v
}

func (m *MemoryStore) appendLocked(ev Event) {
	ev.Cursor = strconv.Itoa(m.events.n + 1)
	m.events.append(ev)
}

// PutVersion implements [Store].
func (m *MemoryStore) PutVersion(_ context.Context, s Secret, v SealedVersion,
	keep int, ev Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := secretKey{s.OrganizationID, s.Name}
	cur, ok := m.secrets[k]
	switch {
	case !ok && v.Version != 1, ok && v.Version != cur.rec.LatestVersion+1:
		return ErrVersionConflict
	case ok && !cur.rec.DeletedAt.IsZero():
		return ErrDeleted
	case !ok:
		cur = &memSecret{versions: map[int]SealedVersion{}}
		m.secrets[k] = cur
		m.dirty = true
	}
	s.LatestVersion = v.Version
	cur.rec = cloneSecret(s)
	cur.versions[v.Version] = cloneVersion(v)
	if keep > 0 {
		for n := range cur.versions {
			if n <= v.Version-keep {
				delete(cur.versions, n)
			}
		}
	}
	m.appendLocked(ev)
	return nil
}

// SetMetadata implements [Store].
func (m *MemoryStore) SetMetadata(_ context.Context, org, name string, meta Metadata, at time.Time,
	ev Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.secrets[secretKey{org, name}]
	switch {
	case !ok:
		return ErrNotFound
	case !cur.rec.DeletedAt.IsZero():
		return ErrDeleted
	}
	cur.rec.Metadata = meta
	cur.rec.Metadata.Labels = maps.Clone(meta.Labels)
	cur.rec.UpdatedAt = at
	m.appendLocked(ev)
	return nil
}

// Secret implements [Store].
func (m *MemoryStore) Secret(_ context.Context, org, name string) (Secret, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	cur, ok := m.secrets[secretKey{org, name}]
	if !ok {
		return Secret{}, ErrNotFound
	}
	return cloneSecret(cur.rec), nil
}

// Version implements [Store].
func (m *MemoryStore) Version(_ context.Context, org, name string,
	version int) (SealedVersion, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	cur, ok := m.secrets[secretKey{org, name}]
	if !ok {
		return SealedVersion{}, ErrNotFound
	}
	if !cur.rec.DeletedAt.IsZero() {
		return SealedVersion{}, ErrDeleted
	}
	if version == 0 {
		version = cur.rec.LatestVersion
	}
	v, ok := cur.versions[version]
	if !ok {
		return SealedVersion{}, ErrNotFound
	}
	return cloneVersion(v), nil
}

// ListVersions implements [Store].
func (m *MemoryStore) ListVersions(_ context.Context, org, name string) ([]int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	cur, ok := m.secrets[secretKey{org, name}]
	if !ok {
		return nil, ErrNotFound
	}
	return slices.Sorted(maps.Keys(cur.versions)), nil
}

// sortedLocked returns the secrets' keys in order, rebuilding the index
// after creations and removals. The caller holds the write lock.
func (m *MemoryStore) sortedLocked() []secretKey {
	if m.dirty {
		m.order = slices.SortedFunc(maps.Keys(m.secrets), secretKey.compare)
		m.dirty = false
	}
	return m.order
}

// ListSecrets implements [Store].
func (m *MemoryStore) ListSecrets(_ context.Context, org string,
	opts ListOptions) ([]Secret, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	order := m.sortedLocked()
	i, _ := slices.BinarySearchFunc(order, secretKey{org, opts.After}, secretKey.compare)
	var out []Secret
	for ; i < len(order) && order[i].org == org && len(out) < max(opts.Limit, 1); i++ {
		cur := m.secrets[order[i]]
		if cur.rec.Name <= opts.After || !opts.IncludeDeleted && !cur.rec.DeletedAt.IsZero() {
			continue
		}
		out = append(out, cloneSecret(cur.rec))
	}
	return out, nil
}

// SetDeleted implements [Store].
func (m *MemoryStore) SetDeleted(_ context.Context, org, name string,
	at time.Time, ev Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.secrets[secretKey{org, name}]
	if !ok || cur.rec.DeletedAt.IsZero() == at.IsZero() {
		return ErrNotFound
	}
	cur.rec.DeletedAt = at
	m.appendLocked(ev)
	return nil
}

// DestroySecret implements [Store].
func (m *MemoryStore) DestroySecret(_ context.Context, org, name string, ev Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := secretKey{org, name}
	if _, ok := m.secrets[k]; !ok {
		return ErrNotFound
	}
	delete(m.secrets, k)
	m.dirty = true
	m.appendLocked(ev)
	return nil
}

// DeletedBefore implements [Store].
func (m *MemoryStore) DeletedBefore(_ context.Context, t time.Time,
	limit int) ([]VersionRef, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var found []*memSecret
	for _, cur := range m.secrets {
		if d := cur.rec.DeletedAt; !d.IsZero() && d.Before(t) {
			found = append(found, cur)
		}
	}
	slices.SortFunc(found,
		func(a, b *memSecret) int { return a.rec.DeletedAt.Compare(b.rec.DeletedAt) })
	found = found[:min(len(found), max(limit, 1))]
	out := make([]VersionRef, 0, len(found))
	for _, cur := range found {
		out = append(out, VersionRef{OrganizationID: cur.rec.OrganizationID, Name: cur.rec.Name})
	}
	return out, nil
}

// VersionsNotUnder implements [Store].
func (m *MemoryStore) VersionsNotUnder(_ context.Context, keyID string, after VersionRef,
	limit int) ([]SealedVersion, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	order := m.sortedLocked()
	start := secretKey{after.OrganizationID, after.Name}
	i, _ := slices.BinarySearchFunc(order, start, secretKey.compare)
	var out []SealedVersion
	for ; i < len(order) && len(out) < max(limit, 1); i++ {
		cur := m.secrets[order[i]]
		for _, n := range slices.Sorted(maps.Keys(cur.versions)) {
			v := cur.versions[n]
			if order[i] == start && n <= after.Version || v.KeyID == keyID {
				continue
			}
			if len(out) < max(limit, 1) {
				out = append(out, cloneVersion(v))
			}
		}
	}
	return out, nil
}

// CountNotUnder implements [Store].
func (m *MemoryStore) CountNotUnder(_ context.Context, keyID string) (int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for _, cur := range m.secrets {
		for _, v := range cur.versions {
			if v.KeyID != keyID {
				n++
			}
		}
	}
	return n, nil
}

// Rewrap implements [Store].
func (m *MemoryStore) Rewrap(_ context.Context, changes []RewrapChange) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, c := range changes {
		cur, ok := m.secrets[secretKey{c.Ref.OrganizationID, c.Ref.Name}]
		if !ok {
			continue
		}
		v, ok := cur.versions[c.Ref.Version]
		if !ok || v.KeyID != c.OldKeyID {
			continue
		}
		v.KeyID, v.WrappedKey = c.NewKeyID, slices.Clone(c.WrappedKey)
		cur.versions[c.Ref.Version] = v
		m.appendLocked(c.Event)
		n++
	}
	return n, nil
}

// AppendEvent implements [Store].
func (m *MemoryStore) AppendEvent(_ context.Context, ev Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.appendLocked(ev)
	return nil
}

// Events implements [Store].
func (m *MemoryStore) Events(_ context.Context, after string, limit int) ([]Event, error) {
	start := 0
	if after != "" {
		n, err := strconv.Atoi(after)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("secrets: malformed event cursor")
		}
		start = n
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	start = max(start, m.events.base)
	if start >= m.events.n {
		return nil, nil
	}
	return m.events.slice(start, min(m.events.n, start+max(limit, 1))), nil
}

// PruneEvents implements [Store].
func (m *MemoryStore) PruneEvents(_ context.Context, through string) (int, error) {
	n, err := strconv.Atoi(through)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("secrets: malformed event cursor")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.events.prune(n), nil
}
