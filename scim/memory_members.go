package scim

import "slices"

// memberSet is the members of one group in the memory store: by ID, and
// as a sorted list of IDs for paging.
type memberSet struct {
	byID  map[string]Member
	order []string
}

func (ms *memberSet) has(id string) bool {
	if ms == nil {
		return false
	}
	_, ok := ms.byID[id]
	return ok
}

// add inserts m, which must not be a member yet.
func (ms *memberSet) add(m Member) {
	i, _ := slices.BinarySearch(ms.order, m.Value)
	ms.order = slices.Insert(ms.order, i, m.Value)
	ms.byID[m.Value] = m
}

// remove deletes a member and returns it.
func (ms *memberSet) remove(id string) (Member, bool) {
	m, ok := ms.byID[id]
	if !ok {
		return Member{}, false
	}
	delete(ms.byID, id)
	if i, found := slices.BinarySearch(ms.order, id); found {
		ms.order = slices.Delete(ms.order, i, i+1)
	}
	return m, true
}

// page returns up to limit members whose ID sorts after after.
func (ms *memberSet) page(after string, limit int) []Member {
	if ms == nil {
		return nil
	}
	i, found := slices.BinarySearch(ms.order, after)
	if found {
		i++
	}
	var out []Member
	for ; i < len(ms.order) && len(out) < limit; i++ {
		out = append(out, ms.byID[ms.order[i]])
	}
	return out
}
