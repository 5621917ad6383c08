package secrets

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

// sealedFormat is the first byte of every blob a [Sealer] makes.
const sealedFormat = 1

// maxKeyIDLen bounds the key ID a sealed blob may name.
const maxKeyIDLen = 255

// Sealer seals and opens small blobs (an OIDC client secret, a webhook
// secret) with envelope encryption: each Seal draws a fresh data key,
// encrypts the plaintext with it (AES-256-GCM) and wraps it with the
// provider's current key-encryption key. Both steps are bound to the
// caller's associated data, which must name where the blob belongs (for
// example the organization and connection ID), so that a blob copied to
// another row fails to open.
//
// Its two methods match the sealing interface that other Gatehouse
// packages (sso) declare, so a *Sealer is passed to them as it is. It is
// safe for concurrent use.
//
// A sealed blob names its key-encryption key, so blobs sealed before a
// key rotation keep opening as long as the provider holds the old key;
// [Sealer.Reseal] moves one to the current key.
type Sealer struct {
	keys KeyProvider
}

// NewSealer returns a Sealer over the key provider.
func NewSealer(keys KeyProvider) (*Sealer, error) {
	if keys == nil {
		return nil, errors.New("secrets: NewSealer without a KeyProvider")
	}
	return &Sealer{keys: keys}, nil
}

// Seal encrypts plaintext bound to associatedData.
func (s *Sealer) Seal(ctx context.Context, plaintext, associatedData []byte) ([]byte, error) {
	keyID, err := s.keys.CurrentKeyID(ctx)
	if err != nil {
		return nil, fmt.Errorf("secrets: sealing: %w", err)
	}
	if len(keyID) == 0 || len(keyID) > maxKeyIDLen {
		return nil, fmt.Errorf("secrets: sealing: key ID of %d bytes", len(keyID))
	}
	dk := newDataKey()
	ad := sealerAD(associatedData)
	wrapped, err := s.keys.Wrap(ctx, keyID, dk, ad)
	if err != nil {
		return nil, fmt.Errorf("secrets: sealing: %w", err)
	}
	if len(wrapped) > 0xffff {
		return nil, fmt.Errorf("secrets: sealing: wrapped key of %d bytes", len(wrapped))
	}
	aead, err := newGCM(dk)
	if err != nil {
		return nil, err
	}
	ct, _ := sealAEAD(aead, plaintext, ad)

	out := make([]byte, 0, 4+len(keyID)+len(wrapped)+len(ct))
	out = append(out, sealedFormat, byte(len(keyID)))
	out = append(out, keyID...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(wrapped)))
	out = append(out, wrapped...)
	return append(out, ct...), nil
}

// Open decrypts a blob made by [Sealer.Seal] with the same associated
// data. A truncated, altered or misplaced blob gives [ErrDecrypt]; one
// sealed under a key the provider lacks gives [ErrUnknownKey].
func (s *Sealer) Open(ctx context.Context, sealed, associatedData []byte) ([]byte, error) {
	b, err := parseSealed(sealed)
	if err != nil {
		return nil, err
	}
	ad := sealerAD(associatedData)
	dk, err := s.keys.Unwrap(ctx, b.keyID, b.wrapped, ad)
	if errors.Is(err, ErrDecrypt) {
		return nil, ErrDecrypt
	}
	if err != nil {
		return nil, fmt.Errorf("opening a sealed blob: %w", err)
	}
	aead, err := newGCM(dk)
	if err != nil {
		return nil, ErrDecrypt
	}
	return openAEAD(aead, b.ciphertext, ad)
}

// Reseal opens a blob and seals it again under the current key, for
// rotating a key-encryption key.
func (s *Sealer) Reseal(ctx context.Context, sealed, associatedData []byte) ([]byte, error) {
	pt, err := s.Open(ctx, sealed, associatedData)
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	return s.Seal(ctx, pt, associatedData)
}

// NeedsReseal reports whether a sealed blob names a key-encryption key
// other than the provider's current one, so that its owner can
// [Sealer.Reseal] it after a key rotation. A blob that does not parse is
// [ErrDecrypt].
func (s *Sealer) NeedsReseal(ctx context.Context, sealed []byte) (bool, error) {
	b, err := parseSealed(sealed)
	if err != nil {
		return false, err
	}
	cur, err := s.keys.CurrentKeyID(ctx)
	if err != nil {
		return false, fmt.Errorf("secrets: finding the current key: %w", err)
	}
	return b.keyID != cur, nil
}

type sealedBlob struct {
	keyID      string
	wrapped    []byte
	ciphertext []byte
}

// parseSealed splits a sealed blob: format byte, key ID length (1 byte),
// key ID, wrapped key length (2 bytes), wrapped key, ciphertext.
func parseSealed(b []byte) (sealedBlob, error) {
	if len(b) < 2 || b[0] != sealedFormat {
		return sealedBlob{}, ErrDecrypt
	}
	n := int(b[1])
	b = b[2:]
	if n == 0 || len(b) < n+2 {
		return sealedBlob{}, ErrDecrypt
	}
	out := sealedBlob{keyID: string(b[:n])}
	b = b[n:]
	w := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	if len(b) < w {
		return sealedBlob{}, ErrDecrypt
	}
	out.wrapped, out.ciphertext = b[:w], b[w:]
	return out, nil
}

func sealerAD(ad []byte) []byte {
	const label = "gatehouse/secrets/sealer/v1"
	out := make([]byte, 0, len(label)+4+len(ad))
	out = append(out, label...)
	return appendString(out, string(ad))
}
