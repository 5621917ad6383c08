package scim

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// listResponse is the body of a list or search answer.
type listResponse struct {
	Schemas      []string         `json:"schemas"`
	TotalResults int              `json:"totalResults"`
	StartIndex   int              `json:"startIndex,omitempty"`
	ItemsPerPage int              `json:"itemsPerPage"`
	NextCursor   string           `json:"nextCursor,omitempty"`
	Resources    []map[string]any `json:"Resources"`
}

// query turns a search request into a store query.
func (s *Service) query(rt *resourceType, sr searchRequest) (Query, error) {
	q := Query{StartIndex: 1, Count: s.maxPage}
	if strings.TrimSpace(sr.Filter) != "" {
		f, err := rt.parseFilter(sr.Filter)
		if err != nil {
			return q, err
		}
		q.Filter = f
	}
	if sr.SortBy != "" {
		p, err := rt.sortPath(sr.SortBy)
		if err != nil {
			return q, err
		}
		q.SortBy = p
	}
	switch strings.ToLower(sr.SortOrder) {
	case "", "ascending":
	case "descending":
		q.Descending = true
	default:
		return q, errorf(400, ScimTypeInvalidValue, "sortOrder must be ascending or descending")
	}
	if sr.StartIndex != nil && *sr.StartIndex > 1 {
		q.StartIndex = *sr.StartIndex
	}
	if sr.Count != nil {
		q.Count = min(max(*sr.Count, 0), s.maxPage)
	}
	return q, s.applyCursor(&q, sr)
}

// applyCursor sets up cursor paging (RFC 9865): an empty cursor starts
// it, and a cursor is the ID of the last resource of the previous page.
func (s *Service) applyCursor(q *Query, sr searchRequest) error {
	if sr.Cursor == nil {
		return nil
	}
	if q.SortBy != nil || q.StartIndex != 1 {
		return errorf(400, "invalidCursor",
			"cursor paging cannot be combined with sortBy or startIndex")
	}
	if *sr.Cursor == "" {
		q.After = "\x00"
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*sr.Cursor)
	if err != nil || len(b) == 0 {
		return errorf(400, "invalidCursor", "malformed cursor")
	}
	q.After = string(b)
	return nil
}

func (rt *resourceType) sortPath(raw string) (*AttrPath, error) {
	urn, rest := rt.splitURN(strings.TrimSpace(raw))
	name, sub, _ := strings.Cut(rest, ".")
	p, err := rt.lookupPath(urn, name, sub, ScimTypeInvalidValue)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func (s *Service) serveList(w http.ResponseWriter, r *request, rt *resourceType,
	sr searchRequest) error {
	q, err := s.query(rt, sr)
	if err != nil {
		return err
	}
	p, err := rt.parseProjection(strings.Join(sr.Attributes, ","),
		strings.Join(sr.ExcludedAttributes, ","))
	if err != nil {
		return err
	}
	resp := listResponse{Schemas: []string{schemaListResponse}, Resources: []map[string]any{}}
	err = s.store.View(r.ctx(), r.dir.ID, func(rd Reader) error {
		page, err := s.list(r.ctx(), rd, rt.kind, q)
		if err != nil {
			return err
		}
		resp.TotalResults, resp.ItemsPerPage = page.Total, len(page.Resources)
		for _, res := range page.Resources {
			out, err := s.render(r.ctx(), rd, rt, res, r.base, p.forList())
			if err != nil {
				return err
			}
			resp.Resources = append(resp.Resources, out)
		}
		s.pageInfo(&resp, q, page)
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Service) pageInfo(resp *listResponse, q Query, page *Page) {
	if q.After == "" {
		resp.StartIndex = q.StartIndex
		return
	}
	if n := len(page.Resources); n > 0 && n < page.Total {
		resp.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(page.Resources[n-1].ID))
	}
}

// forList drops a user's groups from list answers unless asked for: they
// cost a lookup per user and clients that need them ask.
func (p *projection) forList() *projection {
	if p != nil && p.include != nil {
		return p
	}
	c := &projection{exclude: map[string][]string{"groups": {""}}}
	if p != nil {
		for k, v := range p.exclude {
			c.exclude[k] = v
		}
	}
	return c
}
