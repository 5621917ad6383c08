package secrets

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
)

// redacted is what a [Value] prints as, wherever it is printed.
const redacted = "[REDACTED]"

// Value is a secret value. It prints as [REDACTED] through fmt (every
// verb), log/slog and encoding/json, so that a value passed to a logger or
// an error by mistake does not leak. Only [Value.Reveal] gives the bytes.
//
// The zero Value is empty.
type Value struct {
	b []byte
}

// NewValue returns a Value holding a copy of b.
func NewValue(b []byte) Value {
	return Value{b: append([]byte(nil), b...)}
}

// NewStringValue returns a Value holding s.
func NewStringValue(s string) Value {
	return Value{b: []byte(s)}
}

// Reveal returns the secret bytes. The caller must not modify them and
// MUST NOT log them.
func (v Value) Reveal() []byte { return v.b }

// Len returns the length of the value in bytes.
func (v Value) Len() int { return len(v.b) }

// Equal reports, in constant time for equal lengths, whether v and w hold
// the same bytes.
func (v Value) Equal(w Value) bool {
	return subtle.ConstantTimeCompare(v.b, w.b) == 1
}

// String returns "[REDACTED]".
func (v Value) String() string { return redacted }

// GoString returns "[REDACTED]", for the %#v verb.
func (v Value) GoString() string { return redacted }

// Format prints "[REDACTED]" for every verb, so that %x or %d cannot show
// the bytes either.
func (v Value) Format(f fmt.State, verb rune) {
	_, _ = f.Write([]byte(redacted))
}

// LogValue implements [slog.LogValuer]: a Value logs as "[REDACTED]".
func (v Value) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON encodes a Value as the JSON string "[REDACTED]". A Value
// cannot be decoded from JSON; decode into a string or []byte and call
// [NewValue].
func (v Value) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText encodes a Value as "[REDACTED]", for encoders that use
// encoding.TextMarshaler.
func (v Value) MarshalText() ([]byte, error) { return []byte(redacted), nil }
