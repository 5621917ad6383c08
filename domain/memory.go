package domain

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"
)

// MemoryStore is a [Store] that keeps everything in process memory. It is
// correct and safe for concurrent use, and suits tests and prototypes;
// its contents are lost when the process ends.
type MemoryStore struct {
	mu       sync.RWMutex
	domains  map[string]*Domain // by ID
	byName   map[orgName]string // (organization, name) to ID
	verified map[string]string  // name to the ID of its verified domain
	events   []Event
}

type orgName struct{ org, name string }

// NewMemoryStore returns an empty [MemoryStore].
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		domains:  map[string]*Domain{},
		byName:   map[orgName]string{},
		verified: map[string]string{},
	}
}

// Create implements [Store].
func (m *MemoryStore) Create(_ context.Context, d Domain, e Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := orgName{d.OrganizationID, d.Name}
	if _, ok := m.byName[key]; ok {
		return ErrDuplicate
	}
	if _, ok := m.domains[d.ID]; ok {
		return fmt.Errorf("domain: ID %s is taken", d.ID)
	}
	if d.Status == StatusVerified && m.verified[d.Name] != "" {
		return ErrClaimed
	}
	d.Revision = 1
	m.domains[d.ID] = &d
	m.byName[key] = d.ID
	m.index(&d)
	m.appendEvents(e)
	return nil
}

// Get implements [Store].
func (m *MemoryStore) Get(_ context.Context, organizationID, id string) (Domain, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	d, ok := m.domains[id]
	if !ok || d.OrganizationID != organizationID {
		return Domain{}, ErrNotFound
	}
	return *d, nil
}

// List implements [Store].
func (m *MemoryStore) List(_ context.Context, organizationID, afterID string,
	limit int) ([]Domain, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Domain
	for _, d := range m.domains {
		if d.OrganizationID == organizationID && d.ID > afterID {
			out = append(out, *d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Update implements [Store].
func (m *MemoryStore) Update(_ context.Context, d Domain, events ...Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.domains[d.ID]
	if !ok || cur.OrganizationID != d.OrganizationID {
		return ErrNotFound
	}
	if cur.Revision != d.Revision {
		return ErrStale
	}
	if holder := m.verified[d.Name]; d.Status == StatusVerified && holder != "" && holder != d.ID {
		return ErrClaimed
	}
	m.unindex(cur)
	d.Name = cur.Name // the name of a domain never changes
	d.Revision++
	*cur = d
	m.index(cur)
	m.appendEvents(events...)
	return nil
}

// Delete implements [Store].
func (m *MemoryStore) Delete(_ context.Context, organizationID, id string, e Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.domains[id]
	if !ok || d.OrganizationID != organizationID {
		return ErrNotFound
	}
	m.unindex(d)
	delete(m.byName, orgName{d.OrganizationID, d.Name})
	delete(m.domains, id)
	m.appendEvents(e)
	return nil
}

// FindVerified implements [Store].
func (m *MemoryStore) FindVerified(_ context.Context, names []string) ([]Domain, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Domain
	for _, name := range names {
		if id, ok := m.verified[name]; ok {
			out = append(out, *m.domains[id])
		}
	}
	return out, nil
}

// DueForCheck implements [Store].
func (m *MemoryStore) DueForCheck(_ context.Context, checkedBefore time.Time,
	limit int) ([]Domain, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Domain
	for _, id := range m.verified {
		if d := m.domains[id]; d.LastCheckedAt.Before(checkedBefore) {
			out = append(out, *d)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].LastCheckedAt.Equal(out[j].LastCheckedAt) {
			return out[i].LastCheckedAt.Before(out[j].LastCheckedAt)
		}
		return out[i].ID < out[j].ID
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Events implements [Store].
func (m *MemoryStore) Events(_ context.Context, after string, limit int) ([]Event, error) {
	start := 0
	if after != "" {
		n, err := strconv.Atoi(after)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("domain: malformed event cursor %q", after)
		}
		start = n
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if start >= len(m.events) {
		return nil, nil
	}
	end := min(len(m.events), start+limit)
	return append([]Event(nil), m.events[start:end]...), nil
}

// appendEvents adds events to the log; the caller holds m.mu.
func (m *MemoryStore) appendEvents(events ...Event) {
	for _, e := range events {
		e.Cursor = strconv.Itoa(len(m.events) + 1)
		m.events = append(m.events, e)
	}
}

// index and unindex keep the verified-name index in step with d; the
// caller holds m.mu.
func (m *MemoryStore) index(d *Domain) {
	if d.Status == StatusVerified {
		m.verified[d.Name] = d.ID
	}
}

func (m *MemoryStore) unindex(d *Domain) {
	if m.verified[d.Name] == d.ID {
		delete(m.verified, d.Name)
	}
}
