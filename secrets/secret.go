package secrets

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Put stores value as a new version of the named secret, creating the
// secret when it does not exist. A nil meta keeps the stored metadata (or
// none, for a new secret); a non-nil one replaces it. The first version
// records a written event, later ones a rotated event.
//
// Concurrent Puts of the same secret each get their own version number;
// none is lost. Putting to a deleted secret fails with [ErrDeleted].
func (s *Service) Put(ctx context.Context, org, name string, value Value,
	meta *Metadata) (Info, error) {
	if err := checkNames(org, name); err != nil {
		return Info{}, err
	}
	if err := checkPut(value, meta); err != nil {
		return Info{}, err
	}
	if err := s.authorize(ctx,
		Access{Action: "write", OrganizationID: org, Name: name}); err != nil {
		return Info{}, err
	}
	for range putAttempts {
		sec, err := s.tryPut(ctx, org, name, value, meta)
		if errors.Is(err, ErrVersionConflict) {
			continue
		}
		if err != nil {
			return Info{}, fmt.Errorf("secrets: writing %q: %w", name, err)
		}
		return s.info(sec), nil
	}
	return Info{}, fmt.Errorf("secrets: writing %q: %w after %d attempts",
		name, ErrVersionConflict, putAttempts)
}

// Limits on what a secret holds.
const (
	// MaxValueSize is the largest secret value, in bytes.
	MaxValueSize = 64 << 10
	maxLabels    = 64
	maxMetaText  = 1024
)

func checkPut(value Value, meta *Metadata) error {
	if value.Len() > MaxValueSize {
		return fmt.Errorf("%w: the value is %d bytes; at most %d", ErrInvalidRequest, value.Len(),
			MaxValueSize)
	}
	if meta == nil {
		return nil
	}
	if len(meta.Labels) > maxLabels || len(meta.Owner) > maxMetaText ||
		len(meta.Description) > maxMetaText || meta.RotationPeriod < 0 {
		return fmt.Errorf("%w: metadata over its limits (%d labels, %d bytes of text) "+
			"or a negative rotation period", ErrInvalidRequest, maxLabels, maxMetaText)
	}
	for k, v := range meta.Labels {
		if !validName(k) || len(v) > maxMetaText {
			return fmt.Errorf("%w: label %.40q", ErrInvalidRequest, k)
		}
	}
	return nil
}

func (s *Service) tryPut(ctx context.Context, org, name string, value Value,
	meta *Metadata) (Secret, error) {
	now := s.now().UTC()
	sec, err := s.store.Secret(ctx, org, name)
	switch {
	case errors.Is(err, ErrNotFound):
		sec = Secret{OrganizationID: org, Name: name, CreatedAt: now}
	case err != nil:
		return Secret{}, err
	case !sec.DeletedAt.IsZero():
		return Secret{}, ErrDeleted
	}
	if meta != nil {
		sec.Metadata = *meta
	}
	if p := sec.Metadata.RotationPeriod; p > 0 {
		sec.Metadata.RotateBy = now.Add(p)
	}
	sec.LatestVersion++
	sec.UpdatedAt = now

	v, err := s.seal(ctx, org, name, sec.LatestVersion, value.Reveal())
	if err != nil {
		return Secret{}, err
	}
	v.CreatedAt = now
	typ := EventSecretRotated
	if sec.LatestVersion == 1 {
		typ = EventSecretWritten
	}
	ev := s.event(ctx, typ, org, EventData{Secret: name, Version: sec.LatestVersion})
	return sec, s.store.PutVersion(ctx, sec, v, s.keep, ev)
}

// seal encrypts one version under a fresh data key wrapped by the current
// key-encryption key.
func (s *Service) seal(ctx context.Context, org, name string, version int,
	pt []byte) (SealedVersion, error) {
	keyID, err := s.keys.CurrentKeyID(ctx)
	if err != nil {
		return SealedVersion{}, fmt.Errorf("finding the current key: %w", err)
	}
	ad := versionAD(org, name, version)
	dk := newDataKey()
	defer clear(dk)
	wrapped, err := s.keys.Wrap(ctx, keyID, dk, ad)
	if err != nil {
		return SealedVersion{}, fmt.Errorf("wrapping the data key: %w", err)
	}
	aead, err := newGCM(dk)
	if err != nil {
		return SealedVersion{}, err
	}
	ct, _ := sealAEAD(aead, pt, ad)
	s.cache.put(keyID, wrapped, aead)
	return SealedVersion{OrganizationID: org, Name: name, Version: version,
		KeyID: keyID, WrappedKey: wrapped, Ciphertext: ct}, nil
}

// open decrypts a stored version, unwrapping its data key unless the
// cache holds it.
func (s *Service) open(ctx context.Context, v SealedVersion) ([]byte, error) {
	ad := versionAD(v.OrganizationID, v.Name, v.Version)
	aead, ok := s.cache.get(v.KeyID, v.WrappedKey)
	if !ok {
		dk, err := s.keys.Unwrap(ctx, v.KeyID, v.WrappedKey, ad)
		if err != nil {
			return nil, err
		}
		aead, err = newGCM(dk)
		clear(dk)
		if err != nil {
			return nil, ErrDecrypt
		}
		s.cache.put(v.KeyID, v.WrappedKey, aead)
	}
	return openAEAD(aead, v.Ciphertext, ad)
}

// GetOptions selects what [Service.Get] reads and says why.
type GetOptions struct {
	// Version is the version to read; 0 means the latest.
	Version int
	// Purpose says why the caller reads the secret; it goes into the
	// access event and to the policy.
	Purpose string
}

// Get decrypts a version of a secret, after the policy allows it, and
// records a read event. A deleted secret gives [ErrDeleted]; a missing
// one or version [ErrNotFound]; a ciphertext that fails to open
// [ErrDecrypt].
func (s *Service) Get(ctx context.Context, org, name string, opts GetOptions) (Revealed, error) {
	if err := checkNames(org, name); err != nil {
		return Revealed{}, err
	}
	a := Access{Action: "read", OrganizationID: org, Name: name,
		Version: opts.Version, Purpose: opts.Purpose}
	if err := s.authorize(ctx, a); err != nil {
		return Revealed{}, err
	}
	v, err := s.store.Version(ctx, org, name, opts.Version)
	if err != nil {
		return Revealed{}, fmt.Errorf("secrets: reading %q: %w", name, err)
	}
	pt, err := s.open(ctx, v)
	if err != nil {
		return Revealed{}, fmt.Errorf("secrets: opening %q version %d: %w", name, v.Version, err)
	}
	ev := s.event(ctx, EventSecretRead, org,
		EventData{Secret: name, Version: v.Version, Purpose: opts.Purpose})
	if err := s.store.AppendEvent(ctx, ev); err != nil {
		clear(pt)
		return Revealed{}, fmt.Errorf("secrets: recording the read of %q: %w", name, err)
	}
	return Revealed{Name: name, Version: v.Version, Value: Value{b: pt},
		CreatedAt: v.CreatedAt}, nil
}

// UpdateMetadata replaces a secret's metadata without writing a new
// version, and records an updated event. A RotationPeriod moves RotateBy
// to now plus the period. It is a change, so the policy decides it (as
// "write").
func (s *Service) UpdateMetadata(ctx context.Context, org, name string, meta Metadata) (Info, error) {
	if err := checkNames(org, name); err != nil {
		return Info{}, err
	}
	if err := checkPut(Value{}, &meta); err != nil {
		return Info{}, err
	}
	if err := s.authorize(ctx, Access{Action: "write", OrganizationID: org, Name: name}); err != nil {
		return Info{}, err
	}
	now := s.now().UTC()
	if meta.RotationPeriod > 0 {
		meta.RotateBy = now.Add(meta.RotationPeriod)
	}
	ev := s.event(ctx, EventSecretUpdated, org, EventData{Secret: name})
	if err := s.store.SetMetadata(ctx, org, name, meta, now, ev); err != nil {
		return Info{}, fmt.Errorf("secrets: updating %q: %w", name, err)
	}
	return s.Describe(ctx, org, name)
}

// Describe returns a secret's metadata and flags, deleted or not, without
// its value.
func (s *Service) Describe(ctx context.Context, org, name string) (Info, error) {
	if err := checkNames(org, name); err != nil {
		return Info{}, err
	}
	sec, err := s.store.Secret(ctx, org, name)
	if err != nil {
		return Info{}, fmt.Errorf("secrets: describing %q: %w", name, err)
	}
	return s.info(sec), nil
}

// Versions returns the version numbers a secret holds, oldest first.
func (s *Service) Versions(ctx context.Context, org, name string) ([]int, error) {
	if err := checkNames(org, name); err != nil {
		return nil, err
	}
	vs, err := s.store.ListVersions(ctx, org, name)
	if err != nil {
		return nil, fmt.Errorf("secrets: listing versions of %q: %w", name, err)
	}
	return vs, nil
}

// List returns a page of the organization's secrets in name order, with
// metadata and flags but no values.
func (s *Service) List(ctx context.Context, org string, opts ListOptions) ([]Info, error) {
	if !validName(org) {
		return nil, ErrInvalidName
	}
	opts.Limit = min(max(opts.Limit, 1), 1000)
	secs, err := s.store.ListSecrets(ctx, org, opts)
	if err != nil {
		return nil, fmt.Errorf("secrets: listing: %w", err)
	}
	out := make([]Info, len(secs))
	for i, sec := range secs {
		out[i] = s.info(sec)
	}
	return out, nil
}

// Delete deletes a secret into its recovery window: it can no longer be
// read or written, and [Service.Restore] brings it back until
// [Service.Purge] destroys it after Config.RecoveryWindow.
func (s *Service) Delete(ctx context.Context, org, name string) error {
	return s.setDeleted(ctx, org, name, "delete", EventSecretDeleted, s.now().UTC())
}

// Restore brings back a deleted secret whose recovery window has not
// ended. A secret not deleted, or deleted too long ago, gives
// [ErrNotFound].
func (s *Service) Restore(ctx context.Context, org, name string) error {
	sec, err := s.store.Secret(ctx, org, name)
	if err == nil && !sec.DeletedAt.IsZero() && s.now().Sub(sec.DeletedAt) >= s.window {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("secrets: restoring %q: %w", name, err)
	}
	return s.setDeleted(ctx, org, name, "restore", EventSecretRestored, time.Time{})
}

func (s *Service) setDeleted(ctx context.Context, org, name, action,
	typ string, at time.Time) error {
	if err := checkNames(org, name); err != nil {
		return err
	}
	if err := s.authorize(ctx,
		Access{Action: action, OrganizationID: org, Name: name}); err != nil {
		return err
	}
	ev := s.event(ctx, typ, org, EventData{Secret: name})
	if err := s.store.SetDeleted(ctx, org, name, at, ev); err != nil {
		return fmt.Errorf("secrets: %s %q: %w", action, name, err)
	}
	return nil
}

// Destroy removes a secret and every version at once, deleted or not.
// Nothing can bring it back.
func (s *Service) Destroy(ctx context.Context, org, name string) error {
	if err := checkNames(org, name); err != nil {
		return err
	}
	if err := s.authorize(ctx,
		Access{Action: "destroy", OrganizationID: org, Name: name}); err != nil {
		return err
	}
	ev := s.event(ctx, EventSecretDestroyed, org, EventData{Secret: name})
	if err := s.store.DestroySecret(ctx, org, name, ev); err != nil {
		return fmt.Errorf("secrets: destroying %q: %w", name, err)
	}
	return nil
}

// Purge destroys the secrets, of every organization, whose recovery
// window has ended, and returns how many. The host runs it periodically.
func (s *Service) Purge(ctx context.Context) (int, error) {
	ctx = WithActor(ctx, Actor{Type: "system", ID: "purge"})
	n := 0
	for {
		refs, err := s.store.DeletedBefore(ctx, s.now().Add(-s.window), 100)
		if err != nil || len(refs) == 0 {
			return n, err
		}
		for _, r := range refs {
			ev := s.event(ctx, EventSecretDestroyed, r.OrganizationID,
				EventData{Secret: r.Name, Reason: "recovery window ended"})
			err := s.store.DestroySecret(ctx, r.OrganizationID, r.Name, ev)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return n, fmt.Errorf("secrets: purging %q: %w", r.Name, err)
			}
			n++
		}
	}
}
