package auditsql

import (
	"context"
	"database/sql"
	"time"

	"github.com/gatehouse/gatehouse/audit"
)

// On PostgreSQL a batch goes in with one statement per table over arrays
// (unnest), whose text does not change with the batch size, so pgx
// prepares it once per connection.

const (
	pgInsertEvents = `INSERT INTO audit_events (org, idx, id, action, occurred_at, actor_id, data)
		SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::timestamptz[],
			$6::text[], $7::bytea[])`
	pgInsertTargets = `INSERT INTO audit_targets (org, target_id, occurred_at, idx)
		SELECT $1, * FROM unnest($2::text[], $3::timestamptz[], $4::bigint[])
		ON CONFLICT DO NOTHING`
	pgInsertNodes = `INSERT INTO audit_nodes (org, level, idx, hash)
		SELECT $1, * FROM unnest($2::integer[], $3::bigint[], $4::bytea[])`
)

func (s *Store) insertEventsPG(ctx context.Context, tx *sql.Tx, org string, entries []audit.Entry) error {
	n := len(entries)
	idx, times, data := make([]int64, n), make([]time.Time, n), make([][]byte, n)
	ids, actions, actors := make([]string, n), make([]string, n), make([]string, n)
	var tIDs []string
	var tIdx []int64
	var tTimes []time.Time
	for i, e := range entries {
		ev := &e.Event
		idx[i], ids[i], actions[i], actors[i] = int64(e.Index), ev.ID, ev.Action, ev.Actor.ID
		times[i], data[i] = ev.Time.UTC(), e.Data
		for _, t := range ev.Targets {
			tIDs, tIdx = append(tIDs, t.ID), append(tIdx, int64(e.Index))
			tTimes = append(tTimes, ev.Time.UTC())
		}
	}
	_, err := tx.ExecContext(ctx, pgInsertEvents, org, idx, ids, actions, times, actors, data)
	if err != nil {
		return err
	}
	if len(tIDs) == 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, pgInsertTargets, org, tIDs, tTimes, tIdx)
	return err
}

func (s *Store) insertNodesPG(ctx context.Context, tx *sql.Tx, org string, nodes []audit.Node) error {
	n := len(nodes)
	levels, idx, hashes := make([]int32, n), make([]int64, n), make([][]byte, n)
	for i, n := range nodes {
		levels[i], idx[i], hashes[i] = int32(n.ID.Level), int64(n.ID.Index), n.Hash
	}
	_, err := tx.ExecContext(ctx, pgInsertNodes, org, levels, idx, hashes)
	return err
}
