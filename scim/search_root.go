package scim

import (
	"errors"
	"net/http"
	"strings"
)

// serveRootSearch answers POST /.search across users and groups (RFC
// 7644 section 3.4.3): users first, then groups, each in its own order,
// paged as one list. A resource type on whose schema the filter names an
// unknown attribute contributes nothing; sortBy is not supported here.
func (s *Service) serveRootSearch(w http.ResponseWriter, r *request) error {
	var sr searchRequest
	if err := r.decode(&sr); err != nil {
		return err
	}
	if sr.SortBy != "" || sr.Cursor != nil {
		return errorf(400, ScimTypeInvalidValue, "sortBy and cursor are not supported on /.search")
	}
	types, queries, err := s.rootQueries(sr)
	if err != nil {
		return err
	}
	resp := listResponse{Schemas: []string{schemaListResponse}, Resources: []map[string]any{},
		StartIndex: queries[0].StartIndex}
	skip, want := queries[0].StartIndex-1, queries[0].Count
	err = s.store.View(r.ctx(), r.dir.ID, func(rd Reader) error {
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
			if err := s.appendRendered(r, rd, rt, page, sr, &resp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	resp.ItemsPerPage = len(resp.Resources)
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// rootQueries makes one query per resource type the filter applies to.
func (s *Service) rootQueries(sr searchRequest) ([]*resourceType, []Query, error) {
	var types []*resourceType
	var queries []Query
	var firstErr error
	for _, rt := range []*resourceType{s.schemas.user, s.schemas.group} {
		q, err := s.query(rt, sr)
		var e *Error
		if errors.As(err, &e) && e.ScimType == ScimTypeInvalidFilter {
			firstErr = err
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		types, queries = append(types, rt), append(queries, q)
	}
	if len(types) == 0 {
		return nil, nil, firstErr
	}
	return types, queries, nil
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
