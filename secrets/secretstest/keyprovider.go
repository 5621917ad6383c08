package secretstest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/secrets"
)

// TestKeyProvider checks a [secrets.KeyProvider] (a KMS or Vault transit
// adapter, say) against the interface's contract: wrapped keys open only
// with the same key ID and associated data, any altered byte fails, an
// unknown key ID is [secrets.ErrUnknownKey], wrapping is randomized, and
// the provider is safe for concurrent use. Its key IDs must not contain
// the text "-not-a-key".
func TestKeyProvider(t *testing.T, p secrets.KeyProvider) {
	ctx := context.Background()
	id, err := p.CurrentKeyID(ctx)
	if err != nil || id == "" {
		t.Fatalf("CurrentKeyID = %q, %v", id, err)
	}
	dk := bytes.Repeat([]byte{0x5a}, 32)
	ad := []byte("org1/db/1")
	wrapped, err := p.Wrap(ctx, id, dk, ad)
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	if got, err := p.Unwrap(ctx, id, wrapped, ad); err != nil || !bytes.Equal(got, dk) {
		t.Fatalf("Unwrap of a fresh wrap = %x, %v", got, err)
	}
	if again, _ := p.Wrap(ctx, id, dk, ad); bytes.Equal(again, wrapped) {
		t.Error("wrapping twice gives the same bytes: wrapping is not randomized")
	}
	refused := []struct {
		name    string
		keyID   string
		wrapped []byte
		ad      []byte
	}{
		{"other associated data", id, wrapped, []byte("org2/db/1")},
		{"no associated data", id, wrapped, nil},
		{"truncated", id, wrapped[:len(wrapped)/2], ad},
		{"empty", id, nil, ad},
		{"last byte flipped", id, flipLast(wrapped), ad},
		{"first byte flipped", id, flipFirst(wrapped), ad},
	}
	for _, tc := range refused {
		if got, err := p.Unwrap(ctx, tc.keyID, tc.wrapped, tc.ad); err == nil || got != nil {
			t.Errorf("Unwrap with %s = %x, %v; want an error and no bytes", tc.name, got, err)
		}
	}
	_, err = p.Unwrap(ctx, id+"-not-a-key", wrapped, ad)
	if !errors.Is(err, secrets.ErrUnknownKey) {
		t.Errorf("Unwrap with an unknown key ID: %v, want secrets.ErrUnknownKey", err)
	}
	testProviderConcurrently(t, p, id)
}

func testProviderConcurrently(t *testing.T, p secrets.KeyProvider, id string) {
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				dk := bytes.Repeat([]byte{7}, 32)
				w, err := p.Wrap(ctx, id, dk, []byte("ad"))
				if err == nil {
					var got []byte
					got, err = p.Unwrap(ctx, id, w, []byte("ad"))
					if err == nil && !bytes.Equal(got, dk) {
						err = errors.New("round trip gave other bytes")
					}
				}
				if err != nil {
					t.Errorf("concurrent use: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func flipLast(b []byte) []byte {
	out := bytes.Clone(b)
	out[len(out)-1] ^= 1
	return out
}

func flipFirst(b []byte) []byte {
	out := bytes.Clone(b)
	out[0] ^= 1
	return out
}
