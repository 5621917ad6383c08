package sso

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"sync"
	"time"
)

// maxAttemptsKept is how many login attempts per connection the memory
// store keeps.
const maxAttemptsKept = 200

// MemoryStore is a [Store] in process memory. It is correct and safe for
// concurrent use, but shared by nothing outside the process: for tests,
// prototypes and single-instance deployments.
type MemoryStore struct {
	mu       sync.Mutex
	conns    map[string]*Connection
	states   map[string]*LoginState
	used     map[string]time.Time
	attempts map[string][]*Attempt
	events   []Event   // the outbox; an event's cursor is its index + 1
	swept    time.Time // when expired entries were last dropped
}

// NewMemoryStore returns an empty [MemoryStore].
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		conns:    map[string]*Connection{},
		states:   map[string]*LoginState{},
		used:     map[string]time.Time{},
		attempts: map[string][]*Attempt{},
	}
}

// CreateConnection implements [Store].
func (m *MemoryStore) CreateConnection(_ context.Context, c *Connection, events ...Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.conns[c.ID]; ok {
		return ErrConflict
	}
	m.conns[c.ID] = storable(c)
	m.append(events)
	return nil
}

// UpdateConnection implements [Store].
func (m *MemoryStore) UpdateConnection(_ context.Context, c *Connection, events ...Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.conns[c.ID]
	if !ok || old.OrganizationID != c.OrganizationID {
		return ErrNotFound
	}
	m.conns[c.ID] = storable(c)
	m.append(events)
	return nil
}

// append adds events to the outbox. The caller holds m.mu.
func (m *MemoryStore) append(events []Event) {
	for _, e := range events {
		e.Cursor = ""
		m.events = append(m.events, e)
	}
}

// Events implements [Store].
func (m *MemoryStore) Events(_ context.Context, after string, limit int) ([]Event, error) {
	start := 0
	if after != "" {
		n, err := strconv.Atoi(after)
		if err != nil || n < 0 {
			return nil, errors.New("sso: malformed event cursor")
		}
		start = n
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Event
	for i := start; i < len(m.events) && len(out) < limit; i++ {
		e := m.events[i]
		e.Cursor = strconv.Itoa(i + 1)
		out = append(out, e)
	}
	return out, nil
}

// Connection implements [Store].
func (m *MemoryStore) Connection(_ context.Context, org, id string) (*Connection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.conns[id]
	if !ok || c.OrganizationID != org {
		return nil, ErrNotFound
	}
	return c.clone(), nil
}

// ConnectionByID implements [Store].
func (m *MemoryStore) ConnectionByID(_ context.Context, id string) (*Connection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.conns[id]
	if !ok {
		return nil, ErrNotFound
	}
	return c.clone(), nil
}

// ListConnections implements [Store].
func (m *MemoryStore) ListConnections(_ context.Context, org, after string,
	limit int) ([]*Connection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Connection
	for _, c := range m.conns {
		if c.OrganizationID == org && c.ID > after {
			out = append(out, c.clone())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if limit >= 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// MetadataDue implements [Store].
func (m *MemoryStore) MetadataDue(_ context.Context, before time.Time,
	limit int) ([]*Connection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Connection
	for _, c := range m.conns {
		if c.SAML != nil && c.SAML.IdPMetadataURL != "" && c.SAML.MetadataFetchedAt.Before(before) {
			out = append(out, c.clone())
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].SAML.MetadataFetchedAt, out[j].SAML.MetadataFetchedAt
		if !a.Equal(b) {
			return a.Before(b)
		}
		return out[i].ID < out[j].ID
	})
	if limit >= 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// DeleteConnection implements [Store].
func (m *MemoryStore) DeleteConnection(_ context.Context, org, id string, events ...Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.conns[id]
	if !ok || c.OrganizationID != org {
		return ErrNotFound
	}
	delete(m.conns, id)
	delete(m.attempts, id)
	m.append(events)
	return nil
}

// storable returns the copy of c that a store keeps: without a plaintext
// client secret.
func storable(c *Connection) *Connection {
	d := c.clone()
	if d.OIDC != nil {
		d.OIDC.ClientSecret = ""
	}
	return d
}

// SaveLoginState implements [Store].
func (m *MemoryStore) SaveLoginState(_ context.Context, s *LoginState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(s.CreatedAt)
	if _, ok := m.states[s.ID]; ok {
		return ErrConflict
	}
	c := *s
	m.states[s.ID] = &c
	return nil
}

// TakeLoginState implements [Store].
func (m *MemoryStore) TakeLoginState(_ context.Context,
	id string, now time.Time) (*LoginState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.states[id]
	if !ok {
		return nil, ErrNotFound
	}
	delete(m.states, id)
	if !now.Before(s.ExpiresAt) {
		return nil, ErrNotFound
	}
	return s, nil
}

// Remember implements [Store].
func (m *MemoryStore) Remember(_ context.Context, key string, expires, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	if until, ok := m.used[key]; ok && now.Before(until) {
		return ErrReplay
	}
	m.used[key] = expires
	return nil
}

// sweep drops expired login states and replay entries, at most once a
// minute. The caller holds m.mu.
func (m *MemoryStore) sweep(now time.Time) {
	if now.Sub(m.swept) < time.Minute && now.After(m.swept) {
		return
	}
	m.swept = now
	for k, until := range m.used {
		if !now.Before(until) {
			delete(m.used, k)
		}
	}
	for k, s := range m.states {
		if !now.Before(s.ExpiresAt) {
			delete(m.states, k)
		}
	}
}

// RecordAttempt implements [Store].
func (m *MemoryStore) RecordAttempt(_ context.Context, a *Attempt) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *a
	log := append(m.attempts[a.ConnectionID], &c)
	if len(log) > maxAttemptsKept {
		log = append([]*Attempt(nil), log[len(log)-maxAttemptsKept:]...)
	}
	m.attempts[a.ConnectionID] = log
	return nil
}

// Attempts implements [Store].
func (m *MemoryStore) Attempts(_ context.Context, org, connID string,
	limit int) ([]*Attempt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Attempt
	log := m.attempts[connID]
	for i := len(log) - 1; i >= 0 && len(out) < limit; i-- {
		if log[i].OrganizationID == org {
			c := *log[i]
			out = append(out, &c)
		}
	}
	return out, nil
}
