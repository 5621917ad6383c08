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

// serveBulk runs the operations of a /Bulk request in order, each in its
// own transaction, as RFC 7644 section 3.7 describes. A "bulkId:x"
// reference (in a path or anywhere in data) names the resource an earlier
// operation created with bulkId x; references to later operations are
// not resolved and fail that operation.
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
	ids := map[string]string{}
	results := []bulkResult{}
	errs := 0
	for _, op := range req.Operations {
		res := s.bulkOne(r, op, ids)
		results = append(results, res)
		if res.Response != nil {
			errs++
			if req.FailOnErrors > 0 && errs >= req.FailOnErrors {
				break
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"schemas": []string{schemaBulkResponse},
		"Operations": results})
	return nil
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
