package scim

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
)

// memTx is a view or transaction of a MemoryStore on one directory. The
// store's lock is held for its whole life.
type memTx struct {
	s        *MemoryStore
	dir      string
	writable bool
	undo     []func()
}

var errReadOnly = errors.New("scim: write in a read-only view")

func (t *memTx) Get(ctx context.Context, kind Kind, id string) (*Resource, error) {
	r, ok := t.s.resources[t.dir][resKey{kind, id}]
	if !ok {
		return nil, ErrNotFound
	}
	return r.Clone(), nil
}

func (t *memTx) List(ctx context.Context, kind Kind, q Query) (*Page, error) {
	rs, indexed := t.byUserName(kind, q)
	if !indexed {
		for k, r := range t.s.resources[t.dir] {
			if k.kind == kind {
				rs = append(rs, r)
			}
		}
	}
	p := ApplyQuery(rs, q)
	for i, r := range p.Resources {
		p.Resources[i] = r.Clone()
	}
	return p, nil
}

// byUserName serves a filter userName eq "..." from the uniqueness index.
func (t *memTx) byUserName(kind Kind, q Query) ([]*Resource, bool) {
	if kind != KindUser || q.Filter == nil {
		return nil, false
	}
	c, ok := q.Filter.Expr().(*Compare)
	if !ok || c.Op != "eq" || c.Path.String() != "userName" {
		return nil, false
	}
	s, _ := c.Value.(string)
	id, ok := t.s.userNames[t.dir][foldKey(s)]
	if !ok {
		return nil, true
	}
	return []*Resource{t.s.resources[t.dir][resKey{KindUser, id}]}, true
}

func (t *memTx) groupKey(id string) string { return t.dir + "/" + id }

func (t *memTx) Members(ctx context.Context, group, after string, limit int) ([]Member, error) {
	return t.s.members[t.groupKey(group)].page(after, limit), nil
}

func (t *memTx) IsMember(ctx context.Context, group, member string) (bool, error) {
	return t.s.members[t.groupKey(group)].has(member), nil
}

func (t *memTx) GroupsOf(ctx context.Context, member string) ([]string, error) {
	return slices.Sorted(maps.Keys(t.s.memberOf[t.groupKey(member)])), nil
}

func (t *memTx) Insert(ctx context.Context, r *Resource) error {
	if !t.writable {
		return errReadOnly
	}
	res := t.s.resources[t.dir]
	if res == nil {
		res = map[resKey]*Resource{}
		t.s.resources[t.dir] = res
	}
	k := resKey{r.Kind, r.ID}
	if _, ok := res[k]; ok {
		return ErrConflict
	}
	if err := t.claimUserName(r, ""); err != nil {
		return err
	}
	res[k] = r.Clone()
	t.undo = append(t.undo, func() { delete(res, k) })
	return nil
}

// claimUserName records r's userName in the uniqueness index, releasing
// old (the resource's previous userName) if any.
func (t *memTx) claimUserName(r *Resource, old string) error {
	if r.Kind != KindUser {
		return nil
	}
	names := t.s.userNames[t.dir]
	if names == nil {
		names = map[string]string{}
		t.s.userNames[t.dir] = names
	}
	key := foldKey(r.UserName())
	if owner, ok := names[key]; ok && owner != r.ID {
		return ErrUniqueness
	}
	if old != "" && foldKey(old) != key {
		oldKey := foldKey(old)
		delete(names, oldKey)
		t.undo = append(t.undo, func() { names[oldKey] = r.ID })
	}
	if _, ok := names[key]; !ok {
		names[key] = r.ID
		t.undo = append(t.undo, func() { delete(names, key) })
	}
	return nil
}

func (t *memTx) Replace(ctx context.Context, r *Resource) error {
	if !t.writable {
		return errReadOnly
	}
	res := t.s.resources[t.dir]
	k := resKey{r.Kind, r.ID}
	old, ok := res[k]
	if !ok {
		return ErrNotFound
	}
	if old.Version != r.Version-1 {
		return ErrConflict
	}
	if err := t.claimUserName(r, old.UserName()); err != nil {
		return err
	}
	res[k] = r.Clone()
	t.undo = append(t.undo, func() { res[k] = old })
	return nil
}

func (t *memTx) Delete(ctx context.Context, kind Kind, id string) error {
	if !t.writable {
		return errReadOnly
	}
	res := t.s.resources[t.dir]
	k := resKey{kind, id}
	old, ok := res[k]
	if !ok {
		return ErrNotFound
	}
	delete(res, k)
	t.undo = append(t.undo, func() { res[k] = old })
	if kind == KindUser {
		key := foldKey(old.UserName())
		delete(t.s.userNames[t.dir], key)
		t.undo = append(t.undo, func() { t.s.userNames[t.dir][key] = id })
	}
	t.dropMembers(id)
	t.dropMemberships(id)
	return nil
}

// dropMembers removes all members of a deleted group at once.
func (t *memTx) dropMembers(group string) {
	gk := t.groupKey(group)
	ms := t.s.members[gk]
	if ms == nil {
		return
	}
	delete(t.s.members, gk)
	for _, id := range ms.order {
		delete(t.s.memberOf[t.groupKey(id)], group)
	}
	t.undo = append(t.undo, func() {
		t.s.members[gk] = ms
		for _, id := range ms.order {
			t.s.memberOf[t.groupKey(id)][group] = struct{}{}
		}
	})
}

// dropMemberships removes a deleted resource from the groups it was in.
func (t *memTx) dropMemberships(member string) {
	for gid := range t.s.memberOf[t.groupKey(member)] {
		t.RemoveMember(context.Background(), gid, member)
	}
}

func (t *memTx) AddMember(ctx context.Context, group string, m Member) (bool, error) {
	if !t.writable {
		return false, errReadOnly
	}
	gk, mk := t.groupKey(group), t.groupKey(m.Value)
	ms := t.s.members[gk]
	if ms.has(m.Value) {
		return false, nil
	}
	if ms == nil {
		ms = &memberSet{byID: map[string]Member{}}
		t.s.members[gk] = ms
	}
	if t.s.memberOf[mk] == nil {
		t.s.memberOf[mk] = map[string]struct{}{}
	}
	ms.add(m)
	t.s.memberOf[mk][group] = struct{}{}
	t.undo = append(t.undo, func() {
		ms.remove(m.Value)
		delete(t.s.memberOf[mk], group)
	})
	return true, nil
}

func (t *memTx) RemoveMember(ctx context.Context, group, member string) (bool, error) {
	if !t.writable {
		return false, errReadOnly
	}
	gk, mk := t.groupKey(group), t.groupKey(member)
	ms := t.s.members[gk]
	if !ms.has(member) {
		return false, nil
	}
	m, _ := ms.remove(member)
	delete(t.s.memberOf[mk], group)
	t.undo = append(t.undo, func() {
		ms.add(m)
		t.s.memberOf[mk][group] = struct{}{}
	})
	return true, nil
}

func (t *memTx) Emit(ctx context.Context, e Event) error {
	if !t.writable {
		return errReadOnly
	}
	e.Cursor = strconv.Itoa(len(t.s.events) + 1)
	if e.DirectoryID == "" {
		e.DirectoryID = t.dir
	}
	if e.OrganizationID == "" {
		if d, ok := t.s.dirs[t.dir]; ok {
			e.OrganizationID = d.OrganizationID
		}
	}
	t.s.events = append(t.s.events, e)
	t.undo = append(t.undo, func() { t.s.events = t.s.events[:len(t.s.events)-1] })
	return nil
}

var _ Store = (*MemoryStore)(nil)
