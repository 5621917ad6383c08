package secrets

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpjson"
)

// AdminHandler returns the admin JSON API for the organization that
// Config.Organization names for each request. Mount it under a prefix
// with http.StripPrefix; its routes are:
//
//	GET    /api-keys                   list keys (?owner_type=&owner_id=&cursor=&limit=)
//	POST   /api-keys                   issue a key; the answer holds the token, once
//	GET    /api-keys/{id}              one key
//	POST   /api-keys/{id}/rotate       replace a key ({"overlap_seconds": N})
//	DELETE /api-keys/{id}              revoke a key
//	POST   /api-keys/revoke-owner      revoke all of an owner's keys ({"owner": {...}})
//	GET    /secrets                    list secrets' metadata and flags, never values
//
// Errors use the admin envelope {"error": {"code", "message"}}. The
// handler never returns a secret value, nor a token except in the answer
// that issues it (with Cache-Control: no-store). Without
// Config.Organization it refuses every request.
func (s *Service) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api-keys", s.admin(s.listKeys))
	mux.HandleFunc("POST /api-keys", s.admin(s.issueKey))
	mux.HandleFunc("POST /api-keys/revoke-owner", s.admin(s.revokeOwner))
	mux.HandleFunc("GET /api-keys/{id}", s.admin(s.getKey))
	mux.HandleFunc("POST /api-keys/{id}/rotate", s.admin(s.rotateKey))
	mux.HandleFunc("DELETE /api-keys/{id}", s.admin(s.revokeKey))
	mux.HandleFunc("GET /secrets", s.admin(s.listSecrets))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpjson.WriteError(w,
			httpjson.Errorf(http.StatusNotFound, "not_found", "No such endpoint."))
	})
	return mux
}

// adminFunc serves one admin route for an organization; it returns the
// status and body to write, or an error.
type adminFunc func(r *http.Request, org string) (int, any, error)

func (s *Service) admin(fn adminFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		org, err := httpjson.Organization(r, s.org, "You may not administer this organization.")
		if err != nil {
			httpjson.WriteError(w, err)
			return
		}
		status, body, err := fn(r, org)
		if err != nil {
			s.adminError(w, r, err)
			return
		}
		if body == nil {
			w.WriteHeader(status)
			return
		}
		httpjson.Write(w, status, body)
	}
}

func (s *Service) adminError(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpjson.Error
	switch {
	case errors.As(err, &he):
	case errors.Is(err, ErrNotFound):
		err = httpjson.Errorf(http.StatusNotFound, "not_found",
			"No such API key in this organization.")
	case errors.Is(err, ErrInvalidRequest), errors.Is(err, ErrInvalidName):
		err = httpjson.Errorf(http.StatusBadRequest, "invalid_request", "%s", err.Error())
	case errors.Is(err, ErrKeyRevoked), errors.Is(err, ErrKeyExpired):
		err = httpjson.Errorf(http.StatusConflict, "key_inactive",
			"The API key is revoked or expired.")
	default:
		s.log.ErrorContext(r.Context(), "secrets: admin request", "path", r.URL.Path, "err", err)
	}
	httpjson.WriteError(w, err)
}

// pageLimit reads ?limit=, 1 to 200, default 50.
func pageLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 200 {
		return 0, httpjson.Errorf(http.StatusBadRequest, "invalid_limit",
			"The limit must be 1 to 200.")
	}
	return n, nil
}

type keyPage struct {
	APIKeys    []APIKey `json:"api_keys"`
	NextCursor string   `json:"next_cursor,omitempty"`
}

func (s *Service) listKeys(r *http.Request, org string) (int, any, error) {
	limit, err := pageLimit(r)
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	owner := Owner{Type: OwnerType(q.Get("owner_type")), ID: q.Get("owner_id")}
	opts := APIKeyListOptions{Owner: owner, Limit: limit + 1}
	if opts.Owner.ID != "" && opts.Owner.Type == "" {
		return 0, nil, httpjson.Errorf(http.StatusBadRequest, "invalid_request",
			"owner_id needs owner_type (user or service_account).")
	}
	if err := httpjson.DecodeCursor(q.Get("cursor"), &opts.After); err != nil {
		return 0, nil, err
	}
	keys, err := s.ListAPIKeys(r.Context(), org, opts)
	if err != nil {
		return 0, nil, err
	}
	page := keyPage{APIKeys: keys}
	if len(keys) > limit {
		page.APIKeys = keys[:limit]
		page.NextCursor = httpjson.EncodeCursor(keys[limit-1].ID)
	}
	if page.APIKeys == nil {
		page.APIKeys = []APIKey{}
	}
	return http.StatusOK, page, nil
}

// issuedBody is the one answer that carries a token.
type issuedBody struct {
	APIKey APIKey `json:"api_key"`
	Token  string `json:"token"`
}

func (s *Service) issueKey(r *http.Request, org string) (int, any, error) {
	var req struct {
		Owner     Owner     `json:"owner"`
		Name      string    `json:"name"`
		Scopes    []string  `json:"scopes"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := httpjson.Decode(r, &req); err != nil {
		return 0, nil, err
	}
	is, err := s.IssueAPIKey(r.Context(), org, IssueRequest{Owner: req.Owner, Name: req.Name,
		Scopes: req.Scopes, ExpiresAt: req.ExpiresAt})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, issuedBody{is.Key, string(is.Token.Reveal())}, nil
}

func (s *Service) getKey(r *http.Request, org string) (int, any, error) {
	k, err := s.APIKey(r.Context(), org, r.PathValue("id"))
	return http.StatusOK, k, err
}

func (s *Service) rotateKey(r *http.Request, org string) (int, any, error) {
	var req struct {
		OverlapSeconds int64 `json:"overlap_seconds"`
	}
	if err := httpjson.Decode(r, &req); err != nil {
		return 0, nil, err
	}
	if req.OverlapSeconds < 0 || req.OverlapSeconds > 30*24*3600 {
		return 0, nil, httpjson.Errorf(http.StatusBadRequest, "invalid_request",
			"overlap_seconds must be 0 to 2592000 (30 days).")
	}
	is, err := s.RotateAPIKey(r.Context(), org, r.PathValue("id"),
		time.Duration(req.OverlapSeconds)*time.Second)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, issuedBody{is.Key, string(is.Token.Reveal())}, nil
}

func (s *Service) revokeKey(r *http.Request, org string) (int, any, error) {
	err := s.RevokeAPIKey(r.Context(), org, r.PathValue("id"), "revoked by an administrator")
	return http.StatusNoContent, nil, err
}

func (s *Service) revokeOwner(r *http.Request, org string) (int, any, error) {
	var req struct {
		Owner Owner `json:"owner"`
	}
	if err := httpjson.Decode(r, &req); err != nil {
		return 0, nil, err
	}
	n, err := s.RevokeOwnerAPIKeys(r.Context(), org, req.Owner, "revoked by an administrator")
	return http.StatusOK, map[string]int{"revoked": n}, err
}

type secretPage struct {
	Secrets    []Info `json:"secrets"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func (s *Service) listSecrets(r *http.Request, org string) (int, any, error) {
	limit, err := pageLimit(r)
	if err != nil {
		return 0, nil, err
	}
	opts := ListOptions{Limit: limit + 1}
	if err := httpjson.DecodeCursor(r.URL.Query().Get("cursor"), &opts.After); err != nil {
		return 0, nil, err
	}
	list, err := s.List(r.Context(), org, opts)
	if err != nil {
		return 0, nil, err
	}
	page := secretPage{Secrets: list}
	if len(list) > limit {
		page.Secrets = list[:limit]
		page.NextCursor = httpjson.EncodeCursor(list[limit-1].Name)
	}
	if page.Secrets == nil {
		page.Secrets = []Info{}
	}
	return http.StatusOK, page, nil
}
