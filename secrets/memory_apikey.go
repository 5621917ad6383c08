package secrets

import (
	"context"
	"maps"
	"slices"
	"time"
)

func cloneKey(k APIKey) APIKey {
	k.Scopes = slices.Clone(k.Scopes)
	k.Hash = slices.Clone(k.Hash)
	return k
}

// CreateAPIKey implements [APIKeyStore].
func (m *MemoryStore) CreateAPIKey(_ context.Context, k APIKey, ev Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.createKeyLocked(k, ev)
}

func (m *MemoryStore) createKeyLocked(k APIKey, ev Event) error {
	if _, dup := m.keys[k.ID]; dup {
		return ErrVersionConflict
	}
	if _, dup := m.byHash[string(k.Hash)]; dup {
		return ErrVersionConflict
	}
	m.keys[k.ID] = cloneKey(k)
	m.byHash[string(k.Hash)] = k.ID
	m.appendLocked(ev)
	return nil
}

// APIKeyByHash implements [APIKeyStore].
func (m *MemoryStore) APIKeyByHash(_ context.Context, hash []byte) (APIKey, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	id, ok := m.byHash[string(hash)]
	if !ok {
		return APIKey{}, ErrNotFound
	}
	return cloneKey(m.keys[id]), nil
}

// APIKey implements [APIKeyStore].
func (m *MemoryStore) APIKey(_ context.Context, org, id string) (APIKey, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	k, ok := m.keys[id]
	if !ok || k.OrganizationID != org {
		return APIKey{}, ErrNotFound
	}
	return cloneKey(k), nil
}

// ListAPIKeys implements [APIKeyStore].
func (m *MemoryStore) ListAPIKeys(_ context.Context, org string,
	opts APIKeyListOptions) ([]APIKey, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []APIKey
	for _, id := range slices.Sorted(maps.Keys(m.keys)) {
		k := m.keys[id]
		if k.OrganizationID != org || id <= opts.After ||
			opts.Owner.ID != "" && k.Owner != opts.Owner {
			continue
		}
		out = append(out, cloneKey(k))
		if len(out) == max(opts.Limit, 1) {
			break
		}
	}
	return out, nil
}

// RotateAPIKey implements [APIKeyStore].
func (m *MemoryStore) RotateAPIKey(_ context.Context, org, oldID string, oldExpires time.Time,
	next APIKey, ev Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.keys[oldID]
	switch {
	case !ok || old.OrganizationID != org:
		return ErrNotFound
	case !old.RevokedAt.IsZero():
		return ErrKeyRevoked
	}
	if err := m.createKeyLocked(next, ev); err != nil {
		return err
	}
	if oldExpires.Before(old.ExpiresAt) {
		old.ExpiresAt = oldExpires
		m.keys[oldID] = old
	}
	return nil
}

// RevokeAPIKey implements [APIKeyStore].
func (m *MemoryStore) RevokeAPIKey(_ context.Context, org, id string,
	at time.Time, ev Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[id]
	switch {
	case !ok || k.OrganizationID != org:
		return ErrNotFound
	case !k.RevokedAt.IsZero():
		return nil
	}
	k.RevokedAt = at
	m.keys[id] = k
	m.appendLocked(ev)
	return nil
}

// RevokeOwnerAPIKeys implements [APIKeyStore].
func (m *MemoryStore) RevokeOwnerAPIKeys(_ context.Context, org string, owner Owner, at time.Time,
	ev Event) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, k := range m.keys {
		if k.OrganizationID == org && k.Owner == owner && k.RevokedAt.IsZero() {
			k.RevokedAt = at
			m.keys[id] = k
			n++
		}
	}
	if n > 0 {
		ev.Data.Count = n
		m.appendLocked(ev)
	}
	return n, nil
}

// TouchAPIKey implements [APIKeyStore].
func (m *MemoryStore) TouchAPIKey(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[id]
	if !ok {
		return ErrNotFound
	}
	if at.After(k.LastUsedAt) {
		k.LastUsedAt = at
		m.keys[id] = k
	}
	return nil
}
