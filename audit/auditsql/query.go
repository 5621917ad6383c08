package auditsql

import (
	"context"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/audit"
)

// Query implements [audit.Store]. Every filter becomes a condition that
// an index serves, read backwards in (occurred_at, idx) order: with a
// target, the scan is driven by audit_targets' primary key; otherwise by
// the events' time, action or actor index.
func (s *Store) Query(ctx context.Context, org string, q audit.Query) ([]audit.Entry, error) {
	from, o, where, args := s.conditions(org, &q)
	query := `SELECT e.idx, e.data FROM ` + from + ` WHERE ` + where +
		` ORDER BY ` + o + `.occurred_at DESC, ` + o + `.idx DESC LIMIT ?`
	args = append(args, q.PageSize())
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

// conditions returns the FROM clause, the alias of the table whose
// (occurred_at, idx) orders the scan, and the WHERE clause with its
// arguments.
func (s *Store) conditions(org string, q *audit.Query) (from, o, where string, args []any) {
	from, o = "audit_events e", "e"
	conds := []string{"e.org = ?"}
	args = []any{org}
	if q.TargetID != "" {
		from, o = "audit_targets t JOIN audit_events e ON e.org = t.org AND e.idx = t.idx", "t"
		conds, args = []string{"t.org = ?", "t.target_id = ?"}, []any{org, q.TargetID}
	}
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	if !q.Since.IsZero() {
		add(o+".occurred_at >= ?", s.db.Time(q.Since))
	}
	if !q.Until.IsZero() {
		add(o+".occurred_at < ?", s.db.Time(q.Until))
	}
	if len(q.Actions) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(q.Actions)), ", ")
		for _, a := range q.Actions {
			args = append(args, a)
		}
		conds = append(conds, "e.action IN ("+marks+")")
	}
	if q.ActorID != "" {
		add("e.actor_id = ?", q.ActorID)
	}
	if q.After != nil {
		t := s.db.Time(q.After.Time)
		cond := "(" + o + ".occurred_at < ? OR (" + o + ".occurred_at = ? AND " + o + ".idx < ?))"
		add(cond, t, t, int64(q.After.Index))
	}
	return from, o, strings.Join(conds, " AND "), args
}
