package audit

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/ids"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
)

// Config configures a [Service].
type Config struct {
	// Store is the system of record. Required.
	Store Store
	// Signer signs checkpoints. Its public key must be Ed25519 (an
	// ed25519.PrivateKey, or a key in an HSM or KMS behind
	// crypto.Signer). Required: an audit log that nobody can check is not
	// offered.
	Signer crypto.Signer
	// KeyName names the key in signed notes; empty means
	// "gatehouse-audit". It must not contain spaces or '+'.
	KeyName string
	// LogName prefixes each organization's origin line, giving
	// "<LogName>/<organization ID>"; empty means "gatehouse.audit". Give
	// each deployment its own, such as "audit.example.com".
	LogName string
	// Schemas constrain the events of the actions they name.
	Schemas Schemas
	// RefuseUnregistered refuses events whose action has no schema. By
	// default they are accepted with the envelope checks only.
	RefuseUnregistered bool
	// Actor finds the actor of a request in its context, where the host's
	// authentication middleware put it, for events recorded without one.
	// Nil means [ActorFromContext] (see [WithActor]).
	Actor func(context.Context) (Actor, bool)
	// Organization tells which organization the caller of the admin
	// handler administers, or refuses with an error, answered 403.
	// Required for [Service.Handler].
	Organization func(*http.Request) (string, error)
	// Logger receives the few logs of the package; nil is silent.
	Logger *slog.Logger
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
}

// Service records events into the Store, signs checkpoints and proves
// what the log holds. It is safe for concurrent use.
type Service struct {
	cfg    Config
	signer *noteSigner
	vkey   string
}

// New validates cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("audit: Config.Store is nil")
	}
	if cfg.Signer == nil {
		return nil, errors.New("audit: Config.Signer is nil; an ed25519.PrivateKey will do")
	}
	if cfg.KeyName == "" {
		cfg.KeyName = "gatehouse-audit"
	}
	if cfg.LogName == "" {
		cfg.LogName = "gatehouse.audit"
	}
	if strings.ContainsAny(cfg.LogName, "\n ") {
		return nil, errors.New("audit: Config.LogName holds a space or newline")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Actor == nil {
		cfg.Actor = ActorFromContext
	}
	s, vkey, err := newNoteSigner(cfg.KeyName, cfg.Signer)
	if err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, signer: s, vkey: vkey}, nil
}

// GenerateKey returns a new Ed25519 signing key for [Config.Signer].
func GenerateKey() (ed25519.PrivateKey, error) {
	_, k, err := ed25519.GenerateKey(nil)
	return k, err
}

// VerifierKey returns the public key that checks the Service's
// checkpoints, in the signed-note form "name+hash+key". Publish it to the
// customers; the command auditverify takes it.
func (s *Service) VerifierKey() string { return s.vkey }

// Origin returns the origin line of org's checkpoints.
func (s *Service) Origin(org string) string { return s.cfg.LogName + "/" + org }

// Record validates e and appends it to its organization's log. It returns
// once the Store has committed the event, so an event whose Record
// returned nil survives a crash. An invalid event is refused with a
// [*FieldError] and nothing is written. When e has no actor, the actor
// that [Config.Actor] finds in ctx is used. Recording an ID the log
// already holds writes nothing and returns nil: the first recording
// stands, so a retry after an unclear failure is safe.
func (s *Service) Record(ctx context.Context, e Event) error {
	return s.RecordBatch(ctx, []Event{e})
}

// RecordBatch records events like [Service.Record], all in one
// transaction per organization. If any event is invalid none is written.
func (s *Service) RecordBatch(ctx context.Context, events []Event) error {
	byOrg := map[string][]Entry{}
	var order []string
	for i := range events {
		en, err := s.prepare(ctx, events[i])
		if err != nil {
			return err
		}
		org := en.Event.OrganizationID
		if _, ok := byOrg[org]; !ok {
			order = append(order, org)
		}
		byOrg[org] = append(byOrg[org], en)
	}
	for _, org := range order {
		if _, err := s.cfg.Store.Append(ctx, org, byOrg[org]); err != nil {
			return fmt.Errorf("audit: recording %d events of %s: %w", len(byOrg[org]), org, err)
		}
	}
	return nil
}

// EventID returns the ID of an event that happened at t and that the host
// knows by key, such as the source and position of a SCIM or domain event
// it bridges into the log. The same t and key always give the same ID,
// so a host that delivers a source event twice (after a crash between
// recording it and saving its cursor, say) records it once.
func EventID(t time.Time, key string) string {
	return ids.Derive("evt", t.UTC().Truncate(time.Microsecond), key)
}

// prepare completes, validates and encodes one event.
func (s *Service) prepare(ctx context.Context, e Event) (Entry, error) {
	if e.Actor.Type == "" && e.Actor.ID == "" {
		if a, ok := s.cfg.Actor(ctx); ok {
			e.Actor = a
		}
	}
	if e.ID == "" {
		e.ID = ids.New("evt")
	}
	if e.Time.IsZero() {
		e.Time = s.cfg.Clock()
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	e.SchemaVersion = SchemaVersion
	if err := s.validate(&e); err != nil {
		return Entry{}, err
	}
	data, err := MarshalCanonical(&e)
	if err != nil {
		return Entry{}, err
	}
	if len(data) > MaxEncodedSize {
		return Entry{}, fieldErr("metadata", "the event encodes to %d bytes, over %d", len(data), MaxEncodedSize)
	}
	return Entry{Event: e, Data: data}, nil
}

func (s *Service) validate(e *Event) error {
	if !ids.Valid("evt", e.ID) {
		return fieldErr("id", "%q is not an ID made by this package (evt_...)", e.ID)
	}
	if err := e.validate(); err != nil {
		return err
	}
	schema, ok := s.cfg.Schemas[e.Action]
	if !ok {
		if s.cfg.RefuseUnregistered {
			return fieldErr("action", "%q has no registered schema", e.Action)
		}
		return nil
	}
	return schema.check(e)
}

// Checkpoint returns a signed checkpoint of org's log as it is now: the
// latest one kept if the log has not grown since, or else a new one, which
// it keeps.
func (s *Service) Checkpoint(ctx context.Context, org string) ([]byte, error) {
	head, err := s.cfg.Store.Head(ctx, org)
	if err != nil {
		return nil, fmt.Errorf("audit: reading head of %s: %w", org, err)
	}
	latest, err := s.cfg.Store.LatestCheckpoint(ctx, org)
	if err == nil && latest.Size == head.Tree.Size {
		return latest.Note, nil
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("audit: reading checkpoint of %s: %w", org, err)
	}
	return s.signHead(ctx, org, head.Tree)
}

func (s *Service) signHead(ctx context.Context, org string, t Tree) ([]byte, error) {
	root, err := t.Root()
	if err != nil {
		return nil, err
	}
	cp := Checkpoint{Origin: s.Origin(org), Size: t.Size, Root: root, Time: s.cfg.Clock().UTC()}
	msg, err := signCheckpoint(cp, s.signer)
	if err != nil {
		return nil, err
	}
	stored := StoredCheckpoint{Size: cp.Size, Time: cp.Time, Note: msg}
	if err := s.cfg.Store.SaveCheckpoint(ctx, org, stored); err != nil {
		return nil, fmt.Errorf("audit: keeping checkpoint of %s: %w", org, err)
	}
	return msg, nil
}

// ParseCheckpoint verifies a checkpoint signed by this Service for org.
func (s *Service) ParseCheckpoint(org string, msg []byte) (Checkpoint, error) {
	v, err := NewVerifier(s.vkey)
	if err != nil {
		return Checkpoint{}, err
	}
	cp, err := ParseCheckpoint(msg, v)
	if err == nil && cp.Origin != s.Origin(org) {
		err = fmt.Errorf("%w: origin %q is not %q", ErrBadCheckpoint, cp.Origin, s.Origin(org))
	}
	return cp, err
}

// InclusionProof returns the proof that the event at index is in org's
// tree of the given size (see [VerifyInclusion]).
func (s *Service) InclusionProof(ctx context.Context, org string, index, size uint64) ([][]byte, error) {
	if err := s.checkSize(ctx, org, size); err != nil {
		return nil, err
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("audit: inclusion proof: %w", err)
	}
	return s.rehash(ctx, org, nodes)
}

// ConsistencyProof returns the proof that org's tree of size2 extends
// the tree of size1 (see [VerifyConsistency]).
func (s *Service) ConsistencyProof(ctx context.Context, org string, size1, size2 uint64) ([][]byte, error) {
	if err := s.checkSize(ctx, org, size2); err != nil {
		return nil, err
	}
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, fmt.Errorf("audit: consistency proof: %w", err)
	}
	return s.rehash(ctx, org, nodes)
}

func (s *Service) checkSize(ctx context.Context, org string, size uint64) error {
	head, err := s.cfg.Store.Head(ctx, org)
	if err != nil {
		return fmt.Errorf("audit: reading head of %s: %w", org, err)
	}
	if size > head.Tree.Size {
		return fmt.Errorf("audit: tree size %d is beyond the log's %d", size, head.Tree.Size)
	}
	return nil
}

func (s *Service) rehash(ctx context.Context, org string, n proof.Nodes) ([][]byte, error) {
	hashes, err := s.cfg.Store.Nodes(ctx, org, nodeIDs(n.IDs))
	if err != nil {
		return nil, fmt.Errorf("audit: reading proof nodes of %s: %w", org, err)
	}
	return n.Rehash(hashes, hasher.HashChildren)
}

func nodeIDs(in []compact.NodeID) []NodeID {
	out := make([]NodeID, len(in))
	for i, id := range in {
		out[i] = NodeID{Level: id.Level, Index: id.Index}
	}
	return out
}

// VerifyInclusion checks that data, the canonical encoding of an event,
// is the leaf at index of the tree of cp.
func VerifyInclusion(cp Checkpoint, index uint64, data []byte, p [][]byte) error {
	return proof.VerifyInclusion(hasher, index, cp.Size, LeafHash(data), p, cp.Root)
}

// VerifyConsistency checks that the tree of newer extends that of older.
func VerifyConsistency(older, newer Checkpoint, p [][]byte) error {
	return proof.VerifyConsistency(hasher, older.Size, newer.Size, p, older.Root, newer.Root)
}

// Query returns org's events that match q, newest first.
func (s *Service) Query(ctx context.Context, org string, q Query) ([]Entry, error) {
	out, err := s.cfg.Store.Query(ctx, org, q)
	if err != nil {
		return nil, fmt.Errorf("audit: querying %s: %w", org, err)
	}
	return out, nil
}

// Prune applies a retention policy to org's log: it removes the events
// at its start older than cutoff. The tree's hashes stay, so exports of
// what remains verify against old and new checkpoints alike.
func (s *Service) Prune(ctx context.Context, org string, cutoff time.Time) (uint64, error) {
	start, err := s.cfg.Store.Prune(ctx, org, cutoff)
	if err != nil {
		return 0, fmt.Errorf("audit: pruning %s: %w", org, err)
	}
	return start, nil
}
