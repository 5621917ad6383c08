package scim

import (
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// serveRootSearch answers POST /.search across users and groups (RFC
// 7644 section 3.4.3): users first, then groups, each in ID order, paged
// as one list, or with sortBy both merged in that attribute's order. A
// resource type on whose schema the filter names an unknown attribute
// contributes nothing; one without the sort attribute sorts as missing.
func (s *Service) serveRootSearch(w http.ResponseWriter, r *request) error {
	var sr searchRequest
	if err := r.decode(&sr); err != nil {
		return err
	}
	if sr.Cursor != nil && sr.SortBy != "" {
		return errorf(400, "invalidCursor", "cursor paging cannot be combined with sortBy")
	}
	types, queries, err := s.rootQueries(sr)
	if err != nil {
		return err
	}
	switch {
	case sr.SortBy != "":
		return s.serveRootSorted(w, r, sr, types, queries)
	case sr.Cursor != nil:
		return s.serveRootCursor(w, r, sr, types, queries)
	}
	skip, want := queries[0].StartIndex-1, queries[0].Count
	return s.answerRoot(w, r, func(rd Reader, resp *listResponse) error {
		resp.StartIndex = skip + 1
		for i, rt := range types {
			q := queries[i]
			q.StartIndex, q.Count = skip+1, want
			page, err := s.list(r.ctx(), rd, rt.kind, q)
			if err != nil {
				return err
			}
			resp.TotalResults += page.Total
			skip = max(skip-page.Total, 0)
			want -= len(page.Resources)
			if err := s.appendRendered(r, rd, rt, page, sr, resp); err != nil {
				return err
			}
		}
		return nil
	})
}

// answerRoot writes the list response that fill makes in one read
// transaction.
func (s *Service) answerRoot(w http.ResponseWriter, r *request,
	fill func(rd Reader, resp *listResponse) error) error {
	resp := listResponse{Schemas: []string{schemaListResponse}, Resources: []map[string]any{}}
	err := s.store.View(r.ctx(), r.dir.ID, func(rd Reader) error { return fill(rd, &resp) })
	if err != nil {
		return err
	}
	resp.ItemsPerPage = len(resp.Resources)
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// serveRootCursor pages the root search with a cursor (RFC 9865) over
// the same order: users, then groups, each by ID. A root cursor names
// the kind as well as the ID of the last resource it returned, so that
// the next page resumes in the right type. totalResults counts what
// remains from the cursor on, as per-type cursor pages do.
func (s *Service) serveRootCursor(w http.ResponseWriter, r *request, sr searchRequest,
	types []*resourceType, queries []Query) error {
	kind, after, err := decodeRootCursor(*sr.Cursor)
	if err != nil {
		return err
	}
	want := queries[0].Count
	return s.answerRoot(w, r, func(rd Reader, resp *listResponse) error {
		var last *Resource
		for i, rt := range types {
			if kind == KindGroup && rt.kind == KindUser {
				continue // the cursor is past every user
			}
			q := queries[i]
			q.After, q.Count = "\x00", want
			if rt.kind == kind {
				q.After = after
			}
			page, err := s.list(r.ctx(), rd, rt.kind, q)
			if err != nil {
				return err
			}
			resp.TotalResults += page.Total
			want -= len(page.Resources)
			if n := len(page.Resources); n > 0 {
				last = page.Resources[n-1]
			}
			if err := s.appendRendered(r, rd, rt, page, sr, resp); err != nil {
				return err
			}
		}
		if last != nil && len(resp.Resources) < resp.TotalResults {
			resp.NextCursor = encodeRootCursor(last)
		}
		return nil
	})
}

// encodeRootCursor makes the cursor that resumes a root search after r.
func encodeRootCursor(r *Resource) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(r.Kind) + "/" + r.ID))
}

// decodeRootCursor reads a root cursor; the empty cursor starts at the
// first user.
func decodeRootCursor(c string) (Kind, string, error) {
	if c == "" {
		return KindUser, "\x00", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	kind, id, ok := strings.Cut(string(b), "/")
	if err != nil || !ok || id == "" || (Kind(kind) != KindUser && Kind(kind) != KindGroup) {
		return "", "", errorf(400, "invalidCursor", "malformed cursor")
	}
	return Kind(kind), id, nil
}

// rootQueries makes one query per resource type the filter applies to;
// the sort attribute is resolved per type, nil where the type lacks it.
func (s *Service) rootQueries(sr searchRequest) ([]*resourceType, []Query, error) {
	var types []*resourceType
	var queries []Query
	var firstErr error
	unsorted := sr
	unsorted.SortBy = ""
	for _, rt := range []*resourceType{s.schemas.user, s.schemas.group} {
		q, err := s.query(rt, unsorted)
		var e *Error
		if errors.As(err, &e) && e.ScimType == ScimTypeInvalidFilter {
			firstErr = err
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if sr.SortBy != "" {
			q.SortBy, _ = rt.sortPath(sr.SortBy)
		}
		types, queries = append(types, rt), append(queries, q)
	}
	if len(types) == 0 {
		return nil, nil, firstErr
	}
	if sr.SortBy != "" && !slices.ContainsFunc(queries, func(q Query) bool { return q.SortBy != nil }) {
		return nil, nil, errorf(400, ScimTypeInvalidValue, "unknown sortBy attribute %q", sr.SortBy)
	}
	return types, queries, nil
}

// maxRootSortWindow bounds startIndex+count for a sorted root search,
// which reads that many resources of each type to merge them.
const maxRootSortWindow = 10_000

// serveRootSorted merges the types' sorted pages.
func (s *Service) serveRootSorted(w http.ResponseWriter, r *request, sr searchRequest,
	types []*resourceType, queries []Query) error {
	skip, want := queries[0].StartIndex-1, queries[0].Count
	if skip+want > maxRootSortWindow {
		return errorf(400, ScimTypeTooMany, "a sorted /.search reaches at most %d results", maxRootSortWindow)
	}
	return s.answerRoot(w, r, func(rd Reader, resp *listResponse) error {
		resp.StartIndex = skip + 1
		var all []*Resource
		paths := map[Kind]*AttrPath{}
		for i, rt := range types {
			q := queries[i]
			q.StartIndex, q.Count = 1, skip+want
			page, err := s.list(r.ctx(), rd, rt.kind, q)
			if err != nil {
				return err
			}
			resp.TotalResults += page.Total
			all = append(all, page.Resources...)
			paths[rt.kind] = q.SortBy
		}
		sortMixed(all, paths, queries[0].Descending)
		for _, res := range PageOf(all, Query{StartIndex: skip + 1, Count: want}) {
			page := &Page{Resources: []*Resource{res}}
			if err := s.appendRendered(r, rd, s.schemas.of(res.Kind), page, sr, resp); err != nil {
				return err
			}
		}
		return nil
	})
}

// sortMixed sorts users and groups together by each kind's sort path, as
// SortResources does for one kind.
func sortMixed(rs []*Resource, paths map[Kind]*AttrPath, descending bool) {
	key := func(r *Resource) (any, bool) {
		if p := paths[r.Kind]; p != nil {
			return SortKey(r, *p)
		}
		return nil, false
	}
	slices.SortStableFunc(rs, func(a, b *Resource) int {
		ka, oka := key(a)
		kb, okb := key(b)
		c := 0
		switch {
		case oka && okb:
			c = compareAny(ka, kb)
		case oka:
			c = -1
		case okb:
			c = 1
		}
		if c == 0 {
			c = strings.Compare(a.ID, b.ID)
		}
		if descending {
			return -c
		}
		return c
	})
}

func (s *Service) appendRendered(r *request, rd Reader, rt *resourceType, page *Page,
	sr searchRequest, resp *listResponse) error {
	p, err := rt.parseProjection(strings.Join(sr.Attributes, ","),
		strings.Join(sr.ExcludedAttributes, ","))
	if err != nil {
		return nil // an attribute of the other type only
	}
	for _, res := range page.Resources {
		out, err := s.render(r.ctx(), rd, rt, res, r.base, p.forList())
		if err != nil {
			return err
		}
		resp.Resources = append(resp.Resources, out)
	}
	return nil
}
