package ssosql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/sso"
)

// outbox orders the event outbox: see [sqlkit.Outbox]. A transaction that
// appends events takes its lock shared before anything else, and Events
// reads under it held exclusively, so a reader never passes an event
// whose transaction commits after a later one's. Writers still run side
// by side.
var outbox = sqlkit.NewOutbox("sso")

// change runs fn in a transaction that first appends events to the
// outbox, holding the outbox's lock shared when there are any. The events
// are appended before fn changes a row, so that the transaction takes the
// outbox lock and draws its positions before any row lock.
func (s *Store) change(ctx context.Context, events []sso.Event, fn func(*sql.Tx) error) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if len(events) > 0 {
			if err := s.db.LockOutbox(ctx, tx, outbox); err != nil {
				return fmt.Errorf("ssosql: locking the event outbox: %w", err)
			}
		}
		for _, e := range events {
			if err := s.appendEvent(ctx, tx, e); err != nil {
				return err
			}
		}
		return fn(tx)
	})
}

func (s *Store) appendEvent(ctx context.Context, tx *sql.Tx, e sso.Event) error {
	e.Cursor = ""
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("ssosql: encoding event: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q.insertEvent, e.ID, string(body)); err != nil {
		return fmt.Errorf("ssosql: writing event: %w", err)
	}
	return nil
}

// Events implements [sso.Store]. It reads inside
// [sqlkit.DB.ReadOutbox], so that it never returns an event while an
// earlier one is still uncommitted.
func (s *Store) Events(ctx context.Context, after string, limit int) ([]sso.Event, error) {
	var seq int64
	if after != "" {
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil || n < 0 {
			return nil, errors.New("ssosql: malformed event cursor")
		}
		seq = n
	}
	var out []sso.Event
	err := s.db.ReadOutbox(ctx, outbox, func(q sqlkit.Queryer) error {
		rows, err := q.QueryContext(ctx, s.q.listEvents, seq, max(limit, 0))
		if err != nil {
			return err
		}
		out, err = scanEvents(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ssosql: reading events: %w", err)
	}
	return out, nil
}

// scanEvents reads and closes rows of positions and event bodies.
func scanEvents(rows *sql.Rows) ([]sso.Event, error) {
	defer rows.Close()
	var out []sso.Event
	for rows.Next() {
		var n int64
		var body []byte
		if err := rows.Scan(&n, &body); err != nil {
			return nil, err
		}
		var e sso.Event
		if err := json.Unmarshal(body, &e); err != nil {
			return nil, fmt.Errorf("decoding event %d: %w", n, err)
		}
		e.Cursor = strconv.FormatInt(n, 10)
		out = append(out, e)
	}
	return out, rows.Err()
}
