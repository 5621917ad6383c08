package authz

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/ids"
)

// MemoryStore is a [Store] that keeps everything in process memory,
// indexed by object and relation (forward) and by user, object type and
// relation (reverse). It is safe for concurrent use and linearizable; it
// is meant for tests, prototypes and single-instance hosts, since its data
// is lost with the process.
type MemoryStore struct {
	mu     sync.RWMutex
	orgs   map[string]*memOrg
	events []Event
}

type tupleKey struct{ object, relation, user string }

type objRel struct{ object, relation string }

type userObjRel struct{ user, objectType, relation string }

type memOrg struct {
	rev     uint64 // see [Store.Revision]
	models  []StoredModel
	tuples  map[tupleKey]Tuple
	forward map[objRel]map[string]struct{}
	// usersets is the part of forward whose users are usersets.
	usersets map[objRel]map[string]struct{}
	reverse  map[userObjRel]map[string]struct{}
	changes  []Change
}

// NewMemoryStore returns an empty [MemoryStore].
func NewMemoryStore() *MemoryStore { return &MemoryStore{orgs: map[string]*memOrg{}} }

func (s *MemoryStore) org(org string, create bool) *memOrg {
	o := s.orgs[org]
	if o == nil && create {
		o = &memOrg{tuples: map[tupleKey]Tuple{}, forward: map[objRel]map[string]struct{}{},
			usersets: map[objRel]map[string]struct{}{},
			reverse:  map[userObjRel]map[string]struct{}{}}
		s.orgs[org] = o
	}
	return o
}

// WriteModel implements [Store]. The model is copied.
func (s *MemoryStore) WriteModel(ctx context.Context, org string, m StoredModel) error {
	b, err := json.Marshal(m.Model)
	if err != nil {
		return fmt.Errorf("authz: encoding model: %w", err)
	}
	cp := new(Model)
	if err := json.Unmarshal(b, cp); err != nil {
		return err
	}
	m.Model = cp
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.org(org, true)
	for _, old := range o.models {
		if old.ID == m.ID {
			return fmt.Errorf("authz: model %s exists already", m.ID)
		}
	}
	o.models = append(o.models, m)
	o.rev++
	return nil
}

// Revision implements [Store].
func (s *MemoryStore) Revision(ctx context.Context, org string) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if o := s.org(org, false); o != nil {
		return o.rev, nil
	}
	return 0, nil
}

// Model implements [Store]. The returned Model is shared: callers must
// not modify it.
func (s *MemoryStore) Model(ctx context.Context, org, id string) (StoredModel, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.org(org, false)
	if o == nil || len(o.models) == 0 {
		return StoredModel{}, ErrNotFound
	}
	if id == "" {
		return o.models[len(o.models)-1], nil
	}
	for _, m := range o.models {
		if m.ID == id {
			return m, nil
		}
	}
	return StoredModel{}, ErrNotFound
}

// Models implements [Store]. The cursor is the position in the list.
func (s *MemoryStore) Models(ctx context.Context, org, cursor string, limit int) ([]StoredModel,
	string, error) {
	start, err := decodeIndex(cursor)
	if err != nil {
		return nil, "", err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.org(org, false)
	if o == nil {
		return nil, "", nil
	}
	var out []StoredModel
	for i := len(o.models) - 1 - start; i >= 0; i-- {
		if limit > 0 && len(out) == limit {
			return out, encodeIndex(start + len(out)), nil
		}
		out = append(out, o.models[i])
	}
	return out, "", nil
}

func encodeIndex(i int) string { return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(i))) }

func decodeIndex(cursor string) (int, error) {
	if cursor == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	n, err2 := strconv.Atoi(string(b))
	if err != nil || err2 != nil || n < 0 {
		return 0, ErrInvalidCursor
	}
	return n, nil
}

// Write implements [Store].
func (s *MemoryStore) Write(ctx context.Context, org string, b WriteBatch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.org(org, true)
	for _, t := range b.Deletes {
		if _, ok := o.tuples[keyOf(t)]; !ok && !b.IgnoreMissing {
			return fmt.Errorf("deleting %s: %w", t, ErrMissing)
		}
	}
	for _, t := range b.Writes {
		if _, ok := o.tuples[keyOf(t)]; ok && !b.IgnoreDuplicates {
			return fmt.Errorf("writing %s: %w", t, ErrDuplicate)
		}
	}
	o.rev++
	for _, t := range b.Deletes {
		if o.remove(keyOf(t)) {
			s.logChange(o, org, ChangeDelete, t.Key(), b.Time)
		}
	}
	for _, t := range b.Writes {
		if _, ok := o.tuples[keyOf(t)]; ok {
			continue
		}
		t = cloneTuple(t)
		o.add(t)
		s.logChange(o, org, ChangeWrite, t, b.Time)
	}
	return nil
}

func (s *MemoryStore) logChange(o *memOrg, org string, op ChangeOp, t Tuple, at time.Time) {
	o.changes = append(o.changes, Change{Op: op, Tuple: t, Time: at})
	typ := EventTupleWritten
	if op == ChangeDelete {
		typ = EventTupleDeleted
	}
	s.events = append(s.events, Event{ID: ids.NewAt("azc", at), Type: typ, OrganizationID: org,
		Time: at, Tuple: cloneTuple(t)})
}

// Events implements [Store].
func (s *MemoryStore) Events(ctx context.Context, cursor string, limit int) ([]Event, string,
	error) {
	start, err := decodeIndex(cursor)
	if err != nil {
		return nil, "", err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if start > len(s.events) {
		return nil, "", ErrInvalidCursor
	}
	end := len(s.events)
	if limit > 0 && start+limit < end {
		end = start + limit
	}
	out := make([]Event, end-start)
	for i := range out {
		out[i] = s.events[start+i]
		out[i].Tuple = cloneTuple(out[i].Tuple)
	}
	return out, encodeIndex(end), nil
}

func keyOf(t Tuple) tupleKey { return tupleKey{t.Object, t.Relation, t.User} }

func objectType(object string) string {
	typ, _, _ := strings.Cut(object, ":")
	return typ
}

func (o *memOrg) add(t Tuple) {
	k := keyOf(t)
	o.tuples[k] = t
	f := objRel{t.Object, t.Relation}
	if o.forward[f] == nil {
		o.forward[f] = map[string]struct{}{}
	}
	o.forward[f][t.User] = struct{}{}
	if strings.Contains(t.User, "#") {
		if o.usersets[f] == nil {
			o.usersets[f] = map[string]struct{}{}
		}
		o.usersets[f][t.User] = struct{}{}
	}
	r := userObjRel{t.User, objectType(t.Object), t.Relation}
	if o.reverse[r] == nil {
		o.reverse[r] = map[string]struct{}{}
	}
	o.reverse[r][t.Object] = struct{}{}
}

func (o *memOrg) remove(k tupleKey) bool {
	if _, ok := o.tuples[k]; !ok {
		return false
	}
	delete(o.tuples, k)
	f := objRel{k.object, k.relation}
	if delete(o.forward[f], k.user); len(o.forward[f]) == 0 {
		delete(o.forward, f)
	}
	if delete(o.usersets[f], k.user); len(o.usersets[f]) == 0 {
		delete(o.usersets, f)
	}
	r := userObjRel{k.user, objectType(k.object), k.relation}
	if delete(o.reverse[r], k.object); len(o.reverse[r]) == 0 {
		delete(o.reverse, r)
	}
	return true
}

// Lookup implements [Store].
func (s *MemoryStore) Lookup(ctx context.Context, org, object, relation, user string) (Tuple,
	bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.orgs[org]
	if o == nil {
		return Tuple{}, false, nil
	}
	t, ok := o.tuples[tupleKey{object, relation, user}]
	if ok {
		t = cloneTuple(t)
	}
	return t, ok, nil
}

// Read implements [Store]. A filter that names an object and relation is
// served by the forward index, one that names a user, object type and
// relation by the reverse index; others scan.
func (s *MemoryStore) Read(ctx context.Context, org string, f Filter, cursor string,
	limit int) ([]Tuple, string, error) {
	after, err := decodeSortKey(cursor)
	if err != nil {
		return nil, "", err
	}
	s.mu.RLock()
	matched := s.match(org, f, after)
	s.mu.RUnlock()

	slices.SortFunc(matched, compareTuples)
	next := ""
	if limit > 0 && len(matched) > limit {
		matched = matched[:limit]
		next = base64.RawURLEncoding.EncodeToString([]byte(sortKey(matched[limit-1])))
	}
	return matched, next, nil
}

func (s *MemoryStore) match(org string, f Filter, after *Tuple) []Tuple {
	o := s.orgs[org]
	if o == nil {
		return nil
	}
	var out []Tuple
	consider := func(t Tuple) {
		if f.matches(t) && (after == nil || compareTuples(t, *after) > 0) {
			out = append(out, cloneTuple(t))
		}
	}
	switch {
	case f.ObjectID != "" && f.Relation != "":
		obj := f.ObjectType + ":" + f.ObjectID
		users := o.forward[objRel{obj, f.Relation}]
		if f.UsersetsOnly {
			users = o.usersets[objRel{obj, f.Relation}]
		}
		out = make([]Tuple, 0, len(users))
		for u := range users {
			consider(o.tuples[tupleKey{obj, f.Relation, u}])
		}
	case f.User != "" && f.ObjectType != "" && f.Relation != "":
		objs := o.reverse[userObjRel{f.User, f.ObjectType, f.Relation}]
		out = make([]Tuple, 0, len(objs))
		for obj := range objs {
			consider(o.tuples[tupleKey{obj, f.Relation, f.User}])
		}
	default:
		for _, t := range o.tuples {
			consider(t)
		}
	}
	return out
}

// matches reports whether t satisfies the filter.
func (f Filter) matches(t Tuple) bool {
	otyp, oid, _ := strings.Cut(t.Object, ":")
	utyp, _, _ := strings.Cut(t.User, ":")
	switch {
	case f.ObjectType != "" && otyp != f.ObjectType,
		f.ObjectID != "" && oid != f.ObjectID,
		f.Relation != "" && t.Relation != f.Relation,
		f.User != "" && t.User != f.User,
		f.UserType != "" && utyp != f.UserType,
		f.UsersetsOnly && !strings.Contains(t.User, "#"):
		return false
	}
	return true
}

// parts splits a tuple into object type, object ID, relation, user type,
// user ID and user relation, the order of pages in every Store.
func parts(t Tuple) [6]string {
	otyp, oid, _ := strings.Cut(t.Object, ":")
	uobj, urel, _ := strings.Cut(t.User, "#")
	utyp, uid, _ := strings.Cut(uobj, ":")
	return [6]string{otyp, oid, t.Relation, utyp, uid, urel}
}

func compareTuples(a, b Tuple) int {
	pa, pb := parts(a), parts(b)
	for i := range pa {
		if c := strings.Compare(pa[i], pb[i]); c != 0 {
			return c
		}
	}
	return 0
}

func sortKey(t Tuple) string {
	p := parts(t)
	return strings.Join(p[:], "\x00")
}

func decodeSortKey(cursor string) (*Tuple, error) {
	if cursor == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	p := strings.Split(string(b), "\x00")
	if err != nil || len(p) != 6 {
		return nil, ErrInvalidCursor
	}
	t := Tuple{Object: p[0] + ":" + p[1], Relation: p[2], User: p[3] + ":" + p[4]}
	if p[5] != "" {
		t.User += "#" + p[5]
	}
	return &t, nil
}

// ReadDirect implements [Store] with three index lookups.
func (s *MemoryStore) ReadDirect(ctx context.Context, org, object, relation,
	user string) ([]Tuple, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.orgs[org]
	if o == nil {
		return nil, nil
	}
	var out []Tuple
	add := func(u string) {
		if t, ok := o.tuples[tupleKey{object, relation, u}]; ok {
			out = append(out, cloneTuple(t))
		}
	}
	add(user)
	if w, ok := wildcardOf(user); ok {
		add(w)
	}
	sets := o.usersets[objRel{object, relation}]
	start := len(out)
	for u := range sets {
		if u != user {
			add(u)
		}
	}
	slices.SortFunc(out[start:], compareTuples)
	return out, nil
}

// wildcardOf returns "type:*" for a user "type:id", and false for
// wildcards and usersets.
func wildcardOf(user string) (string, bool) {
	typ, id, ok := strings.Cut(user, ":")
	if !ok || id == "*" || strings.Contains(id, "#") {
		return "", false
	}
	return typ + ":*", true
}

// Changes implements [Store].
func (s *MemoryStore) Changes(ctx context.Context, org, cursor string, limit int) ([]Change,
	string, error) {
	start, err := decodeIndex(cursor)
	if err != nil {
		return nil, "", err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var all []Change
	if o := s.orgs[org]; o != nil {
		all = o.changes
	}
	if start > len(all) {
		return nil, "", ErrInvalidCursor
	}
	end := len(all)
	if limit > 0 && start+limit < end {
		end = start + limit
	}
	out := make([]Change, end-start)
	for i := range out {
		out[i] = all[start+i]
		out[i].Tuple = cloneTuple(out[i].Tuple)
	}
	return out, encodeIndex(end), nil
}

// cloneTuple copies the condition context so that neither the caller nor
// the store can change the other's copy.
func cloneTuple(t Tuple) Tuple {
	if t.Condition != nil {
		c := *t.Condition
		c.Context = cloneValue(c.Context).(map[string]any)
		t.Condition = &c
	}
	return t
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return map[string]any(nil)
		}
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = cloneValue(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = cloneValue(e)
		}
		return s
	}
	return v
}
