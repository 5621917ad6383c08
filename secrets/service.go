package secrets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/ids"
)

// Defaults for the zero values of [Config].
const (
	// DefaultKeepVersions is how many versions of a secret are kept.
	DefaultKeepVersions = 10
	// DefaultRecoveryWindow is how long a deleted secret can be restored.
	DefaultRecoveryWindow = 7 * 24 * time.Hour
	// DefaultCacheTTL is how long an unwrapped data key stays cached.
	DefaultCacheTTL = 5 * time.Minute
	// DefaultCacheSize is how many unwrapped data keys stay cached.
	DefaultCacheSize = 1024
	// DefaultAPIKeyPrefix starts API key tokens when the host sets none.
	DefaultAPIKeyPrefix = "ghk"
	// DefaultLastUsedGranularity is how often a key's last use is written.
	DefaultLastUsedGranularity = time.Minute
)

// maxNameLen bounds organization IDs and secret names, in bytes.
const maxNameLen = 256

// putAttempts bounds how often Put retries after losing a race with
// another writer of the same secret.
const putAttempts = 8

// Config configures a [Service]. Zero values are safe defaults; Store and
// Keys are required.
type Config struct {
	// Store keeps secrets, API keys and events.
	Store Store
	// Keys wraps data keys; a [KeyRing] is the local default.
	Keys KeyProvider
	// Logger receives operational logs, never values; nil is silent.
	Logger *slog.Logger
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// KeepVersions is how many versions of a secret are kept; older ones
	// are removed on write. Zero means [DefaultKeepVersions].
	KeepVersions int
	// RecoveryWindow is how long a deleted secret can be restored before
	// [Service.Purge] destroys it. Zero means [DefaultRecoveryWindow].
	RecoveryWindow time.Duration
	// Policy decides each access; nil allows every access.
	Policy Policy
	// CacheTTL and CacheSize bound how long and how many unwrapped data
	// keys are kept in memory, so that hot reads do not call the key
	// provider. Zero means [DefaultCacheTTL] and [DefaultCacheSize]; a
	// negative CacheTTL disables the cache.
	CacheTTL  time.Duration
	CacheSize int
	// APIKeyPrefix starts every API key token, so that secret scanners
	// can recognize them: 2 to 16 lowercase letters or digits, starting
	// with a letter. Zero means [DefaultAPIKeyPrefix].
	APIKeyPrefix string
	// LastUsedGranularity is how stale an API key's recorded last use may
	// get: verification writes it at most once per this interval per
	// key. Zero means [DefaultLastUsedGranularity].
	LastUsedGranularity time.Duration
	// Organization tells the admin handlers which organization the caller
	// administers, or refuses. Required only for [Service.AdminHandler].
	Organization func(*http.Request) (string, error)
}

// Policy decides whether an actor may perform an access. A nil error
// allows it; any error denies it, is recorded as a denial event with the
// error's text as the reason, and reaches the caller wrapped with
// [ErrDenied].
type Policy func(ctx context.Context, a Access) error

// Access is what a [Policy] decides on.
type Access struct {
	Actor          Actor
	Action         string // "read", "write", "delete", "restore" or "destroy"
	OrganizationID string
	Name           string
	Version        int    // the version asked for; 0 is the latest
	Purpose        string // as the caller stated it, for reads
}

// Service stores secrets under envelope encryption and manages API keys.
// It is safe for concurrent use.
type Service struct {
	store  Store
	keys   KeyProvider
	log    *slog.Logger
	now    func() time.Time
	keep   int
	window time.Duration
	policy Policy
	cache  *keyCache
	apiKey tokenFormat
	touch  time.Duration
	org    func(*http.Request) (string, error)
}

// New validates cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Keys == nil {
		return nil, errors.New("secrets: Config.Store and Config.Keys are required")
	}
	if cfg.KeepVersions < 0 || cfg.RecoveryWindow < 0 || cfg.CacheSize < 0 ||
		cfg.LastUsedGranularity < 0 {
		return nil, errors.New("secrets: Config.KeepVersions, RecoveryWindow, CacheSize and " +
			"LastUsedGranularity must not be negative")
	}
	prefix := cmpOr(cfg.APIKeyPrefix, DefaultAPIKeyPrefix)
	format, err := newTokenFormat(prefix)
	if err != nil {
		return nil, err
	}
	s := &Service{
		store: cfg.Store, keys: cfg.Keys, log: cfg.Logger, now: cfg.Clock,
		keep:   cmpOr(cfg.KeepVersions, DefaultKeepVersions),
		window: cmpOr(cfg.RecoveryWindow, DefaultRecoveryWindow),
		policy: cfg.Policy, apiKey: format, org: cfg.Organization,
		touch: cmpOr(cfg.LastUsedGranularity, DefaultLastUsedGranularity),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.CacheTTL >= 0 {
		s.cache = newKeyCache(cmpOr(cfg.CacheTTL, DefaultCacheTTL),
			cmpOr(cfg.CacheSize, DefaultCacheSize), s.now)
	}
	return s, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Info is a secret's record as listed, with what the listing flags.
type Info struct {
	Secret
	// Expired is true when Metadata.ExpiresAt has passed.
	Expired bool `json:"expired"`
	// RotationOverdue is true when Metadata.RotateBy has passed.
	RotationOverdue bool `json:"rotation_overdue"`
}

// Revealed is a secret version opened for use.
type Revealed struct {
	Name      string    `json:"name"`
	Version   int       `json:"version"`
	Value     Value     `json:"value"`
	CreatedAt time.Time `json:"created_at"`
}

func (s *Service) info(sec Secret) Info {
	now := s.now()
	m := sec.Metadata
	return Info{
		Secret:          sec,
		Expired:         !m.ExpiresAt.IsZero() && !now.Before(m.ExpiresAt),
		RotationOverdue: !m.RotateBy.IsZero() && !now.Before(m.RotateBy),
	}
}

func (s *Service) event(ctx context.Context, typ, org string, d EventData) Event {
	now := s.now()
	return Event{ID: ids.NewAt("sev", now), Type: typ, OrganizationID: org,
		Time: now.UTC(), Actor: ActorFromContext(ctx), Data: d}
}

// authorize asks the policy and records a denial.
func (s *Service) authorize(ctx context.Context, a Access) error {
	if s.policy == nil {
		return nil
	}
	a.Actor = ActorFromContext(ctx)
	err := s.policy(ctx, a)
	if err == nil {
		return nil
	}
	ev := s.event(ctx, EventSecretDenied, a.OrganizationID, EventData{
		Secret: a.Name, Version: a.Version, Purpose: a.Purpose,
		Reason: a.Action + ": " + err.Error()})
	if aerr := s.store.AppendEvent(ctx, ev); aerr != nil {
		s.log.ErrorContext(ctx, "secrets: recording a denial", "err", aerr)
	}
	return fmt.Errorf("%w: %s %q: %w", ErrDenied, a.Action, a.Name, err)
}

func validName(s string) bool {
	if s == "" || len(s) > maxNameLen || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func checkNames(org, name string) error {
	if !validName(org) || !validName(name) {
		return fmt.Errorf("%w: organization and name must be 1 to %d bytes of printable UTF-8",
			ErrInvalidName, maxNameLen)
	}
	return nil
}

// Events returns up to limit (at most 1,000) events recorded after the
// cursor ("" for the start), oldest first. Read events and denials are recorded after the
// access; changes are recorded in the same transaction as the change.
func (s *Service) Events(ctx context.Context, after string, limit int) ([]Event, error) {
	evs, err := s.store.Events(ctx, after, min(max(limit, 1), 1000))
	if err != nil {
		return nil, fmt.Errorf("secrets: reading events: %w", err)
	}
	return evs, nil
}

// PruneEvents removes the outbox's events up to and including the cursor
// through, once the host has exported them (to the audit log), and
// returns how many. Every read records an event, so a busy host prunes
// regularly.
func (s *Service) PruneEvents(ctx context.Context, through string) (int, error) {
	n, err := s.store.PruneEvents(ctx, through)
	if err != nil {
		return 0, fmt.Errorf("secrets: pruning events: %w", err)
	}
	return n, nil
}
