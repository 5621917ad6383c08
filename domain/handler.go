package domain

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpjson"
)

// AdminHandler returns the JSON admin API for the domains of one
// organization, the one that Config.Organization names for each request.
// Mount it under a prefix with http.StripPrefix:
//
//	mux.Handle("/admin/domains/", http.StripPrefix("/admin/domains", svc.AdminHandler()))
//
// Routes, relative to the prefix:
//
//	GET    /                 list domains (?cursor=&limit=)
//	POST   /                 add {"domain": "example.com", "include_subdomains": false}
//	GET    /{id}             show a domain and its challenge record
//	PATCH  /{id}             change {"include_subdomains": true}
//	POST   /{id}/verify      look the challenge record up now
//	POST   /{id}/challenge   regenerate the challenge
//	DELETE /{id}             remove
//
// Errors are {"error": {"code": "...", "message": "..."}} with a stable
// code. Requests for which Config.Organization returns an error, or when
// it is nil, are refused with 403 before anything is read.
func (s *Service) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.withOrg(s.handleList))
	mux.HandleFunc("POST /{$}", s.withOrg(s.handleAdd))
	mux.HandleFunc("GET /{id}", s.withOrg(s.handleGet))
	mux.HandleFunc("PATCH /{id}", s.withOrg(s.handlePatch))
	mux.HandleFunc("DELETE /{id}", s.withOrg(s.handleDelete))
	mux.HandleFunc("POST /{id}/verify", s.withOrg(s.handleVerify))
	mux.HandleFunc("POST /{id}/challenge", s.withOrg(s.handleRegenerate))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpjson.WriteError(w, httpjson.Errorf(http.StatusNotFound, "not_found", "No such endpoint."))
	})

	// The organization is resolved before the inner mux routes the
	// request, so that Config.Organization sees the host's request as it
	// came, path values of the host's own patterns included.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		org, err := httpjson.Organization(r, s.cfg.Organization,
			"You may not administer this organization's domains.")
		if err != nil {
			httpjson.WriteError(w, err)
			return
		}
		ctx := context.WithValue(r.Context(), orgKey{}, org)
		mux.ServeHTTP(w, r.WithContext(ctx))
	})
}

type orgKey struct{}

// orgHandlerFunc serves an admin request for the given organization.
type orgHandlerFunc func(w http.ResponseWriter, r *http.Request, org string) error

// withOrg passes h the organization that AdminHandler resolved, and
// answers the error h returns.
func (s *Service) withOrg(h orgHandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		org, _ := r.Context().Value(orgKey{}).(string)
		if err := h(w, r, org); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// domainJSON is the admin API's view of a domain.
type domainJSON struct {
	ID                  string     `json:"id"`
	Domain              string     `json:"domain"`
	Status              Status     `json:"status"`
	IncludeSubdomains   bool       `json:"include_subdomains"`
	Challenge           Challenge  `json:"challenge"`
	ChallengeExpired    bool       `json:"challenge_expired,omitempty"`
	VerifiedAt          *time.Time `json:"verified_at,omitempty"`
	LastCheckedAt       *time.Time `json:"last_checked_at,omitempty"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
	LastError           string     `json:"last_error,omitempty"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

func (s *Service) view(d Domain) domainJSON {
	return domainJSON{
		ID: d.ID, Domain: d.Name, Status: d.Status, IncludeSubdomains: d.IncludeSubdomains,
		Challenge:           s.Challenge(d),
		ChallengeExpired:    d.Status != StatusVerified && d.ChallengeExpired(s.now()),
		VerifiedAt:          timePtr(d.VerifiedAt),
		LastCheckedAt:       timePtr(d.LastCheckedAt),
		ConsecutiveFailures: d.ConsecutiveFailures,
		LastError:           d.LastError,
		CreatedAt:           d.CreatedAt,
		UpdatedAt:           d.UpdatedAt,
	}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request, org string) error {
	var after string
	if err := httpjson.DecodeCursor(r.URL.Query().Get("cursor"), &after); err != nil {
		return err
	}
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return httpjson.Errorf(http.StatusBadRequest, "invalid_limit",
				"limit must be a number from 1 to 1000.")
		}
		limit = n
	}
	page, next, err := s.List(r.Context(), org, after, limit)
	if err != nil {
		return err
	}
	out := struct {
		Data       []domainJSON `json:"data"`
		NextCursor string       `json:"next_cursor,omitempty"`
	}{Data: make([]domainJSON, 0, len(page))}
	for _, d := range page {
		out.Data = append(out.Data, s.view(d))
	}
	if next != "" {
		out.NextCursor = httpjson.EncodeCursor(next)
	}
	httpjson.Write(w, http.StatusOK, out)
	return nil
}

func (s *Service) handleAdd(w http.ResponseWriter, r *http.Request, org string) error {
	var in struct {
		Domain            string `json:"domain"`
		IncludeSubdomains bool   `json:"include_subdomains"`
	}
	if err := httpjson.Decode(r, &in); err != nil {
		return err
	}
	d, err := s.Add(r.Context(), org, in.Domain, AddOptions{IncludeSubdomains: in.IncludeSubdomains})
	if err != nil {
		return err
	}
	w.Header().Set("Location", d.ID)
	httpjson.Write(w, http.StatusCreated, s.view(d))
	return nil
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request, org string) error {
	d, err := s.Get(r.Context(), org, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, s.view(d))
	return nil
}

func (s *Service) handlePatch(w http.ResponseWriter, r *http.Request, org string) error {
	var in struct {
		IncludeSubdomains *bool `json:"include_subdomains"`
	}
	if err := httpjson.Decode(r, &in); err != nil {
		return err
	}
	if in.IncludeSubdomains == nil {
		return httpjson.Errorf(http.StatusBadRequest, "nothing_to_change",
			"Give include_subdomains to change it.")
	}
	d, err := s.SetIncludeSubdomains(r.Context(), org, r.PathValue("id"), *in.IncludeSubdomains)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, s.view(d))
	return nil
}

func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request, org string) error {
	if err := s.Remove(r.Context(), org, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) handleVerify(w http.ResponseWriter, r *http.Request, org string) error {
	d, err := s.Verify(r.Context(), org, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, s.view(d))
	return nil
}

func (s *Service) handleRegenerate(w http.ResponseWriter, r *http.Request, org string) error {
	d, err := s.RegenerateChallenge(r.Context(), org, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, s.view(d))
	return nil
}

// errorCodes maps the package's errors to admin API statuses and codes.
var errorCodes = []struct {
	err    error
	status int
	code   string
}{
	{ErrNotFound, http.StatusNotFound, "not_found"},
	{ErrDuplicate, http.StatusConflict, "already_added"},
	{ErrClaimed, http.StatusConflict, "domain_claimed"},
	{ErrStale, http.StatusConflict, "concurrent_change"},
	{ErrAlreadyVerified, http.StatusConflict, "already_verified"},
	{ErrInvalidOrganization, http.StatusBadRequest, "invalid_organization"},
	{ErrIPAddress, http.StatusBadRequest, "ip_address"},
	{ErrSingleLabel, http.StatusBadRequest, "single_label"},
	{ErrPublicSuffix, http.StatusBadRequest, "public_suffix"},
	{ErrEmailProvider, http.StatusBadRequest, "email_provider"},
	{ErrInvalidName, http.StatusBadRequest, "invalid_domain"},
	{ErrChallengeExpired, http.StatusUnprocessableEntity, "challenge_expired"},
	{ErrRecordNotFound, http.StatusUnprocessableEntity, "record_not_found"},
	{ErrRecordMismatch, http.StatusUnprocessableEntity, "record_mismatch"},
	{ErrDNSServerFailure, http.StatusBadGateway, "dns_server_failure"},
	{ErrDNSTimeout, http.StatusGatewayTimeout, "dns_timeout"},
}

func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var apiErr *httpjson.Error
	if errors.As(err, &apiErr) {
		httpjson.WriteError(w, apiErr)
		return
	}
	for _, c := range errorCodes {
		if errors.Is(err, c.err) {
			httpjson.WriteError(w, &httpjson.Error{Status: c.status, Code: c.code, Message: err.Error()})
			return
		}
	}
	s.log.ErrorContext(r.Context(), "domain admin API", "err", err)
	httpjson.WriteError(w, err)
}
