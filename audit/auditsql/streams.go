package auditsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Span implements [audit.Store], reading the time index.
func (s *Store) Span(ctx context.Context, org string, since, until time.Time) (uint64, uint64, error) {
	conds, args := []string{"org = ?"}, []any{org}
	if !since.IsZero() {
		conds, args = append(conds, "occurred_at >= ?"), append(args, s.db.Time(since))
	}
	if !until.IsZero() {
		conds, args = append(conds, "occurred_at < ?"), append(args, s.db.Time(until))
	}
	var lo, hi sql.NullInt64
	q := `SELECT min(idx), max(idx) FROM audit_events WHERE ` + strings.Join(conds, " AND ")
	if err := s.db.QueryRowContext(ctx, s.db.Rebind(q), args...).Scan(&lo, &hi); err != nil {
		return 0, 0, fmt.Errorf("auditsql: finding the span of %s: %w", org, err)
	}
	if !lo.Valid {
		return 0, 0, nil
	}
	return uint64(lo.Int64), uint64(hi.Int64) + 1, nil
}

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
