package scim

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/ids"
)

// Config configures a [Service]. Store is required; every other zero value
// is safe.
type Config struct {
	// Store keeps directories, tokens, resources and events.
	Store Store
	// Logger receives the service's few logs; nil is silent.
	Logger *slog.Logger
	// Clock tells the time; nil means time.Now.
	Clock func() time.Time
	// BaseURL, when set, is the absolute URL the SCIM endpoint is mounted
	// at (such as "https://app.example.com/scim/v2"), used in
	// meta.location. When empty, locations are made from the request's
	// Host header and path, which a client can choose; set BaseURL where
	// that matters.
	BaseURL string
	// UserExtensions and GroupExtensions are extension schemas of the
	// host's own, served beside the enterprise extension.
	UserExtensions  []*Schema
	GroupExtensions []*Schema
	// MaxResults is the largest page a list returns; 0 means 1000.
	MaxResults int
	// MaxBodyBytes limits request bodies; 0 means 1 MiB.
	MaxBodyBytes int64
	// Authenticator, when set, replaces the bearer-token check: it
	// returns the directory the request may act on.
	Authenticator Authenticator
	// FederatedIssuers are external token issuers whose signed JWTs are
	// accepted as bearer credentials of a directory (see
	// [FederatedIssuer]).
	FederatedIssuers []FederatedIssuer
	// HTTPClient fetches the federated issuers' keys; nil means a client
	// with a ten-second timeout.
	HTTPClient *http.Client
	// AccessTokenTTL is the lifetime of the access tokens TokenHandler
	// issues; 0 means DefaultAccessTokenTTL.
	AccessTokenTTL time.Duration
}

// Authenticator decides which directory a SCIM request acts on. It
// returns an error wrapping [ErrUnauthorized] to refuse the request.
type Authenticator interface {
	Authenticate(r *http.Request) (directoryID string, err error)
}

// ErrUnauthorized means a request carries no valid credentials.
var ErrUnauthorized = errors.New("scim: unauthorized")

// Service is a SCIM service provider over a Store: its Handler serves the
// SCIM protocol, and its methods manage directories and tokens and read
// the provisioned users and groups. It is safe for concurrent use.
type Service struct {
	store   Store
	log     *slog.Logger
	now     func() time.Time
	schemas *schemas
	base    string
	maxPage int
	maxBody int64
	auth    Authenticator
	// accessTTL is the lifetime of OAuth access tokens.
	accessTTL time.Duration
	fed       *federation
}

// New returns a Service, or an error if cfg is incomplete.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("scim: Config.Store is required")
	}
	s := &Service{store: cfg.Store, log: cfg.Logger, now: cfg.Clock,
		schemas: newSchemas(cfg.UserExtensions, cfg.GroupExtensions),
		base:    strings.TrimSuffix(cfg.BaseURL, "/"), maxPage: cfg.MaxResults,
		maxBody: cfg.MaxBodyBytes, auth: cfg.Authenticator}
	if err := checkExtensions(append(cfg.UserExtensions, cfg.GroupExtensions...)); err != nil {
		return nil, err
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxPage <= 0 {
		s.maxPage = 1000
	}
	if s.maxBody <= 0 {
		s.maxBody = 1 << 20
	}
	fed, err := newFederation(cfg.FederatedIssuers, cfg.Store, cfg.HTTPClient, s.now)
	if err != nil {
		return nil, err
	}
	s.fed = fed
	s.accessTTL = cfg.AccessTokenTTL
	if s.accessTTL <= 0 {
		s.accessTTL = DefaultAccessTokenTTL
	}
	return s, nil
}

func checkExtensions(exts []*Schema) error {
	for _, e := range exts {
		if e == nil || !strings.HasPrefix(strings.ToLower(e.ID), "urn:") {
			return errors.New("scim: extension schemas need an ID that is a URN")
		}
	}
	return nil
}

// CreateDirectory creates a directory for an organization.
func (s *Service) CreateDirectory(ctx context.Context, organizationID, name string) (*Directory,
	error) {
	if organizationID == "" {
		return nil, errors.New("scim: creating a directory: empty organization ID")
	}
	d := &Directory{ID: ids.New("dir"), OrganizationID: organizationID, Name: name,
		Created: s.stamp()}
	if err := s.store.CreateDirectory(ctx, d); err != nil {
		return nil, fmt.Errorf("scim: creating a directory: %w", err)
	}
	return d, nil
}

// Directories returns the directories of an organization.
func (s *Service) Directories(ctx context.Context, organizationID string) ([]*Directory, error) {
	return s.store.Directories(ctx, organizationID)
}

// directory returns a directory if it belongs to the organization.
func (s *Service) directory(ctx context.Context, org, id string) (*Directory, error) {
	d, err := s.store.Directory(ctx, id)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(d.OrganizationID), []byte(org)) != 1 {
		return nil, ErrNotFound
	}
	return d, nil
}

// IssueToken issues a new bearer token for a directory of the
// organization. The secret is returned only here; the store keeps its
// hash.
func (s *Service) IssueToken(ctx context.Context, organizationID, directoryID,
	name string) (*Token, Secret, error) {
	d, err := s.directory(ctx, organizationID, directoryID)
	if err != nil {
		return nil, Secret{}, fmt.Errorf("scim: issuing a token: %w", err)
	}
	secret, hash := newSecret()
	t := &Token{ID: ids.New("tok"), DirectoryID: d.ID, OrganizationID: d.OrganizationID,
		Name: name, Hash: hash, Hint: tokenHint(secret), Created: s.stamp()}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return nil, Secret{}, fmt.Errorf("scim: issuing a token: %w", err)
	}
	return t, secret, nil
}

// Tokens lists a directory's tokens by their metadata.
func (s *Service) Tokens(ctx context.Context, organizationID, directoryID string) ([]*Token,
	error) {
	if _, err := s.directory(ctx, organizationID, directoryID); err != nil {
		return nil, fmt.Errorf("scim: listing tokens: %w", err)
	}
	return s.store.Tokens(ctx, directoryID)
}

// RotateToken issues a new token for the directory of token oldID and
// lets the old one work for grace longer, so that the identity provider
// can be switched to the new one without a gap. A grace of zero or less
// ends the old token now.
func (s *Service) RotateToken(ctx context.Context, organizationID, directoryID, oldID string,
	grace time.Duration) (*Token, Secret, error) {
	old, err := s.token(ctx, organizationID, directoryID, oldID)
	if err != nil {
		return nil, Secret{}, fmt.Errorf("scim: rotating a token: %w", err)
	}
	t, secret, err := s.IssueToken(ctx, organizationID, directoryID, old.Name)
	if err != nil {
		return nil, Secret{}, err
	}
	end := s.stamp().Add(max(grace, 0))
	if old.ExpiresAt.IsZero() || end.Before(old.ExpiresAt) {
		old.ExpiresAt = end
	}
	if err := s.store.UpdateToken(ctx, old); err != nil {
		return nil, Secret{}, fmt.Errorf("scim: rotating a token: %w", err)
	}
	return t, secret, nil
}

// RevokeToken ends a token now. Revoking an OAuth client also ends the
// access tokens issued to it.
func (s *Service) RevokeToken(ctx context.Context, organizationID, directoryID, id string) error {
	ts, err := s.Tokens(ctx, organizationID, directoryID)
	if err != nil {
		return fmt.Errorf("scim: revoking a token: %w", err)
	}
	found := false
	for _, t := range ts {
		if t.ID != id && t.ClientID != id {
			continue
		}
		found = found || t.ID == id
		if t.RevokedAt.IsZero() {
			t.RevokedAt = s.stamp()
			if err := s.store.UpdateToken(ctx, t); err != nil {
				return fmt.Errorf("scim: revoking a token: %w", err)
			}
		}
	}
	if !found {
		return fmt.Errorf("scim: revoking a token: %w", ErrNotFound)
	}
	return nil
}

func (s *Service) token(ctx context.Context, org, dir, id string) (*Token, error) {
	ts, err := s.Tokens(ctx, org, dir)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.ID == id {
			return t, nil
		}
	}
	return nil, ErrNotFound
}

// AuthenticateToken returns the valid bearer or access token whose secret
// is secret, or an error wrapping ErrUnauthorized. The secret is looked up
// by its SHA-256 and the stored hash compared in constant time. An OAuth
// client's secret is refused: it is good only at the token endpoint.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (*Token, error) {
	if !looksLikeToken(secret) {
		return nil, ErrUnauthorized
	}
	h := hashToken(secret)
	t, err := s.store.TokenByHash(ctx, h)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, fmt.Errorf("scim: looking up a token: %w", err)
	}
	if subtle.ConstantTimeCompare(t.Hash, h) != 1 || !t.Valid(s.now()) || t.kind() == TokenClient {
		return nil, ErrUnauthorized
	}
	return t, nil
}

// stamp returns the current time as stores keep it: UTC, to the
// microsecond.
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
