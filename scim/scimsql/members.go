package scimsql

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/scim"
)

func (t *tx) Members(ctx context.Context, group, after string, limit int) ([]scim.Member, error) {
	rows, done, err := t.queryRows(ctx, `SELECT member_id, member_type, display
		FROM scim_members WHERE directory_id = ? AND group_id = ? AND member_id > ?
		ORDER BY member_id LIMIT ?`, t.dir, group, after, max(limit, 0))
	if err != nil {
		return nil, fmt.Errorf("scimsql: reading members: %w", err)
	}
	defer done()
	defer rows.Close()
	var out []scim.Member
	for rows.Next() {
		var m scim.Member
		var typ string
		if err := rows.Scan(&m.Value, &typ, &m.Display); err != nil {
			return nil, fmt.Errorf("scimsql: reading members: %w", err)
		}
		m.Type = scim.Kind(typ)
		out = append(out, m)
	}
	return out, rows.Err()
}

func (t *tx) IsMember(ctx context.Context, group, member string) (bool, error) {
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM scim_members
		WHERE directory_id = ? AND group_id = ? AND member_id = ?`, []any{t.dir, group, member},
		func(row *sql.Row) error { return row.Scan(&n) })
	if err != nil {
		return false, fmt.Errorf("scimsql: reading membership: %w", err)
	}
	return n > 0, nil
}

func (t *tx) GroupsOf(ctx context.Context, member string) ([]string, error) {
	rows, done, err := t.queryRows(ctx, `SELECT group_id FROM scim_members
		WHERE directory_id = ? AND member_id = ? ORDER BY group_id`, t.dir, member)
	if err != nil {
		return nil, fmt.Errorf("scimsql: reading groups: %w", err)
	}
	defer done()
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scimsql: reading groups: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func (t *tx) AddMember(ctx context.Context, group string, m scim.Member) (bool, error) {
	if !t.writable {
		return false, errReadOnly
	}
	res, err := t.exec(ctx, (`INSERT INTO scim_members
		(directory_id, group_id, member_id, member_type, display) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (directory_id, group_id, member_id) DO NOTHING`),
		t.dir, group, m.Value, string(m.Type), m.Display)
	if err != nil && !sqlkit.IsUniqueViolation(err) {
		return false, fmt.Errorf("scimsql: adding member: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

func (t *tx) RemoveMember(ctx context.Context, group, member string) (bool, error) {
	if !t.writable {
		return false, errReadOnly
	}
	res, err := t.exec(ctx, (`DELETE FROM scim_members
		WHERE directory_id = ? AND group_id = ? AND member_id = ?`), t.dir, group, member)
	if err != nil {
		return false, fmt.Errorf("scimsql: removing member: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
