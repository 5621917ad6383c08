package secrets

import (
	"hash/crc32"
	"testing"
)

// TestTokenChecksumIsCRC32 pins the checksum to the standard CRC-32
// (IEEE), so that a secret scanner can check tokens with any library.
func TestTokenChecksumIsCRC32(t *testing.T) {
	t.Parallel()
	f, err := newTokenFormat("acme")
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		tok := f.generate()
		body := tok[:len(tok)-tokenCheckLen]
		want := string(appendCheck(nil, crc32.ChecksumIEEE([]byte(body))))
		if got := tok[len(body):]; got != want {
			t.Fatalf("checksum of %s = %s, want %s", body, got, want)
		}
		if !f.valid(tok) {
			t.Fatalf("generated token %s is not valid", tok)
		}
	}
}
