package secrets_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/secrets"
)

func newSealer(t testing.TB, keys secrets.KeyProvider) *secrets.Sealer {
	t.Helper()
	s, err := secrets.NewSealer(keys)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealerRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSealer(t, mustRing(t, secrets.GenerateMasterKey()))
	for _, pt := range []string{"", "x", "client-secret-0123456789"} {
		blob, err := s.Seal(ctx, []byte(pt), []byte("org1/conn_1"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Open(ctx, blob, []byte("org1/conn_1"))
		if err != nil || string(got) != pt {
			t.Errorf("Open = %q, %v; want %q", got, err, pt)
		}
	}
	a, _ := s.Seal(ctx, []byte("same"), nil)
	b, _ := s.Seal(ctx, []byte("same"), nil)
	if string(a) == string(b) {
		t.Error("two seals of the same plaintext are equal")
	}
}

func TestSealerAttacks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k1 := secrets.GenerateMasterKey()
	ring := mustRing(t, "1:"+k1)
	s := newSealer(t, ring)
	ad := []byte("org1/conn_1")
	blob, err := s.Seal(ctx, []byte("client-secret"), ad)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := append([]byte(nil), blob...)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name   string
		sealer *secrets.Sealer
		blob   []byte
		ad     string
		want   error
	}{
		{"other associated data (moved to another row)", s, blob,
			"org2/conn_1", secrets.ErrDecrypt},
		{"missing associated data", s, blob, "", secrets.ErrDecrypt},
		{"flipped format byte", s, flip(0), string(ad), secrets.ErrDecrypt},
		{"flipped key ID", s, flip(3), string(ad), secrets.ErrUnknownKey},
		{"flipped wrapped key", s, flip(20), string(ad), secrets.ErrDecrypt},
		{"flipped ciphertext", s, flip(len(blob) - 5), string(ad), secrets.ErrDecrypt},
		{"flipped tag", s, flip(len(blob) - 1), string(ad), secrets.ErrDecrypt},
		{"wrong key ring",
			newSealer(t, mustRing(t, "1:"+secrets.GenerateMasterKey())), blob, string(ad),
			secrets.ErrDecrypt},
		{"key version gone",
			newSealer(t, mustRing(t, "2:"+secrets.GenerateMasterKey())), blob, string(ad),
			secrets.ErrUnknownKey},
		{"empty", s, nil, string(ad), secrets.ErrDecrypt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.sealer.Open(ctx, tt.blob, []byte(tt.ad))
			if !errors.Is(err, tt.want) || got != nil {
				t.Errorf("Open = %q, %v; want %v", got, err, tt.want)
			}
		})
	}
	for n := range len(blob) {
		if _, err := s.Open(ctx, blob[:n], ad); err == nil {
			t.Errorf("blob truncated to %d bytes opened", n)
		}
	}
}

func TestSealerKeyRotation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k1, k2 := secrets.GenerateMasterKey(), secrets.GenerateMasterKey()
	old := newSealer(t, mustRing(t, "1:"+k1))
	both := newSealer(t, mustRing(t, "1:"+k1+",2:"+k2))
	onlyNew := newSealer(t, mustRing(t, "2:"+k2))
	blob, _ := old.Seal(ctx, []byte("v"), []byte("ad"))
	if _, err := both.Open(ctx, blob, []byte("ad")); err != nil {
		t.Fatalf("ring with the old key cannot open: %v", err)
	}
	resealed, err := both.Reseal(ctx, blob, []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := onlyNew.Open(ctx, resealed, []byte("ad")); err != nil || string(got) != "v" {
		t.Errorf("resealed blob under the new key only: %q, %v", got, err)
	}
	for _, tc := range []struct {
		blob []byte
		want bool
	}{{blob, true}, {resealed, false}} {
		if got, err := both.NeedsReseal(ctx, tc.blob); err != nil || got != tc.want {
			t.Errorf("NeedsReseal = %v, %v; want %v", got, err, tc.want)
		}
	}
	if _, err := both.NeedsReseal(ctx, []byte{9}); !errors.Is(err, secrets.ErrDecrypt) {
		t.Errorf("NeedsReseal of garbage: %v", err)
	}
	if _, err := secrets.NewSealer(nil); err == nil {
		t.Error("NewSealer(nil) succeeded")
	}
}

// FuzzSealerOpen feeds arbitrary blobs to Open: it must never panic nor
// open anything but what was sealed.
func FuzzSealerOpen(f *testing.F) {
	ctx := context.Background()
	s := newSealer(f, mustRing(f, "1:"+secrets.GenerateMasterKey()))
	good, _ := s.Seal(ctx, []byte("secret"), []byte("ad"))
	f.Add(good)
	f.Add([]byte{1, 7, 'l', 'o', 'c', 'a', 'l', ':', '1', 0, 0})
	f.Add([]byte{1, 255})
	f.Fuzz(func(t *testing.T, blob []byte) {
		pt, err := s.Open(ctx, blob, []byte("ad"))
		if err == nil && string(blob) != string(good) {
			t.Errorf("a blob that was never sealed opened to %q", pt)
		}
	})
}

// ssoSealer is the sealing interface package sso declares; a *Sealer
// must satisfy it as it is (checked at compile time).
type ssoSealer interface {
	Seal(ctx context.Context, plaintext, associatedData []byte) ([]byte, error)
	Open(ctx context.Context, sealed, associatedData []byte) ([]byte, error)
}

var _ ssoSealer = (*secrets.Sealer)(nil)
