package auditsql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/gatehouse/gatehouse/internal/sqlkit"
)

// Nodes implements [audit.Store]. Nodes at storedLevel and above, and the
// leaf hashes of pruned events, come from audit_nodes; the others are
// hashed from the events' data.
func (s *Store) Nodes(ctx context.Context, org string, ids []audit.NodeID) ([][]byte, error) {
	found, err := s.storedNodes(ctx, org, ids)
	if err != nil {
		return nil, err
	}
	var leaves []uint64
	for _, id := range ids {
		if found[id] == nil && id.Level < storedLevel {
			for i := id.Index << id.Level; i < (id.Index+1)<<id.Level; i++ {
				leaves = append(leaves, i)
			}
		}
	}
	hashes, err := s.leafHashes(ctx, org, leaves)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(ids))
	for i, id := range ids {
		if out[i] = found[id]; out[i] == nil && id.Level < storedLevel {
			out[i] = lowNode(id, hashes)
		}
		if out[i] == nil {
			return nil, audit.ErrNotFound
		}
	}
	return out, nil
}

// lowNode computes a node below storedLevel from its leaves' hashes, or
// returns nil if one is missing.
func lowNode(id audit.NodeID, leaves map[uint64][]byte) []byte {
	if id.Level == 0 {
		return leaves[id.Index]
	}
	l := lowNode(audit.NodeID{Level: id.Level - 1, Index: 2 * id.Index}, leaves)
	r := lowNode(audit.NodeID{Level: id.Level - 1, Index: 2*id.Index + 1}, leaves)
	if l == nil || r == nil {
		return nil
	}
	return audit.NodeHash(l, r)
}

func (s *Store) storedNodes(ctx context.Context, org string,
	ids []audit.NodeID) (map[audit.NodeID][]byte, error) {
	found := map[audit.NodeID][]byte{}
	if len(ids) == 0 {
		return found, nil
	}
	query, args := s.nodesQuery(org, ids)
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("auditsql: reading nodes of %s: %w", org, err)
	}
	defer rows.Close()
	for rows.Next() {
		var level, idx int64
		var h []byte
		if err := rows.Scan(&level, &idx, &h); err != nil {
			return nil, fmt.Errorf("auditsql: reading nodes of %s: %w", org, err)
		}
		found[audit.NodeID{Level: uint(level), Index: uint64(idx)}] = h
	}
	return found, rows.Err()
}

// leafHashes returns the leaf hashes of the events at idxs: from their
// data, or, for pruned events, from audit_nodes.
func (s *Store) leafHashes(ctx context.Context, org string,
	idxs []uint64) (map[uint64][]byte, error) {
	out := map[uint64][]byte{}
	if len(idxs) == 0 {
		return out, nil
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(idxs)), ", ")
	args := []any{org}
	for _, i := range idxs {
		args = append(args, int64(i))
	}
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT idx, data FROM audit_events
		WHERE org = ? AND idx IN (`+marks+`)`), args...)
	if err != nil {
		return nil, fmt.Errorf("auditsql: reading leaves of %s: %w", org, err)
	}
	defer rows.Close()
	for rows.Next() {
		var idx int64
		var data []byte
		if err := rows.Scan(&idx, &data); err != nil {
			return nil, fmt.Errorf("auditsql: reading leaves of %s: %w", org, err)
		}
		out[uint64(idx)] = audit.LeafHash(data)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var pruned []audit.NodeID
	for _, i := range idxs {
		if out[i] == nil {
			pruned = append(pruned, audit.NodeID{Level: 0, Index: i})
		}
	}
	kept, err := s.storedNodes(ctx, org, pruned)
	for id, h := range kept {
		out[id.Index] = h
	}
	return out, err
}

// keepLeafHashes walks org's log in index order from its start to the
// first event whose time is not before cutoff, copying the leaf hashes of
// the events before it into audit_nodes, a page at a time, so that
// retention can delete them. It returns the index of that first kept
// event, or size when every event goes. It reads only the events that go.
func (s *Store) keepLeafHashes(ctx context.Context, tx *sql.Tx, org string,
	cutoff time.Time, size int64) (int64, error) {
	page := s.db.Rebind(`SELECT idx, occurred_at, data FROM audit_events
		WHERE org = ? AND idx >= ? ORDER BY idx LIMIT 1000`)
	next := int64(0)
	for {
		nodes, kept, last, err := s.prunablePage(ctx, tx, page, org, next, cutoff)
		if err != nil {
			return 0, err
		}
		if err := s.insertNodes(ctx, tx, org, nodes); err != nil {
			return 0, err
		}
		switch {
		case kept >= 0:
			return kept, nil
		case last < 0:
			return size, nil
		}
		next = last + 1
	}
}

// prunablePage reads one page of events from index next and returns the
// leaf nodes of those before cutoff, the index of the first event kept
// (-1 if none in the page) and the last index read (-1 if the page was
// empty).
func (s *Store) prunablePage(ctx context.Context, tx *sql.Tx, page, org string, next int64,
	cutoff time.Time) (nodes []audit.Node, kept, last int64, err error) {
	rows, err := tx.QueryContext(ctx, page, org, next)
	if err != nil {
		return nil, 0, 0, err
	}
	defer rows.Close()
	kept, last = -1, -1
	for rows.Next() {
		var idx int64
		var at sqlkit.Time
		var data []byte
		if err := rows.Scan(&idx, &at, &data); err != nil {
			return nil, 0, 0, err
		}
		if !at.T.Before(cutoff) {
			kept = idx
			break
		}
		last = idx
		id := audit.NodeID{Level: 0, Index: uint64(idx)}
		nodes = append(nodes, audit.Node{ID: id, Hash: audit.LeafHash(data)})
	}
	return nodes, kept, last, rows.Err()
}

// nodesQuery selects the given nodes of org by primary key.
func (s *Store) nodesQuery(org string, ids []audit.NodeID) (string, []any) {
	args := []any{org}
	for _, id := range ids {
		args = append(args, int64(id.Level), int64(id.Index))
	}
	var b strings.Builder
	b.WriteString(`SELECT level, idx, hash FROM audit_nodes WHERE org = ? AND `)
	if s.db.Dialect == sqlkit.SQLite {
		// A row-value IN list lets SQLite look each node up by the
		// primary key, where a chain of ORs makes it scan.
		b.WriteString(`(level, idx) IN (VALUES `)
		b.WriteString(strings.TrimSuffix(strings.Repeat("(?, ?), ", len(ids)), ", "))
	} else {
		// PostgreSQL turns the ORs into bitmap index scans.
		b.WriteString("(")
		b.WriteString(strings.TrimSuffix(strings.Repeat("(level = ? AND idx = ?) OR ", len(ids)), " OR "))
	}
	b.WriteString(")")
	return s.db.Rebind(b.String()), args
}
