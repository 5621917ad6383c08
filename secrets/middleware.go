package secrets

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/httpjson"
)

// maxTokenHeader bounds the header that carries an API key.
const maxTokenHeader = 512

// MiddlewareOptions configures [Service.RequireAPIKey].
type MiddlewareOptions struct {
	// Header, when set, names the header that carries the bare token
	// (such as "X-API-Key"). Empty means "Authorization: Bearer TOKEN".
	Header string
	// Scopes are the scopes a key must all carry; empty checks none.
	Scopes []string
}

type apiKeyCtxKey struct{}

// APIKeyFromContext returns the key that [Service.RequireAPIKey]
// authenticated for the request.
func APIKeyFromContext(ctx context.Context) (APIKey, bool) {
	k, ok := ctx.Value(apiKeyCtxKey{}).(APIKey)
	return k, ok
}

// RequireAPIKey returns middleware that authenticates each request by API
// key and checks its scopes. A missing, malformed, unknown, expired or
// revoked key gets 401 with a WWW-Authenticate challenge; a key without
// the scopes gets 403. Both are answered in the admin JSON error envelope
// with a stable code. On success the key is in the request context
// ([APIKeyFromContext]) and so is its owner as the actor ([WithActor]).
//
// The middleware establishes which organization the key belongs to; the
// handler MUST use that organization (APIKey.OrganizationID), not one
// named in the request, to keep tenants apart.
func (s *Service) RequireAPIKey(opts MiddlewareOptions) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			k, err := s.VerifyAPIKey(r.Context(), s.tokenFrom(r, opts.Header))
			if err != nil {
				s.unauthorized(w, r, err)
				return
			}
			if !k.HasScopes(opts.Scopes...) {
				w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+
					strings.Join(opts.Scopes, " ")+`"`)
				httpjson.WriteError(w, httpjson.Errorf(http.StatusForbidden, "insufficient_scope",
					"The API key lacks a scope this endpoint requires: %s.",
					strings.Join(opts.Scopes, ", ")))
				return
			}
			ctx := context.WithValue(r.Context(), apiKeyCtxKey{}, k)
			ctx = WithActor(ctx, Actor{Type: string(k.Owner.Type), ID: k.Owner.ID})
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// tokenFrom reads the token from the request, or "" when there is none.
func (s *Service) tokenFrom(r *http.Request, header string) string {
	var tok string
	if header != "" {
		tok = r.Header.Get(header)
	} else {
		auth := r.Header.Get("Authorization")
		scheme, rest, ok := strings.Cut(auth, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			tok = rest
		}
	}
	tok = strings.TrimSpace(tok)
	if len(tok) > maxTokenHeader {
		return ""
	}
	return tok
}

func (s *Service) unauthorized(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := "invalid_api_key", "The request needs a valid API key."
	switch {
	case errors.Is(err, ErrKeyExpired):
		code, msg = "api_key_expired", "The API key has expired."
	case errors.Is(err, ErrKeyRevoked):
		code, msg = "api_key_revoked", "The API key has been revoked."
	case !errors.Is(err, ErrInvalidToken):
		s.log.ErrorContext(r.Context(), "secrets: verifying an API key", "err", err)
		httpjson.WriteError(w, err) // a store failure: 500, without its text
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	httpjson.WriteError(w, httpjson.Errorf(http.StatusUnauthorized, code, "%s", msg))
}
