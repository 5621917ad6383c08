package secrets

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// KeyProvider holds key-encryption keys (KEKs) and wraps data keys with
// them. The local [KeyRing] is the default; a cloud KMS or a Vault transit
// engine plugs in by implementing the three methods.
//
// Implementations must be safe for concurrent use. Wrap and Unwrap must
// authenticate associatedData: Unwrap with other associated data, another
// key ID or an altered wrapped key must fail (with [ErrDecrypt] or an
// error wrapping it), never return other bytes. secretstest.TestKeyProvider
// checks an implementation against this contract.
//
// Key IDs name a key version, not just a key: [Service.Rewrap] moves what
// is not under CurrentKeyID. A service whose keys rotate inside one name
// (Vault transit, a KMS key with automatic rotation) should therefore put
// the version in the ID, such as "vault:payments:v3", or Rewrap will not
// see which data keys are behind.
type KeyProvider interface {
	// CurrentKeyID returns the ID of the newest KEK, the one new data
	// keys are wrapped with.
	CurrentKeyID(ctx context.Context) (string, error)
	// Wrap encrypts dataKey under the KEK keyID, bound to associatedData.
	Wrap(ctx context.Context, keyID string, dataKey, associatedData []byte) ([]byte, error)
	// Unwrap reverses Wrap. An unknown keyID gives [ErrUnknownKey].
	Unwrap(ctx context.Context, keyID string, wrapped, associatedData []byte) ([]byte, error)
}

// masterKeySize is the size of a key ring's master keys: AES-256.
const masterKeySize = 32

// keyIDPrefix starts the ID of every key of a [KeyRing].
const keyIDPrefix = "local:"

// KeyRing is a [KeyProvider] of local master keys, each with a version;
// the highest version is current. Retired versions stay in the ring while
// data keys wrapped under them remain (see [Service.Rewrap]). Its key IDs
// are "local:N".
//
// A KeyRing is as safe as the place its master keys come from: keep them
// out of the database it protects (an environment variable or a file
// provisioned by the deployment), or the envelope protects nothing.
type KeyRing struct {
	keys    map[string]cipher.AEAD
	current string
}

// NewKeyRing returns a key ring of the given master keys, by version. Each
// key must be 32 random bytes; versions must be positive.
func NewKeyRing(keys map[int][]byte) (*KeyRing, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("secrets: key ring without keys")
	}
	r := &KeyRing{keys: make(map[string]cipher.AEAD, len(keys))}
	newest := 0
	for v, k := range keys {
		if v <= 0 || len(k) != masterKeySize {
			return nil, fmt.Errorf("secrets: master key version %d: want a positive version "+
				"and %d bytes, have %d", v, masterKeySize, len(k))
		}
		aead, err := newGCM(k)
		if err != nil {
			return nil, err
		}
		r.keys[keyIDPrefix+strconv.Itoa(v)] = aead
		newest = max(newest, v)
	}
	r.current = keyIDPrefix + strconv.Itoa(newest)
	return r, nil
}

// ParseKeyRing reads master keys from text: either one base64 key (version
// 1) or a list of VERSION:BASE64 entries separated by commas or white
// space, such as "1:q8X...=,2:Zt0...=". Standard and URL base64, padded or
// not, are accepted.
func ParseKeyRing(text string) (*KeyRing, error) {
	fields := strings.FieldsFunc(text, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r'
	})
	keys := make(map[int][]byte, len(fields))
	for _, f := range fields {
		ver, b64, ok := strings.Cut(f, ":")
		if !ok && len(fields) == 1 {
			ver, b64 = "1", f
		}
		v, err := strconv.Atoi(ver)
		if err != nil {
			return nil, fmt.Errorf("secrets: master key entry is not VERSION:BASE64")
		}
		if _, dup := keys[v]; dup {
			return nil, fmt.Errorf("secrets: master key version %d given twice", v)
		}
		k, err := decodeBase64(b64)
		if err != nil {
			return nil, fmt.Errorf("secrets: master key version %d is not base64", v)
		}
		keys[v] = k
	}
	return NewKeyRing(keys)
}

// KeyRingFromEnv reads the master keys from the environment variable name
// (see [ParseKeyRing] for the format). An unset or empty variable is an
// error: there is no default key.
func KeyRingFromEnv(name string) (*KeyRing, error) {
	text := os.Getenv(name)
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("secrets: environment variable %s holds no master key", name)
	}
	r, err := ParseKeyRing(text)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return r, nil
}

// KeyRingFromFile reads the master keys from the file at path (see
// [ParseKeyRing] for the format).
func KeyRingFromFile(path string) (*KeyRing, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secrets: reading master key file: %w", err)
	}
	r, err := ParseKeyRing(string(b))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return r, nil
}

// GenerateMasterKey returns a new random master key in standard base64,
// for a deployment to store in its environment or key file.
func GenerateMasterKey() string {
	k := make([]byte, masterKeySize)
	_, _ = rand.Read(k)
	return base64.StdEncoding.EncodeToString(k)
}

// CurrentKeyID returns the ID of the highest key version.
func (r *KeyRing) CurrentKeyID(context.Context) (string, error) { return r.current, nil }

// Wrap encrypts dataKey with AES-256-GCM under the master key keyID, with
// the key ID and associatedData as associated data.
func (r *KeyRing) Wrap(_ context.Context, keyID string, dataKey,
	associatedData []byte) ([]byte, error) {
	aead, ok := r.keys[keyID]
	if !ok {
		return nil, fmt.Errorf("wrapping with %q: %w", keyID, ErrUnknownKey)
	}
	return sealAEAD(aead, dataKey, bindKeyID(keyID, associatedData))
}

// Unwrap decrypts a data key wrapped by [KeyRing.Wrap].
func (r *KeyRing) Unwrap(_ context.Context, keyID string, wrapped,
	associatedData []byte) ([]byte, error) {
	aead, ok := r.keys[keyID]
	if !ok {
		return nil, fmt.Errorf("unwrapping with %q: %w", keyID, ErrUnknownKey)
	}
	return openAEAD(aead, wrapped, bindKeyID(keyID, associatedData))
}

// String describes the ring without its keys.
func (r *KeyRing) String() string {
	return fmt.Sprintf("secrets.KeyRing{keys: %d, current: %s}", len(r.keys), r.current)
}

func bindKeyID(keyID string, ad []byte) []byte {
	out := make([]byte, 0, len(keyID)+1+len(ad))
	out = append(out, keyID...)
	out = append(out, 0)
	return append(out, ad...)
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}
