package authz

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/ids"
)

// DefaultMaxDepth is the resolution depth a [Service] allows unless
// [Config.MaxDepth] says otherwise, as in OpenFGA.
const DefaultMaxDepth = 25

// Limits on requests.
const (
	// MaxTuplesPerWrite bounds the writes plus deletes of one [Service.Write].
	MaxTuplesPerWrite = 1000
	// MaxContextualTuples bounds the contextual tuples of one request.
	MaxContextualTuples = 100
	// MaxBatchChecks bounds the checks of one [Service.BatchCheck].
	MaxBatchChecks = 500
)

// ErrResolutionDepth reports that a request needed more nested
// resolution steps than the configured maximum depth.
var ErrResolutionDepth = errors.New("authz: resolution depth exceeded")

// ErrInvalidRequest is wrapped by errors about malformed requests and
// tuples that the model does not allow.
var ErrInvalidRequest = errors.New("authz: invalid request")

// Config configures a [Service].
type Config struct {
	// Store holds models and tuples. Required.
	Store Store
	// Logger receives the few logs the service writes; nil is silent.
	Logger *slog.Logger
	// Clock tells the time for the change log; nil means time.Now.
	Clock func() time.Time
	// MaxDepth bounds nested resolution; zero means DefaultMaxDepth.
	MaxDepth int
	// InsecureStaleCheckTTL, when positive, lets Check answer from a
	// per-instance cache of earlier answers for up to this long. Writes
	// through this Service take effect at once, but a tuple deleted
	// through another instance (a revoked share or role) may still grant
	// access here until its entry expires: it gives up read-your-writes
	// across instances for speed. Requests with a Context or contextual
	// tuples are never cached. Zero, the default, caches nothing.
	InsecureStaleCheckTTL time.Duration
	// CheckCacheSize, when positive, lets Check keep up to this many
	// answers per instance, keyed by the organization's [Store.Revision].
	// A cached Check reads the revision (one indexed lookup) and answers
	// from the cache only when nothing of the organization has changed
	// since, through any instance: read-your-writes still holds. Each
	// organization keeps the answers of its newest revision only, so an
	// organization that writes often gains little. Requests with a
	// Context or contextual tuples are never cached. It cannot be
	// combined with InsecureStaleCheckTTL.
	CheckCacheSize int
}

// Service answers authorization questions over a [Store]. It is safe for
// concurrent use and keeps no state that matters for correctness: it
// caches compiled models by ID, which is safe because model versions never
// change.
type Service struct {
	store    Store
	log      *slog.Logger
	clock    func() time.Time
	maxDepth int

	mu     sync.RWMutex
	models map[modelKey]*compiledModel // versions never change

	cache *checkCache // nil unless Config.InsecureStaleCheckTTL is set
	revs  *revCache   // nil unless Config.CheckCacheSize is set
}

type modelKey struct{ org, id string }

func (s *Service) cached(org, id string) *compiledModel {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.models[modelKey{org, id}]
}

func (s *Service) keepCompiled(org, id string, cm *compiledModel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.models[modelKey{org, id}] = cm
}

// New returns a Service for cfg.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("authz: Config.Store is required")
	}
	if cfg.MaxDepth < 0 {
		return nil, errors.New("authz: Config.MaxDepth must not be negative")
	}
	if cfg.CheckCacheSize > 0 && cfg.InsecureStaleCheckTTL > 0 {
		return nil, errors.New("authz: Config.CheckCacheSize and InsecureStaleCheckTTL exclude each other")
	}
	s := &Service{store: cfg.Store, log: cfg.Logger, clock: cfg.Clock, maxDepth: cfg.MaxDepth,
		models: map[modelKey]*compiledModel{}}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.maxDepth == 0 {
		s.maxDepth = DefaultMaxDepth
	}
	s.cache = newCheckCache(cfg.InsecureStaleCheckTTL)
	s.revs = newRevCache(cfg.CheckCacheSize)
	return s, nil
}

// WriteModel validates m and saves it as the organization's newest model
// version, returning its ID.
func (s *Service) WriteModel(ctx context.Context, org string, m *Model) (string, error) {
	if org == "" {
		return "", fmt.Errorf("%w: empty organization", ErrInvalidRequest)
	}
	cm, err := compile(m)
	if err != nil {
		return "", err
	}
	id := ids.New("azm")
	if err := s.store.WriteModel(ctx, org, StoredModel{ID: id, CreatedAt: s.clock().UTC(), Model: m}); err != nil {
		return "", fmt.Errorf("authz: saving model: %w", err)
	}
	cm.id = id
	s.keepCompiled(org, id, cm)
	return id, nil
}

// WriteModelDSL parses src with [ParseDSL] and saves it like
// [Service.WriteModel].
func (s *Service) WriteModelDSL(ctx context.Context, org, src string) (string, error) {
	m, err := ParseDSL(src)
	if err != nil {
		return "", err
	}
	return s.WriteModel(ctx, org, m)
}

// Model returns a model version of the organization, or the latest when
// id is "". The Model must not be modified.
func (s *Service) Model(ctx context.Context, org, id string) (StoredModel, error) {
	sm, err := s.store.Model(ctx, org, id)
	if err != nil {
		return StoredModel{}, fmt.Errorf("authz: loading model %q: %w", id, err)
	}
	return sm, nil
}

// compiled returns the organization's model version id (latest for "")
// ready for evaluation.
func (s *Service) compiled(ctx context.Context, org, id string) (*compiledModel, error) {
	if id != "" {
		if cm := s.cached(org, id); cm != nil {
			return cm, nil
		}
	}
	sm, err := s.store.Model(ctx, org, id)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("authz: organization %q has no model %q: %w", org, id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("authz: loading model: %w", err)
	}
	if cm := s.cached(org, sm.ID); cm != nil {
		return cm, nil
	}
	cm, err := compile(sm.Model)
	if err != nil {
		return nil, fmt.Errorf("authz: stored model %s: %w", sm.ID, err)
	}
	cm.id = sm.ID
	s.keepCompiled(org, sm.ID, cm)
	return cm, nil
}
