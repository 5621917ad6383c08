package auditsql

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/gatehouse/gatehouse/internal/sqlkit"
)

// Queries that find which of a batch's event IDs a log already holds: on
// PostgreSQL with an array, on SQLite with a JSON array, so that one
// prepared statement serves every batch size.
const (
	pgHeldIDs     = `SELECT id FROM audit_events WHERE org = $1 AND id = ANY($2::text[])`
	sqliteHeldIDs = `SELECT id FROM audit_events
		WHERE org = ? AND id IN (SELECT value FROM json_each(?))`
)

// distinct drops the entries whose event IDs org's log already holds, or
// that an earlier entry has. It runs under the log's lock, so no other
// append can add one of the IDs meanwhile.
func (s *Store) distinct(ctx context.Context, tx *sql.Tx, org string,
	entries []audit.Entry) ([]audit.Entry, error) {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.Event.ID
	}
	var rows *sql.Rows
	var err error
	if s.db.Dialect == sqlkit.Postgres {
		rows, err = tx.QueryContext(ctx, pgHeldIDs, org, ids)
	} else {
		list, _ := json.Marshal(ids)
		rows, err = tx.QueryContext(ctx, sqliteHeldIDs, org, string(list))
	}
	if err != nil {
		return nil, err
	}
	found, err := sqlkit.Collect(rows, func(r *sql.Rows) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
	if err != nil {
		return nil, err
	}
	held := make(map[string]bool, len(found))
	for _, id := range found {
		held[id] = true
	}
	return audit.DistinctEntries(entries, func(id string) bool { return held[id] }), nil
}
