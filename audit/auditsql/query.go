package auditsql

import (
	"context"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/audit"
)

// Query implements [audit.Store]. Every filter becomes a condition that
// one of the indexes serves; the ordering matches (org, occurred_at, idx)
// read backwards.
func (s *Store) Query(ctx context.Context, org string, q audit.Query) ([]audit.Entry, error) {
	where, args := s.conditions(org, &q)
	query := `SELECT idx, data FROM audit_events WHERE ` + where +
		` ORDER BY occurred_at DESC, idx DESC LIMIT ?`
	args = append(args, q.QueryLimit())
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("auditsql: querying %s: %w", org, err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var idx int64
		if err := rows.Scan(&idx, &e.Data); err != nil {
			return nil, fmt.Errorf("auditsql: querying %s: %w", org, err)
		}
		if e.Event, err = audit.UnmarshalCanonical(e.Data); err != nil {
			return nil, fmt.Errorf("auditsql: event %d of %s: %w", idx, org, err)
		}
		e.Index = uint64(idx)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *Store) conditions(org string, q *audit.Query) (string, []any) {
	conds := []string{"org = ?"}
	args := []any{org}
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	if !q.Since.IsZero() {
		add("occurred_at >= ?", s.db.Time(q.Since))
	}
	if !q.Until.IsZero() {
		add("occurred_at < ?", s.db.Time(q.Until))
	}
	if len(q.Actions) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(q.Actions)), ", ")
		as := make([]any, len(q.Actions))
		for i, a := range q.Actions {
			as[i] = a
		}
		add("action IN ("+marks+")", as...)
	}
	if q.ActorID != "" {
		add("actor_id = ?", q.ActorID)
	}
	if q.TargetID != "" {
		add("idx IN (SELECT idx FROM audit_targets WHERE org = ? AND target_id = ?)", org, q.TargetID)
	}
	if q.After != nil {
		t := s.db.Time(q.After.Time)
		add("(occurred_at < ? OR (occurred_at = ? AND idx < ?))", t, t, int64(q.After.Index))
	}
	return strings.Join(conds, " AND "), args
}
