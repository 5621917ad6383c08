package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
)

// dataKeySize is the size of a data key: AES-256.
const dataKeySize = 32

// newDataKey returns a fresh random data key.
func newDataKey() []byte {
	k := make([]byte, dataKeySize)
	_, _ = rand.Read(k) // crypto/rand.Read does not fail
	return k
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return cipher.NewGCM(block)
}

// sealAEAD encrypts plaintext with a random nonce and returns
// nonce || ciphertext || tag.
func sealAEAD(aead cipher.AEAD, plaintext, ad []byte) ([]byte, error) {
	ns := aead.NonceSize()
	out := make([]byte, ns, ns+len(plaintext)+aead.Overhead())
	_, _ = rand.Read(out)
	return aead.Seal(out, out[:ns], plaintext, ad), nil
}

// openAEAD reverses sealAEAD. Any failure, including a blob too short to
// hold a nonce and a tag, is [ErrDecrypt].
func openAEAD(aead cipher.AEAD, blob, ad []byte) ([]byte, error) {
	ns := aead.NonceSize()
	if len(blob) < ns+aead.Overhead() {
		return nil, ErrDecrypt
	}
	pt, err := aead.Open(nil, blob[:ns], blob[ns:], ad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// versionAD is the associated data of a secret version: the organization,
// the name and the version number, each length-prefixed so that no two
// triples encode alike. Both the data key's wrapping and the value's
// ciphertext are bound to it, so neither opens in another row.
func versionAD(org, name string, version int) []byte {
	const label = "gatehouse/secrets/version/v1"
	b := make([]byte, 0, len(label)+len(org)+len(name)+16)
	b = append(b, label...)
	b = appendString(b, org)
	b = appendString(b, name)
	return binary.BigEndian.AppendUint64(b, uint64(version))
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}
