package ids

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"time"
)

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// bodyLen is the length of the part after the prefix and underscore.
const bodyLen = 26

// New returns a new ID with the given prefix, such as "dom", made at the
// current time.
func New(prefix string) string {
	return NewAt(prefix, time.Now())
}

// NewAt returns a new ID with the given prefix whose time part is t.
func NewAt(prefix string, t time.Time) string {
	var random [10]byte
	_, _ = rand.Read(random[:])
	return make80(prefix, t, random)
}

// Derive returns the ID with the given prefix whose time part is t and
// whose other 80 bits come from SHA-256 of key: the same prefix, time and
// key always give the same ID, and it sorts among the IDs made at t.
func Derive(prefix string, t time.Time, key string) string {
	sum := sha256.Sum256([]byte(key))
	return make80(prefix, t, [10]byte(sum[:10]))
}

func make80(prefix string, t time.Time, low [10]byte) string {
	var raw [16]byte
	ms := uint64(t.UnixMilli())
	binary.BigEndian.PutUint16(raw[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(raw[2:6], uint32(ms))
	copy(raw[6:], low[:])

	out := make([]byte, 0, len(prefix)+1+bodyLen)
	out = append(out, prefix...)
	out = append(out, '_')
	return string(encode(out, raw))
}

// encode appends the 26-character base32 form of the 128 bits in raw,
// most significant first; the first character holds the top 3 bits.
func encode(dst []byte, raw [16]byte) []byte {
	hi := binary.BigEndian.Uint64(raw[0:8])
	lo := binary.BigEndian.Uint64(raw[8:16])
	var body [bodyLen]byte
	for i := range bodyLen {
		body[bodyLen-1-i] = alphabet[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return append(dst, body[:]...)
}

// Valid reports whether id has the given prefix and a well-formed body.
func Valid(prefix, id string) bool {
	body, ok := strings.CutPrefix(id, prefix+"_")
	if !ok || len(body) != bodyLen || body[0] > '7' {
		return false
	}
	for i := 0; i < len(body); i++ {
		if strings.IndexByte(alphabet, body[i]) < 0 {
			return false
		}
	}
	return true
}
