package secrets

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/httpjson"
)

// DefaultRewrapBatch is the batch size of [Service.Rewrap] when none, or
// one out of range (over 10,000), is given.
const DefaultRewrapBatch = 500

const maxRewrapBatch = 10_000

// RewrapOptions controls a [Service.Rewrap] run.
type RewrapOptions struct {
	// Cursor resumes a run where an earlier one stopped; "" starts at the
	// beginning. Any run may also simply start again: versions already
	// under the current key are skipped.
	Cursor string
	// BatchSize is how many versions are read and rewrapped per step
	// (one transaction); zero means [DefaultRewrapBatch].
	BatchSize int
	// Progress, when set, is called after every batch.
	Progress func(RewrapProgress)
}

// RewrapProgress reports how far a rewrap has come.
type RewrapProgress struct {
	// KeyID is the key-encryption key data keys are moved to.
	KeyID string
	// Rewrapped counts the versions moved in this run (not those another
	// run or a removal got to first).
	Rewrapped int
	// Failed counts versions whose data key could not be unwrapped (its
	// key is gone from the provider, or it was altered); they are
	// skipped, logged, and left as they are.
	Failed int
	// Remaining is how many versions were left under older keys when the
	// run started, less those handled since (an estimate while writes and
	// other runs go on).
	Remaining int
	// Cursor resumes the run after the last version handled.
	Cursor string
	// Done is true when no version is left under an older key.
	Done bool
}

// Rewrap re-encrypts the data key of every stored version, across all
// organizations, under the provider's current key-encryption key, in
// batches, so that older keys can be retired. It never decrypts a value:
// each data key is unwrapped, wrapped again and forgotten. Each version
// moved records a rewrapped event in the same transaction.
//
// A run stopped by its context (or a crash) loses nothing: pass the last
// progress's Cursor to resume, or start over. Versions written meanwhile
// are already under the current key.
func (s *Service) Rewrap(ctx context.Context, opts RewrapOptions) (RewrapProgress, error) {
	ctx = WithActor(ctx, Actor{Type: "system", ID: "rewrap"})
	var p RewrapProgress
	var err error
	if p.KeyID, err = s.keys.CurrentKeyID(ctx); err != nil {
		return p, fmt.Errorf("secrets: rewrapping: finding the current key: %w", err)
	}
	var after VersionRef
	if err := httpjson.DecodeCursor(opts.Cursor, &after); err != nil {
		return p, fmt.Errorf("secrets: rewrapping: malformed cursor")
	}
	if p.Remaining, err = s.store.CountNotUnder(ctx, p.KeyID); err != nil {
		return p, fmt.Errorf("secrets: rewrapping: counting: %w", err)
	}
	p.Cursor = opts.Cursor
	size := opts.BatchSize
	if size <= 0 || size > maxRewrapBatch {
		size = DefaultRewrapBatch
	}
	for !p.Done {
		if err := ctx.Err(); err != nil {
			return p, fmt.Errorf("secrets: rewrapping stopped: %w", err)
		}
		if after, err = s.rewrapBatch(ctx, &p, after, size); err != nil {
			return p, err
		}
		if opts.Progress != nil {
			opts.Progress(p)
		}
	}
	return p, nil
}

func (s *Service) rewrapBatch(ctx context.Context, p *RewrapProgress, after VersionRef,
	size int) (VersionRef, error) {
	batch, err := s.store.VersionsNotUnder(ctx, p.KeyID, after, size)
	if err != nil {
		return after, fmt.Errorf("secrets: rewrapping: reading a batch: %w", err)
	}
	p.Done = len(batch) < size
	changes := make([]RewrapChange, 0, len(batch))
	for _, v := range batch {
		c, err := s.rewrapOne(ctx, p.KeyID, v)
		if err != nil {
			if ctx.Err() != nil {
				return after, fmt.Errorf("secrets: rewrapping stopped: %w", ctx.Err())
			}
			p.Failed++
			s.log.ErrorContext(ctx, "secrets: rewrapping a data key",
				"organization", v.OrganizationID,
				"secret", v.Name, "version", v.Version, "key", v.KeyID, "err", err)
			continue
		}
		changes = append(changes, c)
	}
	n, err := s.store.Rewrap(ctx, changes)
	if err != nil {
		return after, fmt.Errorf("secrets: rewrapping: storing a batch: %w", err)
	}
	// Versions the store skipped were rewrapped or removed meanwhile:
	// nothing is left to do for them.
	p.Rewrapped += n
	p.Remaining = max(p.Remaining-len(batch), 0)
	if len(batch) > 0 {
		last := batch[len(batch)-1]
		after = VersionRef{last.OrganizationID, last.Name, last.Version}
		p.Cursor = httpjson.EncodeCursor(after)
	}
	return after, nil
}

// rewrapOne unwraps one data key and wraps it under keyID; the data key
// exists in memory only in between.
func (s *Service) rewrapOne(ctx context.Context, keyID string,
	v SealedVersion) (RewrapChange, error) {
	ad := versionAD(v.OrganizationID, v.Name, v.Version)
	dk, err := s.keys.Unwrap(ctx, v.KeyID, v.WrappedKey, ad)
	if err != nil {
		return RewrapChange{}, err
	}
	defer clear(dk)
	wrapped, err := s.keys.Wrap(ctx, keyID, dk, ad)
	if err != nil {
		return RewrapChange{}, err
	}
	ev := s.event(ctx, EventSecretRewrapped, v.OrganizationID,
		EventData{Secret: v.Name, Version: v.Version, KeyID: keyID})
	return RewrapChange{Ref: VersionRef{v.OrganizationID, v.Name, v.Version}, OldKeyID: v.KeyID,
		NewKeyID: keyID, WrappedKey: wrapped, Event: ev}, nil
}
