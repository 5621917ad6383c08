package scim

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse/gatehouse/internal/ids"
)

// DefaultAccessTokenTTL is how long the access tokens of the OAuth token
// endpoint live unless Config.AccessTokenTTL says otherwise.
const DefaultAccessTokenTTL = time.Hour

// CreateOAuthClient registers an OAuth 2.0 client of a directory for the
// client credentials grant (RFC 6749 section 4.4). The client ID is the
// returned token's ID; the secret is shown only here. Revoke the client
// with RevokeToken, which also ends the access tokens issued to it.
func (s *Service) CreateOAuthClient(ctx context.Context, organizationID, directoryID,
	name string) (*Token, Secret, error) {
	d, err := s.directory(ctx, organizationID, directoryID)
	if err != nil {
		return nil, Secret{}, fmt.Errorf("scim: creating an OAuth client: %w", err)
	}
	secret, hash := newSecret()
	t := &Token{ID: ids.New("cli"), Kind: TokenClient, DirectoryID: d.ID,
		OrganizationID: d.OrganizationID, Name: name, Hash: hash, Hint: tokenHint(secret),
		Created: s.stamp()}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return nil, Secret{}, fmt.Errorf("scim: creating an OAuth client: %w", err)
	}
	return t, secret, nil
}

// oauthError is an error of the token endpoint (RFC 6749 section 5.2).
type oauthError struct {
	status int
	code   string
	desc   string
}

func (e *oauthError) Error() string { return "scim: oauth: " + e.code + ": " + e.desc }

// TokenHandler returns the OAuth 2.0 token endpoint for the client
// credentials grant. Clients authenticate with HTTP Basic
// (client_secret_basic) or with client_id and client_secret in the form
// (client_secret_post). The access token it issues is accepted by
// [Service.Handler] until it expires, or its client is revoked.
func (s *Service) TokenHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		resp, err := s.issueAccessToken(r)
		if err != nil {
			var oe *oauthError
			if !errors.As(err, &oe) {
				s.log.ErrorContext(r.Context(), "scim: token endpoint failed", "error", err)
				oe = &oauthError{500, "server_error", "internal error"}
			}
			if oe.code == "invalid_client" {
				w.Header().Set("WWW-Authenticate", `Basic realm="SCIM"`)
			}
			writeJSONType(w, oe.status, "application/json",
				map[string]string{"error": oe.code, "error_description": oe.desc})
			return
		}
		writeJSONType(w, http.StatusOK, "application/json", resp)
	})
}

func (s *Service) issueAccessToken(r *http.Request) (map[string]any, error) {
	if r.Method != http.MethodPost {
		return nil, &oauthError{405, "invalid_request", "use POST"}
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return nil, &oauthError{400, "invalid_request", "malformed form body"}
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		return nil, &oauthError{400, "unsupported_grant_type",
			"only client_credentials is supported"}
	}
	client, err := s.authenticateClient(r.Context(), r)
	if err != nil {
		return nil, err
	}
	secret, hash := newSecret()
	ttl := s.accessTTL
	t := &Token{ID: ids.New("tok"), Kind: TokenAccess, ClientID: client.ID,
		DirectoryID: client.DirectoryID, OrganizationID: client.OrganizationID,
		Name: "access token of " + client.ID, Hash: hash, Hint: tokenHint(secret),
		Created: s.stamp(), ExpiresAt: s.stamp().Add(ttl)}
	if err := s.store.CreateToken(r.Context(), t); err != nil {
		return nil, fmt.Errorf("storing an access token: %w", err)
	}
	// Access tokens that expired an hour ago or more are of no use even
	// to an audit; keep the table from growing with every grant.
	cutoff := s.stamp().Add(-time.Hour)
	if _, err := s.store.DeleteExpiredAccessTokens(r.Context(), client.DirectoryID, cutoff); err != nil {
		s.log.WarnContext(r.Context(), "scim: deleting expired access tokens", "error", err)
	}
	return map[string]any{"access_token": secret.Reveal(), "token_type": "Bearer",
		"expires_in": int(ttl / time.Second)}, nil
}

// authenticateClient checks the client's ID and secret.
func (s *Service) authenticateClient(ctx context.Context, r *http.Request) (*Token, error) {
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	bad := &oauthError{401, "invalid_client", "unknown client or wrong secret"}
	if id == "" || !looksLikeToken(secret) {
		return nil, bad
	}
	h := hashToken(secret)
	t, err := s.store.TokenByHash(ctx, h)
	if errors.Is(err, ErrNotFound) {
		return nil, bad
	}
	if err != nil {
		return nil, fmt.Errorf("looking up a client: %w", err)
	}
	okID := subtle.ConstantTimeCompare([]byte(t.ID), []byte(id)) == 1
	if !okID || subtle.ConstantTimeCompare(t.Hash, h) != 1 || t.kind() != TokenClient ||
		!t.Valid(s.now()) {
		return nil, bad
	}
	return t, nil
}

func writeJSONType(w http.ResponseWriter, status int, ct string, v any) {
	w.Header().Set("Content-Type", ct)
	writeJSONBody(w, status, v)
}
