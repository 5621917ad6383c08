package ssotest

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"sync"
)

// Sealer is an [github.com/gatehouse/gatehouse/sso.Resealer] for tests: it
// seals with AES-256-GCM under random keys that live as long as it does.
// Rotate adds a newer key, as a host rotates its key-encryption key, so
// that a test can exercise [github.com/gatehouse/gatehouse/sso.Service.ResealClientSecrets].
type Sealer struct {
	mu   sync.Mutex
	keys []cipher.AEAD // the last one is current; a blob starts with its index
}

// NewSealer returns a Sealer with one fresh key.
func NewSealer() *Sealer {
	s := &Sealer{}
	s.Rotate()
	return s
}

// Rotate adds a fresh key, which Seal uses from now on. Blobs sealed
// under earlier keys still open.
func (s *Sealer) Rotate() {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, aead)
}

// Seal encrypts plaintext bound to associatedData under the newest key.
func (s *Sealer) Seal(_ context.Context, plaintext, associatedData []byte) ([]byte, error) {
	s.mu.Lock()
	version := len(s.keys) - 1
	aead := s.keys[version]
	s.mu.Unlock()
	n := aead.NonceSize()
	out := make([]byte, 1+n, 1+n+len(plaintext)+aead.Overhead())
	out[0] = byte(version)
	_, _ = rand.Read(out[1:])
	return aead.Seal(out, out[1:], plaintext, associatedData), nil
}

// Open decrypts what Seal made with the same associatedData.
func (s *Sealer) Open(_ context.Context, sealed, associatedData []byte) ([]byte, error) {
	aead, err := s.keyOf(sealed)
	if err != nil {
		return nil, err
	}
	n := aead.NonceSize()
	if len(sealed) < 1+n {
		return nil, errors.New("ssotest: sealed value too short")
	}
	return aead.Open(nil, sealed[1:1+n], sealed[1+n:], associatedData)
}

// NeedsReseal reports whether sealed is under a key older than the newest.
func (s *Sealer) NeedsReseal(_ context.Context, sealed []byte) (bool, error) {
	if _, err := s.keyOf(sealed); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return int(sealed[0]) != len(s.keys)-1, nil
}

// Reseal opens sealed and seals it again under the newest key.
func (s *Sealer) Reseal(ctx context.Context, sealed, associatedData []byte) ([]byte, error) {
	plain, err := s.Open(ctx, sealed, associatedData)
	if err != nil {
		return nil, err
	}
	return s.Seal(ctx, plain, associatedData)
}

func (s *Sealer) keyOf(sealed []byte) (cipher.AEAD, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(sealed) == 0 || int(sealed[0]) >= len(s.keys) {
		return nil, errors.New("ssotest: sealed under a key this Sealer does not hold")
	}
	return s.keys[sealed[0]], nil
}
