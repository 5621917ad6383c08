package audit

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// MaxCheckpointSize bounds the size of a signed checkpoint that
// [ParseCheckpoint] reads.
const MaxCheckpointSize = 16 << 10

// Checkpoint is a statement of an organization's log: its origin (which
// names the log), its size and root hash, and when it was made.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   []byte
	Time   time.Time
}

// text returns the body of the note, as doc.go specifies it.
func (c Checkpoint) text() string {
	return fmt.Sprintf("%s\n%d\n%s\n%s\n", c.Origin, c.Size,
		base64.StdEncoding.EncodeToString(c.Root), c.Time.UTC().Format(time.RFC3339Nano))
}

// ErrBadCheckpoint is returned, wrapped, for a checkpoint that is
// malformed or whose signature does not verify.
var ErrBadCheckpoint = errors.New("audit: bad checkpoint")

// ParseCheckpoint verifies the signed note msg with v and returns the
// checkpoint it states. It checks the signature and the form of the text;
// it does NOT check that the checkpoint belongs to the log the caller
// expects: compare Origin.
func ParseCheckpoint(msg []byte, v note.Verifier) (Checkpoint, error) {
	if len(msg) > MaxCheckpointSize {
		return Checkpoint{}, fmt.Errorf("%w: larger than %d bytes",
			ErrBadCheckpoint, MaxCheckpointSize)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	return parseCheckpointText(n.Text)
}

func parseCheckpointText(text string) (Checkpoint, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 4 {
		return Checkpoint{}, fmt.Errorf("%w: %d lines, want 4", ErrBadCheckpoint, len(lines))
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return Checkpoint{}, fmt.Errorf("%w: tree size %q", ErrBadCheckpoint, lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != HashSize {
		return Checkpoint{}, fmt.Errorf("%w: root hash %q", ErrBadCheckpoint, lines[2])
	}
	t, err := time.Parse(time.RFC3339Nano, lines[3])
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: time %q", ErrBadCheckpoint, lines[3])
	}
	if lines[0] == "" {
		return Checkpoint{}, fmt.Errorf("%w: empty origin", ErrBadCheckpoint)
	}
	return Checkpoint{Origin: lines[0], Size: size, Root: root, Time: t}, nil
}

// noteSigner signs notes with a crypto.Signer that holds an Ed25519 key.
type noteSigner struct {
	name   string
	hash   uint32
	signer crypto.Signer
}

// algEd25519 is the signed-note algorithm byte of Ed25519.
const algEd25519 = 1

func newNoteSigner(name string, s crypto.Signer) (*noteSigner, string, error) {
	pub, ok := s.Public().(ed25519.PublicKey)
	if !ok {
		return nil, "", fmt.Errorf("audit: signer holds a %T; only Ed25519 keys sign checkpoints",
			s.Public())
	}
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return nil, "", fmt.Errorf("audit: making the verifier key: %w", err)
	}
	return &noteSigner{name: name, hash: keyHash(name, pub), signer: s}, vkey, nil
}

// keyHash is the signed-note key hash: the first four bytes of
// SHA-256(name, "\n", algorithm byte, public key).
func keyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write(append([]byte{algEd25519}, pub...))
	return binary.BigEndian.Uint32(h.Sum(nil))
}

func (s *noteSigner) Name() string    { return s.name }
func (s *noteSigner) KeyHash() uint32 { return s.hash }
func (s *noteSigner) Sign(msg []byte) ([]byte, error) {
	return s.signer.Sign(rand.Reader, msg, crypto.Hash(0))
}

// NewVerifier returns the verifier of the verifier key vkey, the text
// "name+hash+key" that [Service.VerifierKey] returns.
func NewVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, fmt.Errorf("audit: parsing verifier key: %w", err)
	}
	return v, nil
}

func signCheckpoint(c Checkpoint, s note.Signer) ([]byte, error) {
	msg, err := note.Sign(&note.Note{Text: c.text()}, s)
	if err != nil {
		return nil, fmt.Errorf("audit: signing checkpoint: %w", err)
	}
	return msg, nil
}

func sameRoot(a, b []byte) bool { return bytes.Equal(a, b) }
