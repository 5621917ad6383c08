package scim

import (
	"context"
	"net/http"
	"strconv"
	"strings"
)

// MaxBulkOperations is the most operations one /Bulk request may carry;
// the payload limit is Config.MaxBodyBytes. Both are advertised in
// /ServiceProviderConfig.
const MaxBulkOperations = 1000

const (
	schemaBulkRequest  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	schemaBulkResponse = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
)

type bulkRequest struct {
	FailOnErrors int      `json:"failOnErrors"`
	Operations   []bulkOp `json:"Operations"`
}

type bulkOp struct {
	Method  string `json:"method"`
	BulkID  string `json:"bulkId,omitempty"`
	Path    string `json:"path"`
	Version string `json:"version,omitempty"`
	Data    any    `json:"data,omitempty"`
}

type bulkResult struct {
	Location string     `json:"location,omitempty"`
	Method   string     `json:"method"`
	BulkID   string     `json:"bulkId,omitempty"`
	Version  string     `json:"version,omitempty"`
	Status   string     `json:"status"`
	Response *errorBody `json:"response,omitempty"`
}

// serveBulk runs the operations of a /Bulk request, each in its own
// transaction, as RFC 7644 section 3.7 describes. A "bulkId:x" reference
// (in a path or anywhere in data) names the resource the POST with bulkId
// x created; see runBulk for the order.
func (s *Service) serveBulk(w http.ResponseWriter, r *request) error {
	if r.Method != http.MethodPost {
		return errorf(http.StatusMethodNotAllowed, "", "use POST for /Bulk")
	}
	var req bulkRequest
	if err := r.decode(&req); err != nil {
		return err
	}
	if len(req.Operations) > MaxBulkOperations {
		return errorf(http.StatusRequestEntityTooLarge, ScimTypeTooMany,
			"more than %d bulk operations", MaxBulkOperations)
	}
	results := s.runBulk(r, req)
	writeJSON(w, http.StatusOK, map[string]any{"schemas": []string{schemaBulkResponse},
		"Operations": results})
	return nil
}

// runBulk runs the operations, each once its bulkId references can be
// resolved: an operation that refers to a later POST waits for it (RFC
// 7644 section 3.7.2). Operations left waiting by a cycle, or referring to
// a bulkId no operation defines, fail with 409.
func (s *Service) runBulk(r *request, req bulkRequest) []bulkResult {
	defined := map[string]bool{}
	for _, op := range req.Operations {
		if op.BulkID != "" && strings.EqualFold(op.Method, http.MethodPost) {
			defined[op.BulkID] = true
		}
	}
	ids := map[string]string{}
	results := []bulkResult{}
	pending := req.Operations
	errs := 0
	for len(pending) > 0 {
		var waiting []bulkOp
		for _, op := range pending {
			if waitsFor(op, ids, defined) {
				waiting = append(waiting, op)
				continue
			}
			res := s.bulkOne(r, op, ids)
			results = append(results, res)
			if res.Response != nil {
				errs++
				if req.FailOnErrors > 0 && errs >= req.FailOnErrors {
					return results
				}
			}
		}
		if len(waiting) == len(pending) {
			// A cycle: run them anyway, so that each fails on its reference.
			defined = map[string]bool{}
		}
		pending = waiting
	}
	return results
}

// waitsFor reports whether op refers to a bulkId that a POST not yet run
// will define.
func waitsFor(op bulkOp, ids map[string]string, defined map[string]bool) bool {
	for _, ref := range bulkRefs(op) {
		if _, done := ids[ref]; !done && defined[ref] {
			return true
		}
	}
	return false
}

// bulkRefs returns the bulkIds op refers to, in its path and data.
func bulkRefs(op bulkOp) []string {
	var refs []string
	if i := strings.Index(op.Path, "bulkId:"); i >= 0 {
		refs = append(refs, op.Path[i+len("bulkId:"):])
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if ref, ok := strings.CutPrefix(x, "bulkId:"); ok {
				refs = append(refs, ref)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(op.Data)
	return refs
}

func (s *Service) bulkOne(r *request, op bulkOp, ids map[string]string) bulkResult {
	res := bulkResult{Method: strings.ToUpper(op.Method), BulkID: op.BulkID}
	out, status, err := s.bulkApply(r, op, ids)
	if err != nil {
		e := asError(err)
		body := e.body()
		res.Status, res.Response = strconv.Itoa(e.Status), &body
		return res
	}
	res.Status = strconv.Itoa(status)
	if out != nil {
		rt := s.schemas.of(out.Kind)
		res.Location = r.base + "/" + rt.endpoint + "/" + out.ID
		res.Version = etag(out.Version)
		if op.BulkID != "" && res.Method == http.MethodPost {
			ids[op.BulkID] = out.ID
		}
	}
	return res
}

func (s *Service) bulkApply(r *request, op bulkOp, ids map[string]string) (*Resource, int, error) {
	path, err := resolveBulkIDs(op.Path, ids)
	if err != nil {
		return nil, 0, err
	}
	data, err := resolveBulkValue(op.Data, ids)
	if err != nil {
		return nil, 0, err
	}
	route, _ := splitRoute(path)
	if route.endpoint != "Users" && route.endpoint != "Groups" || route.search {
		return nil, 0, errorf(400, ScimTypeInvalidPath, "bulk path %q is not /Users or /Groups",
			op.Path)
	}
	rt := s.schemas.user
	if route.endpoint == "Groups" {
		rt = s.schemas.group
	}
	return s.bulkMethod(r.ctx(), r.dir, rt, strings.ToUpper(op.Method), route.id, data, op.Version)
}

func (s *Service) bulkMethod(ctx context.Context, d *Directory, rt *resourceType, method,
	id string, data any, version string) (*Resource, int, error) {
	doc, _ := data.(map[string]any)
	needDoc := method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
	if needDoc && doc == nil {
		return nil, 0, errorf(400, ScimTypeInvalidSyntax, "a bulk %s needs data", method)
	}
	if (method == http.MethodPost) != (id == "") {
		return nil, 0, errorf(400, ScimTypeInvalidPath, "%s needs a path of the right form", method)
	}
	switch method {
	case http.MethodPost:
		r, err := s.create(ctx, d, rt, doc)
		return r, http.StatusCreated, err
	case http.MethodPut:
		r, err := s.replace(ctx, d, rt, id, doc, version)
		return r, http.StatusOK, err
	case http.MethodPatch:
		ops, err := patchOps(doc)
		if err != nil {
			return nil, 0, err
		}
		r, err := s.patch(ctx, d, rt, id, ops, version)
		return r, http.StatusOK, err
	case http.MethodDelete:
		return nil, http.StatusNoContent, s.remove(ctx, d, rt, id, version)
	}
	return nil, 0, errorf(400, ScimTypeInvalidSyntax, "unknown bulk method %q", method)
}

// patchOps reads the Operations of a PATCH body given as bulk data.
func patchOps(doc map[string]any) ([]PatchOp, error) {
	list, ok := doc["Operations"].([]any)
	if !ok && doc["Operations"] != nil {
		return nil, errorf(400, ScimTypeInvalidSyntax, "Operations must be an array")
	}
	ops := make([]PatchOp, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, errorf(400, ScimTypeInvalidSyntax, "an operation must be an object")
		}
		op, _ := m["op"].(string)
		path, _ := m["path"].(string)
		ops = append(ops, PatchOp{Op: op, Path: path, Value: m["value"]})
	}
	return ops, nil
}

// resolveBulkIDs replaces a "bulkId:x" segment of a path.
func resolveBulkIDs(path string, ids map[string]string) (string, error) {
	i := strings.Index(path, "bulkId:")
	if i < 0 {
		return path, nil
	}
	id, ok := ids[path[i+len("bulkId:"):]]
	if !ok {
		return "", errorf(409, ScimTypeInvalidValue, "unresolved reference in %q", path)
	}
	return path[:i] + id, nil
}

// resolveBulkValue replaces "bulkId:x" strings anywhere in data.
func resolveBulkValue(v any, ids map[string]string) (any, error) {
	switch x := v.(type) {
	case string:
		if ref, ok := strings.CutPrefix(x, "bulkId:"); ok {
			id, found := ids[ref]
			if !found {
				return nil, errorf(409, ScimTypeInvalidValue, "unresolved reference %q", x)
			}
			return id, nil
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := resolveBulkValue(e, ids)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := resolveBulkValue(e, ids)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}
