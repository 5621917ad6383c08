package authz

import (
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpjson"
)

// MiddlewareConfig says how [Service.Middleware] finds the question to
// ask for a request.
type MiddlewareConfig struct {
	// Relation the user must hold on the object, such as "viewer". Required.
	Relation string
	// Organization tells which organization the request belongs to.
	// Required. An error denies the request with 403.
	Organization func(*http.Request) (string, error)
	// Object names the object the request acts on, such as
	// "document:"+r.PathValue("id"). Required. An error is a 404.
	Object func(*http.Request) (string, error)
	// User names the caller, such as "user:"+id from the session the
	// host's authentication put in the request context. Required. An
	// error, or an empty user, is a 401.
	User func(*http.Request) (string, error)
	// Context, if set, gives condition parameters for the request (the
	// time, the client's address as the host trusts it).
	Context func(*http.Request) map[string]any
	// HideDenied answers a denial with 404 instead of 403, so that callers
	// cannot learn which objects exist.
	HideDenied bool
	// OnDeny, if set, is told of every denied request, for the audit log.
	OnDeny func(*http.Request, Denial)
}

// Denial describes a request the middleware refused.
type Denial struct {
	Organization string
	Object       string
	Relation     string
	User         string
	// Err is set when the check failed rather than answered no.
	Err  error
	Time time.Time
}

// Middleware returns net/http middleware that passes a request on only
// when the user holds the relation on the object, and otherwise answers
// in the admin JSON error envelope: 401 without a user, 403 (or 404 with
// HideDenied) when denied, 500 when the check fails. It fails closed:
// every error denies. It returns an error if the configuration is
// incomplete.
func (s *Service) Middleware(cfg MiddlewareConfig) (func(http.Handler) http.Handler, error) {
	if cfg.Relation == "" || cfg.Organization == nil || cfg.Object == nil || cfg.User == nil {
		return nil, errors.New("authz: MiddlewareConfig needs Relation, Organization, Object and User")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := s.authorize(r, &cfg); err != nil {
				httpjson.WriteError(w, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}

// authorize returns nil when the request may proceed, else the
// *httpjson.Error to answer with.
func (s *Service) authorize(r *http.Request, cfg *MiddlewareConfig) error {
	user, err := cfg.User(r)
	if err != nil || user == "" {
		return httpjson.Errorf(http.StatusUnauthorized, "unauthenticated", "Sign in to continue.")
	}
	d := Denial{Relation: cfg.Relation, User: user, Time: s.clock().UTC()}
	if d.Organization, err = cfg.Organization(r); err != nil || d.Organization == "" {
		d.Err = err
		return s.deny(r, cfg, d, httpjson.Errorf(http.StatusForbidden, "forbidden",
			"You may not act in this organization."))
	}
	if d.Object, err = cfg.Object(r); err != nil {
		d.Err = err
		return s.deny(r, cfg, d, httpjson.Errorf(http.StatusNotFound, "not_found", "There is no such object."))
	}
	req := CheckRequest{Object: d.Object, Relation: cfg.Relation, User: user}
	if cfg.Context != nil {
		req.Context = cfg.Context(r)
	}
	ok, err := s.Check(r.Context(), d.Organization, req)
	switch {
	case errors.Is(err, ErrInvalidRequest):
		// A malformed object from the URL (such as an ID with "#" or
		// "@") names nothing that could be granted.
		d.Err = err
		return s.deny(r, cfg, d, httpjson.Errorf(http.StatusNotFound, "not_found", "There is no such object."))
	case err != nil:
		d.Err = err
		s.log.WarnContext(r.Context(), "authz: check failed", "organization", d.Organization,
			"object", d.Object, "relation", d.Relation, "err", err)
		return s.deny(r, cfg, d, httpjson.Errorf(http.StatusInternalServerError, "authorization_failed",
			"The request could not be authorized."))
	case ok:
		return nil
	}
	if cfg.HideDenied {
		return s.deny(r, cfg, d, httpjson.Errorf(http.StatusNotFound, "not_found", "There is no such object."))
	}
	return s.deny(r, cfg, d, httpjson.Errorf(http.StatusForbidden, "forbidden",
		"You do not have %s access to this object.", cfg.Relation))
}

func (s *Service) deny(r *http.Request, cfg *MiddlewareConfig, d Denial, answer error) error {
	if cfg.OnDeny != nil {
		cfg.OnDeny(r, d)
	}
	return answer
}
