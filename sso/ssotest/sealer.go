package ssotest

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
)

// Sealer is an [github.com/gatehouse/gatehouse/sso.Sealer] for tests: it
// seals with AES-256-GCM under a random key that lives as long as it does.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a Sealer with a fresh key.
func NewSealer() *Sealer {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	return &Sealer{aead: aead}
}

// Seal encrypts plaintext bound to associatedData.
func (s *Sealer) Seal(_ context.Context, plaintext, associatedData []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plaintext, associatedData), nil
}

// Open decrypts what Seal made with the same associatedData.
func (s *Sealer) Open(_ context.Context, sealed, associatedData []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("ssotest: sealed value too short")
	}
	return s.aead.Open(nil, sealed[:n], sealed[n:], associatedData)
}
