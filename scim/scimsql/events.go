package scimsql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/scim"
)

// outbox orders the event outbox: see [sqlkit.Outbox]. Every Update takes
// its lock shared before anything else, and Events reads under it held
// exclusively, so a reader never passes an event whose transaction
// commits after a later one's. Writers still run side by side.
var outbox = sqlkit.NewOutbox("scim")

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
	var out []scim.Event
	err := s.db.ReadOutbox(ctx, outbox, func(q sqlkit.Queryer) error {
		rows, err := q.QueryContext(ctx, s.db.Rebind(
			`SELECT seq, body FROM scim_events WHERE seq > ? ORDER BY seq LIMIT ?`), seq, max(limit, 0))
		if err != nil {
			return err
		}
		defer rows.Close()
		out = out[:0]
		for rows.Next() {
			var n int64
			var body []byte
			if err := rows.Scan(&n, &body); err != nil {
				return err
			}
			var e scim.Event
			if err := json.Unmarshal(body, &e); err != nil {
				return fmt.Errorf("decoding event %d: %w", n, err)
			}
			e.Cursor = strconv.FormatInt(n, 10)
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("scimsql: reading events: %w", err)
	}
	return out, nil
}

func (t *tx) Emit(ctx context.Context, e scim.Event) error {
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
