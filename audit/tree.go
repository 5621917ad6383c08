package audit

import (
	"crypto"
	_ "crypto/sha256" // the tree's hash
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
)

// HashSize is the size of the tree's hashes (SHA-256).
const HashSize = 32

var (
	hasher  = rfc6962.New(crypto.SHA256)
	factory = &compact.RangeFactory{Hash: hasher.HashChildren}
)

// NodeID names a node of a Merkle tree: the Index-th node, from the left,
// of those at Level, where leaves are at level 0. The node covers the
// leaves [Index<<Level, (Index+1)<<Level).
type NodeID struct {
	Level uint
	Index uint64
}

// Node is a node of a tree together with its hash.
type Node struct {
	ID   NodeID
	Hash []byte
}

// Tree is the compact state of an organization's log that a Store keeps so
// that it can append: the number of leaves and the hashes of the perfect
// subtrees that cover them, left to right (at most 64). The zero Tree is
// the empty log.
type Tree struct {
	Size     uint64
	Frontier [][]byte
}

// LeafHash returns the RFC 6962 hash of a leaf: SHA-256 of 0x00 and data.
func LeafHash(data []byte) []byte { return hasher.HashLeaf(data) }

// NodeHash returns the RFC 6962 hash of an interior node: SHA-256 of 0x01,
// left and right.
func NodeHash(left, right []byte) []byte { return hasher.HashChildren(left, right) }

// Append returns the tree extended by the leaves (each the canonical
// encoding of an event) and the nodes that became complete, which the
// Store MUST keep for proofs (see [Store.Nodes]).
func (t Tree) Append(leaves [][]byte) (Tree, []Node, error) {
	r, err := factory.NewRange(0, t.Size, cloneHashes(t.Frontier))
	if err != nil {
		return Tree{}, nil, fmt.Errorf("audit: corrupt tree state: %w", err)
	}
	nodes := make([]Node, 0, 2*len(leaves))
	visit := func(id compact.NodeID, h []byte) {
		nodes = append(nodes, Node{ID: NodeID{id.Level, id.Index}, Hash: h})
	}
	for _, l := range leaves {
		if err := r.Append(LeafHash(l), visit); err != nil {
			return Tree{}, nil, fmt.Errorf("audit: appending to tree: %w", err)
		}
	}
	return Tree{Size: r.End(), Frontier: r.Hashes()}, nodes, nil
}

// Root returns the root hash of the tree; the empty tree's root is the
// hash of the empty string.
func (t Tree) Root() ([]byte, error) {
	if t.Size == 0 {
		return hasher.EmptyRoot(), nil
	}
	r, err := factory.NewRange(0, t.Size, cloneHashes(t.Frontier))
	if err != nil {
		return nil, fmt.Errorf("audit: corrupt tree state: %w", err)
	}
	return r.GetRootHash(nil)
}

// MarshalFrontier joins the frontier hashes into one byte string, for a
// Store to keep in a column; [UnmarshalFrontier] reverses it.
func (t Tree) MarshalFrontier() []byte {
	b := make([]byte, 0, len(t.Frontier)*HashSize)
	for _, h := range t.Frontier {
		b = append(b, h...)
	}
	return b
}

// UnmarshalFrontier returns the tree of the given size whose frontier
// [Tree.MarshalFrontier] encoded as b.
func UnmarshalFrontier(size uint64, b []byte) (Tree, error) {
	if len(b)%HashSize != 0 || len(b)/HashSize != compact.RangeSize(0, size) {
		return Tree{}, fmt.Errorf("audit: corrupt tree state: %d frontier bytes for size %d",
			len(b), size)
	}
	t := Tree{Size: size}
	for i := 0; i < len(b); i += HashSize {
		t.Frontier = append(t.Frontier, b[i:i+HashSize:i+HashSize])
	}
	return t, nil
}

func cloneHashes(hs [][]byte) [][]byte {
	out := make([][]byte, len(hs))
	copy(out, hs)
	return out
}
