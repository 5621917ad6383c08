package auditsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Organizations implements [audit.Store].
func (s *Store) Organizations(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT org FROM audit_logs WHERE size > 0 ORDER BY org`)
	if err != nil {
		return nil, fmt.Errorf("auditsql: listing organizations: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var org string
		if err := rows.Scan(&org); err != nil {
			return nil, fmt.Errorf("auditsql: listing organizations: %w", err)
		}
		out = append(out, org)
	}
	return out, rows.Err()
}

// StreamCursor implements [audit.Store].
func (s *Store) StreamCursor(ctx context.Context, stream, org string) (uint64, error) {
	var next int64
	err := s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT next_idx FROM audit_stream_cursors
		WHERE stream = ? AND org = ?`), stream, org).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("auditsql: reading cursor of stream %s: %w", stream, err)
	}
	return uint64(next), nil
}

// SaveStreamCursor implements [audit.Store].
func (s *Store) SaveStreamCursor(ctx context.Context, stream, org string, next uint64) error {
	q := s.db.Rebind(`INSERT INTO audit_stream_cursors (stream, org, next_idx) VALUES (?, ?, ?)
		ON CONFLICT (stream, org) DO UPDATE SET next_idx = excluded.next_idx`)
	_, err := s.db.ExecContext(ctx, q, stream, org, int64(next))
	if err != nil {
		return fmt.Errorf("auditsql: saving cursor of stream %s: %w", stream, err)
	}
	return nil
}
