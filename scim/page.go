package scim

import "strings"

// ApplyQuery filters, sorts and pages rs as q says. It is what the memory
// store does, and what SQL stores do with the filters they cannot
// translate. It may reorder rs.
func ApplyQuery(rs []*Resource, q Query) *Page {
	matched := rs[:0:0]
	for _, r := range rs {
		if (q.After == "" || strings.Compare(r.ID, q.After) > 0) && q.Filter.Match(r) {
			matched = append(matched, r)
		}
	}
	SortResources(matched, q.SortBy, q.Descending)
	return &Page{Total: len(matched), Resources: PageOf(matched, q)}
}

// PageOf returns the part of sorted that q's StartIndex and Count select.
func PageOf[T any](sorted []T, q Query) []T {
	start := max(q.StartIndex, 1) - 1
	if start >= len(sorted) {
		return nil
	}
	rest := sorted[start:]
	if q.Count >= 0 && q.Count < len(rest) {
		rest = rest[:q.Count]
	}
	return rest
}
