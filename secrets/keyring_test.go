package secrets_test

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/secrets"
	"github.com/gatehouse/gatehouse/secrets/secretstest"
)

func mustRing(t testing.TB, text string) *secrets.KeyRing {
	t.Helper()
	r, err := secrets.ParseKeyRing(text)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParseKeyRing(t *testing.T) {
	t.Parallel()
	k1, k2 := secrets.GenerateMasterKey(), secrets.GenerateMasterKey()
	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	raw, _ := base64.StdEncoding.DecodeString(k1)
	tests := []struct {
		name    string
		text    string
		current string // "" means an error is expected
	}{
		{"one bare key", k1, "local:1"},
		{"bare key with newline", k1 + "\n", "local:1"},
		{"two versions", "1:" + k1 + ",2:" + k2, "local:2"},
		{"versions out of order, spaces", "7:" + k2 + "\n 3:" + k1, "local:7"},
		{"url base64 unpadded", "1:" + base64.RawURLEncoding.EncodeToString(raw), "local:1"},
		{"empty", "", ""},
		{"not base64", "1:!!!!", ""},
		{"short key", "1:" + short, ""},
		{"version zero", "0:" + k1, ""},
		{"negative version", "-1:" + k1, ""},
		{"duplicate version", "1:" + k1 + ",1:" + k2, ""},
		{"two bare keys", k1 + "," + k2, ""},
		{"non-numeric version", "v1:" + k1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := secrets.ParseKeyRing(tt.text)
			if tt.current == "" {
				if err == nil {
					t.Fatalf("ParseKeyRing succeeded: %v", r)
				}
				if strings.Contains(err.Error(), k1) || strings.Contains(err.Error(), k2) {
					t.Errorf("error shows a key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if id, _ := r.CurrentKeyID(context.Background()); id != tt.current {
				t.Errorf("current = %s, want %s", id, tt.current)
			}
		})
	}
}

func TestKeyRingFromEnvAndFile(t *testing.T) {
	k := secrets.GenerateMasterKey()
	t.Setenv("TEST_GATEHOUSE_KEYS", "1:"+k)
	if _, err := secrets.KeyRingFromEnv("TEST_GATEHOUSE_KEYS"); err != nil {
		t.Errorf("from env: %v", err)
	}
	if _, err := secrets.KeyRingFromEnv("TEST_GATEHOUSE_UNSET"); err == nil {
		t.Error("an unset variable gave a key ring")
	}
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path,
		[]byte("1:"+k+"\n2:"+secrets.GenerateMasterKey()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := secrets.KeyRingFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := r.CurrentKeyID(context.Background()); id != "local:2" {
		t.Errorf("current = %s", id)
	}
	if _, err := secrets.KeyRingFromFile(path + ".missing"); err == nil {
		t.Error("a missing file gave a key ring")
	}
	if strings.Contains(r.String(), k) {
		t.Error("String shows a key")
	}
}

func TestKeyRingWrap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ring := mustRing(t, "1:"+secrets.GenerateMasterKey()+",2:"+secrets.GenerateMasterKey())
	other := mustRing(t, "1:"+secrets.GenerateMasterKey())
	dk := []byte("0123456789abcdef0123456789abcdef")
	wrapped, err := ring.Wrap(ctx, "local:1", dk, []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), wrapped...)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name    string
		ring    *secrets.KeyRing
		keyID   string
		wrapped []byte
		ad      string
		want    error
	}{
		{"other associated data", ring, "local:1", wrapped, "other", secrets.ErrDecrypt},
		{"other key version", ring, "local:2", wrapped, "ad", secrets.ErrDecrypt},
		{"same ID in another ring", other, "local:1", wrapped, "ad", secrets.ErrDecrypt},
		{"unknown key ID", ring, "local:3", wrapped, "ad", secrets.ErrUnknownKey},
		{"flipped bit", ring, "local:1", flipped, "ad", secrets.ErrDecrypt},
		{"truncated", ring, "local:1", wrapped[:20], "ad", secrets.ErrDecrypt},
		{"empty", ring, "local:1", nil, "ad", secrets.ErrDecrypt},
	}
	for _, tt := range tests {
		_, err := tt.ring.Unwrap(ctx, tt.keyID, tt.wrapped, []byte(tt.ad))
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	got, err := ring.Unwrap(ctx, "local:1", wrapped, []byte("ad"))
	if err != nil || string(got) != string(dk) {
		t.Errorf("Unwrap = %q, %v", got, err)
	}
	if _, err := ring.Wrap(ctx, "local:9", dk, nil); !errors.Is(err, secrets.ErrUnknownKey) {
		t.Errorf("Wrap with an unknown key: %v", err)
	}
}

func TestKeyRingIsAKeyProvider(t *testing.T) {
	t.Parallel()
	secretstest.TestKeyProvider(t, mustRing(t, "1:"+secrets.GenerateMasterKey()+",2:"+secrets.GenerateMasterKey()))
}
