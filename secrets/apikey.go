package secrets

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/internal/ids"
)

// DefaultAPIKeyTTL is the lifetime of an API key issued without an
// expiry. Keys that never expire are not offered.
const DefaultAPIKeyTTL = 90 * 24 * time.Hour

// Limits on what an API key carries.
const (
	maxScopes   = 64
	maxScopeLen = 128
)

// OwnerType says what kind of identity owns an API key.
type OwnerType string

// The owner types.
const (
	// OwnerUser is a person, by the host's user ID.
	OwnerUser OwnerType = "user"
	// OwnerServiceAccount is a non-human identity: an integration, a
	// job, an agent.
	OwnerServiceAccount OwnerType = "service_account"
)

// Owner is the identity an API key acts as.
type Owner struct {
	Type OwnerType `json:"type"`
	ID   string    `json:"id"`
}

// APIKey is an API key's record. It never holds the token, only its hash.
type APIKey struct {
	ID             string   `json:"id"`
	OrganizationID string   `json:"organization_id"`
	Owner          Owner    `json:"owner"`
	Name           string   `json:"name"`
	Scopes         []string `json:"scopes"`
	// Hint is the token's prefix and last four characters, for people
	// telling keys apart.
	Hint string `json:"hint"`
	// Hash is the SHA-256 of the token.
	Hash       []byte    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	// RotatedFrom is the ID of the key this one replaced.
	RotatedFrom string `json:"rotated_from,omitempty"`
}

// HasScopes reports whether the key carries every one of the scopes.
func (k APIKey) HasScopes(scopes ...string) bool {
	for _, s := range scopes {
		if !slices.Contains(k.Scopes, s) {
			return false
		}
	}
	return true
}

// APIKeyListOptions pages a listing of API keys in ID (creation) order.
type APIKeyListOptions struct {
	// Owner, when its ID is set, lists only that owner's keys.
	Owner Owner
	// After is the ID after which the page starts.
	After string
	Limit int
}

// APIKeyStore is the part of [Store] that keeps API keys.
type APIKeyStore interface {
	// CreateAPIKey stores a new key; its ID and Hash are unique.
	CreateAPIKey(ctx context.Context, k APIKey, ev Event) error
	// APIKeyByHash returns the key whose Hash is hash, of any
	// organization, or [ErrNotFound]. It is the verification hot path
	// and must be served by an index.
	APIKeyByHash(ctx context.Context, hash []byte) (APIKey, error)
	// APIKey returns one key of the organization or [ErrNotFound].
	APIKey(ctx context.Context, org, id string) (APIKey, error)
	// ListAPIKeys returns the organization's keys in ID order.
	ListAPIKeys(ctx context.Context, org string, opts APIKeyListOptions) ([]APIKey, error)
	// RotateAPIKey stores next and moves the expiry of the key oldID to
	// oldExpires if that is earlier, in one transaction. It gives
	// [ErrNotFound] for a missing key and [ErrKeyRevoked] for a revoked one.
	RotateAPIKey(ctx context.Context, org, oldID string, oldExpires time.Time,
		next APIKey, ev Event) error
	// RevokeAPIKey marks a key revoked at the given time. Revoking a
	// revoked key changes nothing and records nothing.
	RevokeAPIKey(ctx context.Context, org, id string, at time.Time, ev Event) error
	// RevokeOwnerAPIKeys revokes every unrevoked key of the owner in the
	// organization and returns how many. When there were any, it records
	// ev with Data.Count set to that number.
	RevokeOwnerAPIKeys(ctx context.Context, org string, owner Owner,
		at time.Time, ev Event) (int, error)
	// TouchAPIKey records a use of the key, keeping the later of the
	// stored and the given time.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
}

// IssueRequest describes an API key to issue.
type IssueRequest struct {
	Owner  Owner
	Name   string
	Scopes []string
	// ExpiresAt is when the key stops working; zero means
	// [DefaultAPIKeyTTL] from now.
	ExpiresAt time.Time
}

// Issued is a newly issued key with its token. The token is shown this
// once: only its hash is stored. Token prints redacted; call Reveal.
type Issued struct {
	Key   APIKey
	Token Value
}

// IssueAPIKey issues a key for the organization.
func (s *Service) IssueAPIKey(ctx context.Context, org string, req IssueRequest) (Issued, error) {
	if err := s.checkIssue(org, req); err != nil {
		return Issued{}, err
	}
	now := s.now().UTC()
	if req.ExpiresAt.IsZero() {
		req.ExpiresAt = now.Add(DefaultAPIKeyTTL)
	}
	if !req.ExpiresAt.After(now) {
		return Issued{}, fmt.Errorf("%w: the expiry is in the past", ErrInvalidRequest)
	}
	tok := s.apiKey.generate()
	k := s.newKey(org, req.Owner, req.Name, req.Scopes, tok, now, req.ExpiresAt.UTC())
	ev := s.event(ctx, EventAPIKeyIssued, org, EventData{APIKeyID: k.ID, OwnerID: k.Owner.ID})
	if err := s.store.CreateAPIKey(ctx, k, ev); err != nil {
		return Issued{}, fmt.Errorf("secrets: issuing an API key: %w", err)
	}
	return Issued{Key: k, Token: NewStringValue(tok)}, nil
}

func (s *Service) newKey(org string, o Owner, name string, scopes []string, tok string,
	now, exp time.Time) APIKey {
	h := sha256.Sum256([]byte(tok))
	if scopes == nil {
		scopes = []string{}
	}
	return APIKey{ID: ids.NewAt("key", now), OrganizationID: org, Owner: o, Name: name,
		Scopes: slices.Clone(scopes), Hint: s.apiKey.hint(tok), Hash: h[:],
		CreatedAt: now, ExpiresAt: exp}
}

func (s *Service) checkIssue(org string, req IssueRequest) error {
	switch {
	case !validName(org):
		return fmt.Errorf("%w: organization ID", ErrInvalidName)
	case req.Owner.Type != OwnerUser && req.Owner.Type != OwnerServiceAccount:
		return fmt.Errorf("%w: owner type %q: want user or service_account",
			ErrInvalidRequest, req.Owner.Type)
	case !validName(req.Owner.ID) || !validName(req.Name):
		return fmt.Errorf("%w: API key owner ID and name must be 1 to %d printable bytes",
			ErrInvalidName, maxNameLen)
	case len(req.Scopes) > maxScopes:
		return fmt.Errorf("%w: %d scopes; at most %d", ErrInvalidRequest,
			len(req.Scopes), maxScopes)
	}
	for _, sc := range req.Scopes {
		if sc == "" || len(sc) > maxScopeLen || !validName(sc) {
			return fmt.Errorf("%w: scope %q is empty, too long or not printable",
				ErrInvalidRequest, sc)
		}
	}
	return nil
}

// VerifyAPIKey checks a token and returns its key: organization, owner
// and scopes. It rejects a token of the wrong shape, prefix or checksum
// with [ErrInvalidToken] before any store lookup, looks the key up by the
// token's hash and compares the hashes in constant time, then fails
// revoked keys with [ErrKeyRevoked] and expired ones with [ErrKeyExpired].
//
// It records the use at most once per Config.LastUsedGranularity per key,
// so most verifications write nothing. It does NOT check scopes; see
// [APIKey.HasScopes] and [Service.RequireAPIKey].
func (s *Service) VerifyAPIKey(ctx context.Context, token string) (APIKey, error) {
	if !s.apiKey.valid(token) {
		return APIKey{}, ErrInvalidToken
	}
	h := sha256.Sum256([]byte(token))
	k, err := s.store.APIKeyByHash(ctx, h[:])
	if errors.Is(err, ErrNotFound) || err == nil && subtle.ConstantTimeCompare(k.Hash, h[:]) != 1 {
		return APIKey{}, ErrInvalidToken
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("secrets: verifying an API key: %w", err)
	}
	now := s.now()
	switch {
	case !k.RevokedAt.IsZero():
		return APIKey{}, ErrKeyRevoked
	case !now.Before(k.ExpiresAt):
		return APIKey{}, ErrKeyExpired
	}
	if now.Sub(k.LastUsedAt) >= s.touch {
		if err := s.store.TouchAPIKey(ctx, k.ID, now.UTC()); err != nil {
			s.log.WarnContext(ctx, "secrets: recording API key use", "key", k.ID, "err", err)
		}
		k.LastUsedAt = now.UTC()
	}
	return k, nil
}

// APIKey returns one of the organization's keys, without its token.
func (s *Service) APIKey(ctx context.Context, org, id string) (APIKey, error) {
	k, err := s.store.APIKey(ctx, org, id)
	if err != nil {
		return APIKey{}, fmt.Errorf("secrets: reading API key %q: %w", id, err)
	}
	return k, nil
}

// ListAPIKeys returns a page of the organization's keys in creation order.
func (s *Service) ListAPIKeys(ctx context.Context, org string,
	opts APIKeyListOptions) ([]APIKey, error) {
	opts.Limit = min(max(opts.Limit, 1), 1000)
	ks, err := s.store.ListAPIKeys(ctx, org, opts)
	if err != nil {
		return nil, fmt.Errorf("secrets: listing API keys: %w", err)
	}
	return ks, nil
}

// RotateAPIKey issues a replacement for a key, with the same owner, name,
// scopes and lifetime, and lets the old key work for overlap more (never
// longer than it would have), so that clients can switch without an
// outage. A zero overlap ends the old key now.
func (s *Service) RotateAPIKey(ctx context.Context, org, id string,
	overlap time.Duration) (Issued, error) {
	old, err := s.store.APIKey(ctx, org, id)
	if err != nil {
		return Issued{}, fmt.Errorf("secrets: rotating API key %q: %w", id, err)
	}
	now := s.now().UTC()
	switch {
	case !old.RevokedAt.IsZero():
		return Issued{}, fmt.Errorf("secrets: rotating API key %q: %w", id, ErrKeyRevoked)
	case !now.Before(old.ExpiresAt):
		return Issued{}, fmt.Errorf("secrets: rotating API key %q: %w", id, ErrKeyExpired)
	}
	tok := s.apiKey.generate()
	next := s.newKey(org, old.Owner, old.Name, old.Scopes, tok, now,
		now.Add(old.ExpiresAt.Sub(old.CreatedAt)))
	next.RotatedFrom = old.ID
	ev := s.event(ctx, EventAPIKeyRotated, org, EventData{APIKeyID: next.ID, OwnerID: old.Owner.ID,
		Reason: "replaces " + old.ID})
	if err := s.store.RotateAPIKey(ctx, org, id, now.Add(max(overlap, 0)), next, ev); err != nil {
		return Issued{}, fmt.Errorf("secrets: rotating API key %q: %w", id, err)
	}
	return Issued{Key: next, Token: NewStringValue(tok)}, nil
}

// RevokeAPIKey revokes one key at once: the next verification fails.
func (s *Service) RevokeAPIKey(ctx context.Context, org, id, reason string) error {
	k, err := s.store.APIKey(ctx, org, id)
	if err != nil {
		return fmt.Errorf("secrets: revoking API key %q: %w", id, err)
	}
	ev := s.event(ctx, EventAPIKeyRevoked, org,
		EventData{APIKeyID: id, OwnerID: k.Owner.ID, Reason: reason})
	if err := s.store.RevokeAPIKey(ctx, org, id, s.now().UTC(), ev); err != nil {
		return fmt.Errorf("secrets: revoking API key %q: %w", id, err)
	}
	return nil
}

// RevokeOwnerAPIKeys revokes every key of an owner in the organization
// and returns how many, for offboarding: the host calls it when SCIM
// deactivates a user or a service account is removed.
//
// It revokes the keys that exist when it runs. A key issued at the same
// moment or later is not affected: the host MUST stop issuing keys for the
// owner (mark them inactive) before it calls this.
func (s *Service) RevokeOwnerAPIKeys(ctx context.Context, org string, owner Owner,
	reason string) (int, error) {
	if !validName(org) || !validName(owner.ID) {
		return 0, ErrInvalidName
	}
	ev := s.event(ctx, EventAPIKeyRevoked, org, EventData{OwnerID: owner.ID, Reason: reason})
	n, err := s.store.RevokeOwnerAPIKeys(ctx, org, owner, s.now().UTC(), ev)
	if err != nil {
		return 0, fmt.Errorf("secrets: revoking the API keys of %s %q: %w",
			owner.Type, owner.ID, err)
	}
	return n, nil
}

// TokenPattern returns a regular expression that matches this service's
// tokens and nothing shorter or longer, to register with secret scanners
// (GitHub's partner program asks for one).
func (s *Service) TokenPattern() string {
	return `\b` + s.apiKey.prefix + `[0-9A-Za-z]{` +
		fmt.Sprint(tokenRandomLen+tokenCheckLen) + `}\b`
}
