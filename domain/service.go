package domain

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/ids"
)

// Defaults of [Config].
const (
	// DefaultRecordPrefix is the label in front of the challenge record.
	DefaultRecordPrefix = "_gatehouse-challenge"
	// DefaultValuePrefix goes in front of the token in the record's value.
	DefaultValuePrefix = "gatehouse-domain-verification="
	// DefaultChallengeTTL is how long a challenge can be used.
	DefaultChallengeTTL = 7 * 24 * time.Hour
	// DefaultRecheckInterval is how often a verified domain is re-checked.
	DefaultRecheckInterval = 24 * time.Hour
	// DefaultLapseAfter is how many failed re-checks in a row lapse a domain.
	DefaultLapseAfter = 3
)

// Config configures a [Service]. Only Store is required; every other zero
// value means the documented default.
type Config struct {
	// Store keeps the domains and their events.
	Store Store

	// Resolver looks up the challenge records. Nil means
	// NewNetResolver("", 0), the system's resolver.
	Resolver Resolver

	// RecordPrefix is the label in front of the domain at which the TXT
	// record is published: "_gatehouse-challenge" gives
	// "_gatehouse-challenge.example.com". ValuePrefix goes in front of the
	// token in the record's value. Defaults: DefaultRecordPrefix and
	// DefaultValuePrefix.
	RecordPrefix string
	ValuePrefix  string

	// ChallengeTTL is how long a new challenge can be used to verify a
	// domain (7 days when zero).
	ChallengeTTL time.Duration

	// RecheckInterval is how often [Service.Recheck] checks each verified
	// domain again (24 hours when zero); LapseAfter is how many checks in a
	// row may fail before the domain lapses (3 when zero).
	RecheckInterval time.Duration
	LapseAfter      int

	// EmailProviders lists the domains of public email providers, which no
	// organization may claim, nor any name under them. Nil means
	// DefaultEmailProviders(); to extend the default, append to it; an
	// empty, non-nil slice allows every domain.
	EmailProviders []string

	// Organization tells the admin handler which organization the caller
	// of a request administers, or returns an error to refuse the request
	// (answered 403). The handler refuses every request when it is nil.
	Organization func(*http.Request) (string, error)

	// Logger receives the few operational messages the service logs. Nil
	// means silent.
	Logger *slog.Logger

	// Clock returns the current time. Nil means time.Now.
	Clock func() time.Time
}

// Service adds, verifies, re-verifies and removes the domains of
// organizations, and resolves email addresses to the organization that
// holds their domain (domain capture). It is safe for concurrent use and
// keeps no state of its own: several instances may share a Store.
type Service struct {
	cfg       Config
	store     Store
	resolver  Resolver
	providers providerSet
	log       *slog.Logger
	now       func() time.Time
}

// New validates cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("domain: Config.Store is nil")
	}
	if cfg.ChallengeTTL < 0 || cfg.RecheckInterval < 0 || cfg.LapseAfter < 0 {
		return nil, errors.New("domain: Config durations and LapseAfter must not be negative")
	}
	if strings.ContainsAny(cfg.RecordPrefix, " \t\r\n") || strings.HasPrefix(cfg.RecordPrefix, ".") {
		return nil, fmt.Errorf("domain: Config.RecordPrefix %q is not a DNS label", cfg.RecordPrefix)
	}
	s := &Service{cfg: cfg, store: cfg.Store, resolver: cfg.Resolver, log: cfg.Logger, now: cfg.Clock}
	s.cfg.RecordPrefix = strings.TrimSuffix(or(cfg.RecordPrefix, DefaultRecordPrefix), ".")
	s.cfg.ValuePrefix = or(cfg.ValuePrefix, DefaultValuePrefix)
	s.cfg.ChallengeTTL = or(cfg.ChallengeTTL, DefaultChallengeTTL)
	s.cfg.RecheckInterval = or(cfg.RecheckInterval, DefaultRecheckInterval)
	s.cfg.LapseAfter = or(cfg.LapseAfter, DefaultLapseAfter)
	if s.resolver == nil {
		s.resolver = NewNetResolver("", 0)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	providers := cfg.EmailProviders
	if providers == nil {
		providers = DefaultEmailProviders()
	}
	var err error
	if s.providers, err = newProviderSet(providers); err != nil {
		return nil, fmt.Errorf("domain: Config.EmailProviders: %w", err)
	}
	return s, nil
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Challenge is what an organization's admin publishes in DNS to prove
// control of a domain: a TXT record named RecordName whose value is
// RecordValue. The record stays in place after verification, for
// re-verification.
type Challenge struct {
	RecordType  string    `json:"record_type"`
	RecordName  string    `json:"record_name"`
	RecordValue string    `json:"record_value"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// Challenge returns the DNS record that proves control of d.
func (s *Service) Challenge(d Domain) Challenge {
	return Challenge{
		RecordType:  "TXT",
		RecordName:  s.cfg.RecordPrefix + "." + d.Name,
		RecordValue: s.cfg.ValuePrefix + d.ChallengeToken,
		ExpiresAt:   d.ChallengeExpiresAt,
	}
}

// CheckClaimable normalizes name and reports, with an error that wraps
// [ErrPublicSuffix] or [ErrEmailProvider], whether it is a domain that no
// organization may claim. It returns the normalized name.
func (s *Service) CheckClaimable(name string) (string, error) {
	norm, err := Normalize(name)
	if err != nil {
		return "", err
	}
	if IsPublicSuffix(norm) {
		return "", fmt.Errorf("%w: %q", ErrPublicSuffix, norm)
	}
	if s.providers.holds(norm) {
		return "", fmt.Errorf("%w: %q", ErrEmailProvider, norm)
	}
	return norm, nil
}

// AddOptions are the choices made when adding a domain.
type AddOptions struct {
	// IncludeSubdomains lets the domain, once verified, capture users of
	// its subdomains too (for example eu.example.com for example.com).
	IncludeSubdomains bool
}

// Add claims a domain for an organization. The domain starts pending, with
// a new challenge (see [Service.Challenge]). Add refuses names that cannot
// be claimed ([Service.CheckClaimable]), a domain the organization has
// already added ([ErrDuplicate]) and one another organization holds
// verified ([ErrClaimed]).
func (s *Service) Add(ctx context.Context, organizationID, name string,
	opts AddOptions) (Domain, error) {
	if err := checkOrganization(organizationID); err != nil {
		return Domain{}, err
	}
	norm, err := s.CheckClaimable(name)
	if err != nil {
		return Domain{}, err
	}
	held, err := s.store.FindVerified(ctx, []string{norm})
	if err != nil {
		return Domain{}, fmt.Errorf("domain: checking who holds %s: %w", norm, err)
	}
	if len(held) > 0 && held[0].OrganizationID != organizationID {
		return Domain{}, fmt.Errorf("%w: %s", ErrClaimed, norm)
	}

	now := s.now()
	d := Domain{
		ID:                ids.NewAt("dom", now),
		OrganizationID:    organizationID,
		Name:              norm,
		Status:            StatusPending,
		IncludeSubdomains: opts.IncludeSubdomains,
		CreatedAt:         now,
		UpdatedAt:         now,
	}
	s.newChallenge(&d, now)
	if err := s.store.Create(ctx, d, s.event(EventAdded, d, "")); err != nil {
		return Domain{}, fmt.Errorf("domain: adding %s: %w", norm, err)
	}
	d.Revision = 1
	return d, nil
}

// Get returns the organization's domain with the given ID.
func (s *Service) Get(ctx context.Context, organizationID, id string) (Domain, error) {
	d, err := s.store.Get(ctx, organizationID, id)
	if err != nil {
		return Domain{}, fmt.Errorf("domain: loading %s: %w", id, err)
	}
	return d, nil
}

// List returns a page of up to limit of the organization's domains (100
// when limit is zero, at most 1000) and the cursor of the next page, which
// is empty after the last page.
func (s *Service) List(ctx context.Context, organizationID, cursor string,
	limit int) ([]Domain, string, error) {
	limit = min(or(max(limit, 0), 100), 1000)
	page, err := s.store.List(ctx, organizationID, cursor, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("domain: listing domains: %w", err)
	}
	next := ""
	if len(page) > limit {
		page = page[:limit]
		next = page[limit-1].ID
	}
	return page, next, nil
}

// RegenerateChallenge gives a pending or lapsed domain a new challenge
// token and a new deadline; the old token stops working.
func (s *Service) RegenerateChallenge(ctx context.Context, organizationID,
	id string) (Domain, error) {
	return s.change(ctx, organizationID, id, func(d *Domain) ([]Event, error) {
		if d.Status == StatusVerified {
			return nil, ErrAlreadyVerified
		}
		s.newChallenge(d, s.now())
		return nil, nil
	})
}

// SetIncludeSubdomains changes whether the domain captures users of its
// subdomains.
func (s *Service) SetIncludeSubdomains(ctx context.Context, organizationID, id string,
	include bool) (Domain, error) {
	return s.change(ctx, organizationID, id, func(d *Domain) ([]Event, error) {
		d.IncludeSubdomains = include
		return nil, nil
	})
}

// ErrAlreadyVerified means the challenge of a verified domain cannot be
// regenerated, since its record is what re-verification checks; remove
// and add the domain again to start over.
var ErrAlreadyVerified = errors.New("domain: the domain is verified; its challenge cannot change")

// Remove deletes the organization's domain; it stops capturing users at
// once.
func (s *Service) Remove(ctx context.Context, organizationID, id string) error {
	d, err := s.store.Get(ctx, organizationID, id)
	if err != nil {
		return fmt.Errorf("domain: loading %s: %w", id, err)
	}
	if err := s.store.Delete(ctx, organizationID, id, s.event(EventRemoved, d, "")); err != nil {
		return fmt.Errorf("domain: removing %s: %w", d.Name, err)
	}
	return nil
}

// Events returns up to limit domain events after the cursor ("" for the
// first); a host consumes them at least once by storing the Cursor of the
// last event it handled.
func (s *Service) Events(ctx context.Context, after string, limit int) ([]Event, error) {
	return s.store.Events(ctx, after, min(or(max(limit, 0), 100), 1000))
}

// change loads a domain, applies edit and stores the result with the
// events edit returns.
func (s *Service) change(ctx context.Context, org, id string,
	edit func(*Domain) ([]Event, error)) (Domain, error) {
	d, err := s.store.Get(ctx, org, id)
	if err != nil {
		return Domain{}, fmt.Errorf("domain: loading %s: %w", id, err)
	}
	events, err := edit(&d)
	if err != nil {
		return Domain{}, err
	}
	d.UpdatedAt = s.now()
	if err := s.store.Update(ctx, d, events...); err != nil {
		return Domain{}, fmt.Errorf("domain: saving %s: %w", d.Name, err)
	}
	d.Revision++
	return d, nil
}

// tokenEncoding writes challenge tokens in lowercase base32, which DNS
// tools and admins copy without trouble.
var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").
	WithPadding(base32.NoPadding)

// newChallenge gives d a new token of 160 random bits.
func (s *Service) newChallenge(d *Domain, now time.Time) {
	var b [20]byte
	_, _ = rand.Read(b[:])
	d.ChallengeToken = tokenEncoding.EncodeToString(b[:])
	d.ChallengeExpiresAt = now.Add(s.cfg.ChallengeTTL)
}

func (s *Service) event(t EventType, d Domain, reason string) Event {
	now := s.now()
	return Event{
		ID:             ids.NewAt("evt", now),
		Type:           t,
		OrganizationID: d.OrganizationID,
		Time:           now,
		Data: EventData{
			DomainID: d.ID, Domain: d.Name, Reason: reason, Failures: d.ConsecutiveFailures,
		},
	}
}

// ErrInvalidOrganization means the organization ID is empty or too long.
var ErrInvalidOrganization = errors.New("domain: invalid organization ID")

func checkOrganization(id string) error {
	if id == "" || len(id) > 256 {
		return ErrInvalidOrganization
	}
	return nil
}
