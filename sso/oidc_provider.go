package sso

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// Bounds of the OIDC caches.
const (
	discoveryTTL    = time.Hour
	jwksTTL         = time.Hour
	jwksMinInterval = time.Minute // refreshes on an unknown kid at most this often
	maxOIDCDocument = 1 << 20
)

// providerMetadata is the part of an OpenID Provider's discovery document
// the package uses.
type providerMetadata struct {
	Issuer           string   `json:"issuer"`
	AuthURL          string   `json:"authorization_endpoint"`
	TokenURL         string   `json:"token_endpoint"`
	UserInfoURL      string   `json:"userinfo_endpoint"`
	JWKSURL          string   `json:"jwks_uri"`
	SigningAlgs      []string `json:"id_token_signing_alg_values_supported"`
	TokenAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	// EndSessionURL is the RP-initiated logout endpoint, "" if none.
	EndSessionURL string `json:"end_session_endpoint"`
}

// oidcCache keeps discovery documents and key sets of providers. It holds
// public data fetched again when stale, never state that correctness
// depends on, so each instance may have its own.
type oidcCache struct {
	mu   sync.Mutex
	docs map[string]cachedDoc
	keys map[string]*cachedKeys
}

type cachedDoc struct {
	md      *providerMetadata
	fetched time.Time
}

type cachedKeys struct {
	set     jwk.Set
	fetched time.Time
}

// discover returns the provider metadata of issuer, from the cache when
// fresh. It checks that the document names the issuer asked for.
func (s *Service) discover(ctx context.Context, issuer string) (*providerMetadata, error) {
	now := s.now()
	s.oidc.mu.Lock()
	c, ok := s.oidc.docs[issuer]
	s.oidc.mu.Unlock()
	if ok && now.Sub(c.fetched) < discoveryTTL {
		return c.md, nil
	}
	var md providerMetadata
	u := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	if err := s.getJSON(ctx, u, &md); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	if err := md.check(issuer); err != nil {
		return nil, fmt.Errorf("discovery at %s: %w", u, err)
	}
	s.oidc.mu.Lock()
	s.oidc.docs[issuer] = cachedDoc{md: &md, fetched: now}
	s.oidc.mu.Unlock()
	return &md, nil
}

func (md *providerMetadata) check(issuer string) error {
	if md.Issuer != issuer && !issuerTemplateMatches(md.Issuer, issuer) {
		return fmt.Errorf("the document names issuer %q, want %q", md.Issuer, issuer)
	}
	for name, u := range map[string]string{"authorization_endpoint": md.AuthURL,
		"token_endpoint": md.TokenURL, "jwks_uri": md.JWKSURL} {
		if err := checkURL(u); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// issuerTemplateMatches reports whether a discovered issuer with Entra
// ID's "{tenantid}" placeholder stands for the multi-tenant endpoint the
// connection names (common, organizations, consumers).
func issuerTemplateMatches(template, issuer string) bool {
	if !strings.Contains(template, "{tenantid}") {
		return false
	}
	for _, t := range []string{"common", "organizations", "consumers"} {
		if strings.Replace(issuer, "/"+t+"/", "/{tenantid}/", 1) == template {
			return true
		}
	}
	return false
}

// keySet returns the provider's keys; refresh asks for a new copy, which
// is fetched only if the cached one is older than jwksMinInterval.
func (s *Service) keySet(ctx context.Context, jwksURL string, refresh bool) (jwk.Set, error) {
	now := s.now()
	s.oidc.mu.Lock()
	c := s.oidc.keys[jwksURL]
	s.oidc.mu.Unlock()
	if c != nil && now.Sub(c.fetched) < jwksTTL && (!refresh || now.Sub(c.fetched) < jwksMinInterval) {
		return c.set, nil
	}
	body, err := s.get(ctx, jwksURL)
	if err != nil {
		return nil, fmt.Errorf("fetching JWKS: %w", err)
	}
	set, err := jwk.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("parsing JWKS: %w", err)
	}
	s.oidc.mu.Lock()
	s.oidc.keys[jwksURL] = &cachedKeys{set: set, fetched: now}
	s.oidc.mu.Unlock()
	return set, nil
}

func (s *Service) getJSON(ctx context.Context, u string, v any) error {
	body, err := s.get(ctx, u)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decoding %s: %w", u, err)
	}
	return nil
}

func (s *Service) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxOIDCDocument+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxOIDCDocument {
		return nil, errors.New("document exceeds 1 MiB")
	}
	return body, nil
}
