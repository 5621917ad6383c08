package scim

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MemoryStore is a [Store] that keeps everything in process memory. It is
// correct and safe for concurrent use, for tests and prototypes; its data
// does not survive the process and is not shared between instances.
type MemoryStore struct {
	mu        sync.RWMutex
	dirs      map[string]*Directory
	tokens    map[string]*Token // by ID
	byHash    map[string]string // token hash -> ID
	resources map[string]map[resKey]*Resource
	userNames map[string]map[string]string   // dir -> folded userName -> ID
	members   map[string]*memberSet          // dir/group -> members
	memberOf  map[string]map[string]struct{} // dir/member -> group IDs
	events    []Event
	cursors   map[string]string
	federated []*FederatedIssuer
}

type resKey struct {
	kind Kind
	id   string
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		dirs: map[string]*Directory{}, tokens: map[string]*Token{},
		byHash: map[string]string{}, resources: map[string]map[resKey]*Resource{},
		userNames: map[string]map[string]string{}, members: map[string]*memberSet{},
		memberOf: map[string]map[string]struct{}{}, cursors: map[string]string{},
	}
}

// CreateDirectory implements [Store].
func (s *MemoryStore) CreateDirectory(ctx context.Context, d *Directory) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dirs[d.ID]; ok {
		return fmt.Errorf("scim: directory %s exists", d.ID)
	}
	c := *d
	s.dirs[d.ID] = &c
	return nil
}

// Directory implements [Store].
func (s *MemoryStore) Directory(ctx context.Context, id string) (*Directory, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.dirs[id]
	if !ok {
		return nil, ErrNotFound
	}
	c := *d
	return &c, nil
}

// Directories implements [Store].
func (s *MemoryStore) Directories(ctx context.Context, org string) ([]*Directory, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*Directory
	for _, d := range s.dirs {
		if d.OrganizationID == org {
			c := *d
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *Directory) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// CreateToken implements [Store].
func (s *MemoryStore) CreateToken(ctx context.Context, t *Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dirs[t.DirectoryID]; !ok {
		return ErrNotFound
	}
	c := *t
	c.Hash = bytes.Clone(t.Hash)
	s.tokens[t.ID] = &c
	s.byHash[string(t.Hash)] = t.ID
	return nil
}

// TokenByHash implements [Store].
func (s *MemoryStore) TokenByHash(ctx context.Context, hash []byte) (*Token, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.byHash[string(hash)]
	if !ok {
		return nil, ErrNotFound
	}
	c := *s.tokens[id]
	return &c, nil
}

// Tokens implements [Store].
func (s *MemoryStore) Tokens(ctx context.Context, dir string) ([]*Token, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*Token
	for _, t := range s.tokens {
		if t.DirectoryID == dir {
			c := *t
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *Token) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// UpdateToken implements [Store].
func (s *MemoryStore) UpdateToken(ctx context.Context, t *Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.tokens[t.ID]
	if !ok || old.DirectoryID != t.DirectoryID {
		return ErrNotFound
	}
	old.ExpiresAt, old.RevokedAt, old.LastUsed = t.ExpiresAt, t.RevokedAt, t.LastUsed
	return nil
}

// CreateFederatedIssuer implements [Store].
func (s *MemoryStore) CreateFederatedIssuer(ctx context.Context, f *FederatedIssuer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dirs[f.DirectoryID]; !ok {
		return ErrNotFound
	}
	for _, o := range s.federated {
		if o.Issuer == f.Issuer && o.Audience == f.Audience && o.Subject == f.Subject {
			return ErrUniqueness
		}
	}
	c := *f
	s.federated = append(s.federated, &c)
	return nil
}

// FederatedIssuers implements [Store].
func (s *MemoryStore) FederatedIssuers(ctx context.Context, issuer, dir string) ([]*FederatedIssuer, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*FederatedIssuer
	for _, f := range s.federated {
		if (issuer == "" || f.Issuer == issuer) && (dir == "" || f.DirectoryID == dir) {
			c := *f
			out = append(out, &c)
		}
	}
	return out, nil
}

// DeleteFederatedIssuer implements [Store].
func (s *MemoryStore) DeleteFederatedIssuer(ctx context.Context, dir, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.federated {
		if f.ID == id && f.DirectoryID == dir {
			s.federated = slices.Delete(s.federated, i, i+1)
			return nil
		}
	}
	return ErrNotFound
}

// DeleteExpiredAccessTokens implements [Store].
func (s *MemoryStore) DeleteExpiredAccessTokens(ctx context.Context, dir string, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, t := range s.tokens {
		if t.DirectoryID == dir && t.Kind == TokenAccess && !t.ExpiresAt.IsZero() && t.ExpiresAt.Before(before) {
			delete(s.byHash, string(t.Hash))
			delete(s.tokens, id)
			n++
		}
	}
	return n, nil
}

// View implements [Store].
func (s *MemoryStore) View(ctx context.Context, dir string, fn func(Reader) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return fn(&memTx{s: s, dir: dir})
}

// Update implements [Store]. Writers are serialized; a failed fn is undone
// from a log of inverse steps.
func (s *MemoryStore) Update(ctx context.Context, dir string, fn func(Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := &memTx{s: s, dir: dir, writable: true}
	err := fn(tx)
	if err != nil {
		for i := len(tx.undo) - 1; i >= 0; i-- {
			tx.undo[i]()
		}
	}
	return err
}

// Events implements [Store].
func (s *MemoryStore) Events(ctx context.Context, after string, limit int) ([]Event, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	start := 0
	if after != "" {
		n, err := strconv.Atoi(after)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("scim: malformed event cursor")
		}
		start = min(n, len(s.events))
	}
	end := min(start+max(limit, 0), len(s.events))
	return slices.Clone(s.events[start:end]), nil
}

// Cursor implements [CursorStore].
func (s *MemoryStore) Cursor(ctx context.Context, consumer string) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cursors[consumer], nil
}

// SetCursor implements [CursorStore].
func (s *MemoryStore) SetCursor(ctx context.Context, consumer, cursor string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursors[consumer] = cursor
	return nil
}
