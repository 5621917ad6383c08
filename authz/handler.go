package authz

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/httpjson"
)

// HandlerConfig configures [Service.Handler].
type HandlerConfig struct {
	// Organization tells which organization the caller administers, or
	// refuses with an error (answered 403). Required.
	Organization func(*http.Request) (string, error)
}

// Handler returns the JSON admin API for the self-service admin pages,
// to mount under a prefix with http.StripPrefix. It serves, for the
// caller's organization only:
//
//	GET  /model            the latest model version (JSON form)
//	POST /model            a new version from the DSL (text/plain) or JSON
//	GET  /models           the model versions, newest first, paged
//	GET  /tuples           tuples; filters object_type, object_id, relation,
//	                       user, user_type; paged with cursor and limit
//	POST /tuples           a WriteRequest
//	GET  /changes          the change log, paged with cursor and limit
//	POST /check            a CheckRequest; answers {"allowed": bool}
//	POST /batch-check      {"checks": [CheckRequest...]}; answers
//	                       {"results": [{"allowed", "error"}...]}
//	POST /expand           an ExpandRequest; answers a Tree
//	POST /explain          a CheckRequest; answers an Explanation
//	POST /list-objects     a ListObjectsRequest; answers a ListPage
//	POST /list-users       a ListUsersRequest; answers a ListPage
//
// Errors use the admin envelope {"error": {"code", "message"}}. The
// caller MUST be authenticated and authorized as an administrator by
// Organization; the handler trusts its answer.
func (s *Service) Handler(cfg HandlerConfig) (http.Handler, error) {
	if cfg.Organization == nil {
		return nil, errors.New("authz: HandlerConfig.Organization is required")
	}
	h := &adminHandler{s: s, org: cfg.Organization}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /model", h.wrap(h.getModel))
	mux.HandleFunc("POST /model", h.wrap(h.postModel))
	mux.HandleFunc("GET /models", h.wrap(h.getModels))
	mux.HandleFunc("GET /tuples", h.wrap(h.getTuples))
	mux.HandleFunc("POST /tuples", h.wrap(h.postTuples))
	mux.HandleFunc("GET /changes", h.wrap(h.getChanges))
	mux.HandleFunc("POST /check", h.wrap(h.check))
	mux.HandleFunc("POST /batch-check", h.wrap(h.batchCheck))
	mux.HandleFunc("POST /expand", h.wrap(h.expand))
	mux.HandleFunc("POST /explain", h.wrap(h.explain))
	mux.HandleFunc("POST /list-objects", h.wrap(h.listObjects))
	mux.HandleFunc("POST /list-users", h.wrap(h.listUsers))
	return mux, nil
}

type adminHandler struct {
	s   *Service
	org func(*http.Request) (string, error)
}

func (h *adminHandler) wrap(fn func(http.ResponseWriter, *http.Request,
	string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		org, err := h.org(r)
		if err != nil || org == "" {
			httpjson.WriteError(w, httpjson.Errorf(http.StatusForbidden, "forbidden",
				"You may not administer this organization."))
			return
		}
		if err := fn(w, r, org); err != nil {
			httpjson.WriteError(w, apiError(err))
		}
	}
}

// apiError maps the package's errors to admin API errors; messages of
// errors we made are safe to show, others are answered as 500.
func apiError(err error) error {
	var he *httpjson.Error
	var se *SyntaxError
	var me *ModelError
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &se), errors.As(err, &me):
		return httpjson.Errorf(http.StatusBadRequest, "invalid_model", "%s", err)
	case errors.Is(err, ErrInvalidCursor):
		return httpjson.Errorf(http.StatusBadRequest, "invalid_cursor", "The cursor is not one this API returned.")
	case errors.Is(err, ErrMissingParameter), errors.Is(err, ErrConditionEvaluation):
		return httpjson.Errorf(http.StatusBadRequest, "condition_context", "%s", err)
	case errors.Is(err, ErrInvalidRequest):
		return httpjson.Errorf(http.StatusBadRequest, "invalid_request", "%s", err)
	case errors.Is(err, ErrDuplicate), errors.Is(err, ErrMissing):
		return httpjson.Errorf(http.StatusConflict, "conflict", "%s", err)
	case errors.Is(err, ErrNotFound):
		return httpjson.Errorf(http.StatusNotFound, "not_found", "There is no such model.")
	case errors.Is(err, ErrResolutionDepth):
		return httpjson.Errorf(http.StatusUnprocessableEntity, "resolution_too_deep", "%s", err)
	}
	return err
}

func (h *adminHandler) getModel(w http.ResponseWriter, r *http.Request, org string) error {
	sm, err := h.s.Model(r.Context(), org, r.URL.Query().Get("id"))
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, sm)
	return nil
}

func (h *adminHandler) getModels(w http.ResponseWriter, r *http.Request, org string) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	ms, next, err := h.s.Models(r.Context(), org, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []StoredModel{}
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"models": ms, "cursor": next})
	return nil
}

func (h *adminHandler) postModel(w http.ResponseWriter, r *http.Request, org string) error {
	var m *Model
	if r.Header.Get("Content-Type") == "text/plain" || r.Header.Get("Content-Type") == "text/plain; charset=utf-8" {
		b, err := io.ReadAll(io.LimitReader(r.Body, MaxDSLSize+1))
		if err != nil {
			return httpjson.Errorf(http.StatusBadRequest, "invalid_request", "The body could not be read.")
		}
		if m, err = ParseDSL(string(b)); err != nil {
			return err
		}
	} else {
		m = new(Model)
		if err := httpjson.Decode(r, m); err != nil {
			return err
		}
	}
	id, err := h.s.WriteModel(r.Context(), org, m)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusCreated, map[string]string{"id": id})
	return nil
}

func limitParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxPageSize {
		return 0, httpjson.Errorf(http.StatusBadRequest, "invalid_request", "limit must be 1 to %d.", MaxPageSize)
	}
	return n, nil
}

func (h *adminHandler) getTuples(w http.ResponseWriter, r *http.Request, org string) error {
	q := r.URL.Query()
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	f := Filter{ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), Relation: q.Get("relation"),
		User: q.Get("user"), UserType: q.Get("user_type")}
	ts, next, err := h.s.Read(r.Context(), org, f, q.Get("cursor"), limit)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []Tuple{}
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"tuples": ts, "cursor": next})
	return nil
}

func (h *adminHandler) postTuples(w http.ResponseWriter, r *http.Request, org string) error {
	var req WriteRequest
	if err := httpjson.Decode(r, &req); err != nil {
		return err
	}
	if err := h.s.Write(r.Context(), org, req); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *adminHandler) getChanges(w http.ResponseWriter, r *http.Request, org string) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	cs, next, err := h.s.ReadChanges(r.Context(), org, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []Change{}
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"changes": cs, "cursor": next})
	return nil
}

func (h *adminHandler) check(w http.ResponseWriter, r *http.Request, org string) error {
	var req CheckRequest
	if err := httpjson.Decode(r, &req); err != nil {
		return err
	}
	ok, err := h.s.Check(r.Context(), org, req)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, map[string]bool{"allowed": ok})
	return nil
}

func (h *adminHandler) batchCheck(w http.ResponseWriter, r *http.Request, org string) error {
	var req struct {
		Checks []CheckRequest `json:"checks"`
	}
	if err := httpjson.Decode(r, &req); err != nil {
		return err
	}
	res, err := h.s.BatchCheck(r.Context(), org, req.Checks)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"results": res})
	return nil
}

func (h *adminHandler) expand(w http.ResponseWriter, r *http.Request, org string) error {
	var req ExpandRequest
	if err := httpjson.Decode(r, &req); err != nil {
		return err
	}
	t, err := h.s.Expand(r.Context(), org, req)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, t)
	return nil
}

func (h *adminHandler) explain(w http.ResponseWriter, r *http.Request, org string) error {
	var req CheckRequest
	if err := httpjson.Decode(r, &req); err != nil {
		return err
	}
	e, err := h.s.Explain(r.Context(), org, req)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, e)
	return nil
}

func (h *adminHandler) listObjects(w http.ResponseWriter, r *http.Request, org string) error {
	var req ListObjectsRequest
	if err := httpjson.Decode(r, &req); err != nil {
		return err
	}
	if req.Limit <= 0 || req.Limit > MaxPageSize {
		req.Limit = MaxPageSize
	}
	p, err := h.s.ListObjects(r.Context(), org, req)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, p)
	return nil
}

func (h *adminHandler) listUsers(w http.ResponseWriter, r *http.Request, org string) error {
	var req ListUsersRequest
	if err := httpjson.Decode(r, &req); err != nil {
		return err
	}
	if req.Limit <= 0 || req.Limit > MaxPageSize {
		req.Limit = MaxPageSize
	}
	p, err := h.s.ListUsers(r.Context(), org, req)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, p)
	return nil
}
