package secrets

import (
	"crypto/rand"
	"fmt"
	"hash/crc32"
)

// An API key token reads PREFIX_RANDOMCHECK: the host's prefix, an
// underscore, tokenRandomLen characters of base62 drawn uniformly at
// random (about 190 bits) and tokenCheckLen characters of base62 holding
// the CRC-32 of everything before them. The fixed shape lets secret
// scanners match tokens with a regular expression and lets [Service]
// reject a mistyped or made-up string without a store lookup. The
// checksum is not a secret and proves nothing about who made a token;
// only the stored hash does.
const (
	tokenRandomLen = 32
	tokenCheckLen  = 6
	maxPrefixLen   = 16
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// tokenFormat makes and checks tokens with one prefix.
type tokenFormat struct {
	prefix    string // including the underscore
	prefixCRC uint32 // CRC state after the prefix, before finalizing
}

func newTokenFormat(prefix string) (tokenFormat, error) {
	ok := len(prefix) >= 2 && len(prefix) <= maxPrefixLen && prefix[0] >= 'a' && prefix[0] <= 'z'
	for i := 0; ok && i < len(prefix); i++ {
		c := prefix[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
	}
	if !ok {
		return tokenFormat{}, fmt.Errorf("secrets: API key prefix %q: want 2 to %d lowercase "+
			"letters or digits, starting with a letter", prefix, maxPrefixLen)
	}
	p := prefix + "_"
	return tokenFormat{prefix: p, prefixCRC: crcString(^uint32(0), p)}, nil
}

// length is the length of every token of this format.
func (f tokenFormat) length() int { return len(f.prefix) + tokenRandomLen + tokenCheckLen }

// generate returns a new random token.
func (f tokenFormat) generate() string {
	b := make([]byte, 0, f.length())
	b = append(b, f.prefix...)
	var pool [64]byte
	for len(b) < len(f.prefix)+tokenRandomLen {
		_, _ = rand.Read(pool[:])
		for _, c := range pool {
			// 248 = 4*62: rejecting the top 8 byte values keeps every
			// character equally likely.
			if c < 248 && len(b) < len(f.prefix)+tokenRandomLen {
				b = append(b, base62[c%62])
			}
		}
	}
	return string(appendCheck(b, ^crcString(^uint32(0), string(b))))
}

// appendCheck appends sum as tokenCheckLen base62 digits, most
// significant first (62^6 > 2^32).
func appendCheck(b []byte, sum uint32) []byte {
	var d [tokenCheckLen]byte
	for i := tokenCheckLen - 1; i >= 0; i-- {
		d[i] = base62[sum%62]
		sum /= 62
	}
	return append(b, d[:]...)
}

// valid reports whether tok has this format's prefix, length, alphabet
// and a correct checksum. It does no allocation and reads no store.
func (f tokenFormat) valid(tok string) bool {
	if len(tok) != f.length() || tok[:len(f.prefix)] != f.prefix {
		return false
	}
	body := len(tok) - tokenCheckLen
	for i := len(f.prefix); i < body; i++ {
		if base62Values[tok[i]] < 0 {
			return false
		}
	}
	crc := crcString(f.prefixCRC, tok[len(f.prefix):body])
	var sum uint64
	for i := body; i < len(tok); i++ {
		v := base62Value(tok[i])
		if v < 0 {
			return false
		}
		sum = sum*62 + uint64(v)
	}
	return sum == uint64(^crc)
}

// base62Values maps a byte to its base62 digit, or -1.
var base62Values = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := range len(base62) {
		t[base62[i]] = int8(i)
	}
	return t
}()

func base62Value(c byte) int { return int(base62Values[c]) }

// hint is what a listing shows of a token: the prefix and the last four
// characters, enough for a person to tell keys apart.
func (f tokenFormat) hint(tok string) string {
	return f.prefix + "..." + tok[len(tok)-4:]
}

// crcTables are the slicing-by-8 tables of CRC-32 (IEEE): crcTables[0]
// is the usual byte table, crcTables[k] advances a byte k positions ahead.
var crcTables = func() (t [8][256]uint32) {
	t[0] = *crc32.MakeTable(crc32.IEEE)
	for i := range 256 {
		crc := t[0][i]
		for k := 1; k < 8; k++ {
			crc = t[0][crc&0xff] ^ crc>>8
			t[k][i] = crc
		}
	}
	return t
}()

// crcString continues a CRC-32 (IEEE) over s, eight bytes per step,
// without converting s to a byte slice (which would allocate on the
// verification path). Start with ^0 and complement the result to get
// crc32.ChecksumIEEE.
func crcString(crc uint32, s string) uint32 {
	t := &crcTables
	for len(s) >= 8 {
		crc ^= uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
		crc = t[0][s[7]] ^ t[1][s[6]] ^ t[2][s[5]] ^ t[3][s[4]] ^
			t[4][crc>>24] ^ t[5][crc>>16&0xff] ^ t[6][crc>>8&0xff] ^ t[7][crc&0xff]
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		crc = t[0][byte(crc)^s[i]] ^ crc>>8
	}
	return crc
}
