package scimsql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gatehouse/gatehouse/scim"
)

// eventLockKey is the PostgreSQL advisory lock that a transaction takes
// before it writes events. Sequence numbers are handed out in order but
// transactions commit in any order, so without it a reader could pass an
// event whose transaction commits after a later one's. Holding the lock
// to commit makes events visible in sequence order, at the price of
// serializing the SCIM writes that emit events. SQLite serializes writers
// anyway.
const eventLockKey = 0x7363696d // "scim"

// Events implements [scim.Store].
func (s *Store) Events(ctx context.Context, after string, limit int) ([]scim.Event, error) {
	var seq int64
	if after != "" {
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("scimsql: malformed event cursor")
		}
		seq = n
	}
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(
		`SELECT seq, body FROM scim_events WHERE seq > ? ORDER BY seq LIMIT ?`), seq, max(limit, 0))
	if err != nil {
		return nil, fmt.Errorf("scimsql: reading events: %w", err)
	}
	defer rows.Close()
	var out []scim.Event
	for rows.Next() {
		var n int64
		var body []byte
		if err := rows.Scan(&n, &body); err != nil {
			return nil, fmt.Errorf("scimsql: reading events: %w", err)
		}
		var e scim.Event
		if err := json.Unmarshal(body, &e); err != nil {
			return nil, fmt.Errorf("scimsql: decoding event %d: %w", n, err)
		}
		e.Cursor = strconv.FormatInt(n, 10)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (t *tx) Emit(ctx context.Context, e scim.Event) error {
	if !t.locked && t.s.db.Dialect.String() == "postgres" {
		if _, err := t.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, eventLockKey); err != nil {
			return fmt.Errorf("scimsql: taking the event lock: %w", err)
		}
		t.locked = true
	}
	if e.DirectoryID == "" {
		e.DirectoryID = t.dir
	}
	if e.OrganizationID == "" {
		if err := t.fillOrganization(ctx, &e); err != nil {
			return err
		}
	}
	e.Cursor = ""
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("scimsql: encoding event: %w", err)
	}
	_, err = t.exec(ctx, (`INSERT INTO scim_events (id, body) VALUES (?, ?)`),
		e.ID, string(body))
	if err != nil {
		return fmt.Errorf("scimsql: writing event: %w", err)
	}
	return nil
}

func (t *tx) fillOrganization(ctx context.Context, e *scim.Event) error {
	err := t.queryRow(ctx, `SELECT organization_id FROM scim_directories WHERE id = ?`,
		[]any{t.dir}, func(row *sql.Row) error { return row.Scan(&e.OrganizationID) })
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("scimsql: reading directory: %w", err)
	}
	return nil
}
