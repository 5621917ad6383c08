package authzsql

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/internal/ids"
	"github.com/gatehouse/gatehouse/internal/sqlkit"
)

// Write implements [authz.Store] in one transaction.
func (s *Store) Write(ctx context.Context, org string, b authz.WriteBatch) error {
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.db.LockOutbox(ctx, tx, changeLog); err != nil {
			return fmt.Errorf("locking the change log: %w", err)
		}
		if _, err := s.txExec(ctx, tx, s.q.bumpRevision, org); err != nil {
			return fmt.Errorf("raising the revision: %w", err)
		}
		for _, t := range b.Deletes {
			if err := s.deleteOne(ctx, tx, org, t, b); err != nil {
				return err
			}
		}
		for _, t := range b.Writes {
			if err := s.insertOne(ctx, tx, org, t, b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, authz.ErrDuplicate) && !errors.Is(err, authz.ErrMissing) {
		return fmt.Errorf("authzsql: writing tuples: %w", err)
	}
	return err
}

func (s *Store) deleteOne(ctx context.Context, tx *sql.Tx, org string, t authz.Tuple,
	b authz.WriteBatch) error {
	c, err := split(t)
	if err != nil {
		return err
	}
	res, err := s.txExec(ctx, tx, s.q.deleteTuple, c.args(org)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if b.IgnoreMissing {
			return nil
		}
		return fmt.Errorf("deleting %s: %w", t, authz.ErrMissing)
	}
	return s.log(ctx, tx, org, authz.ChangeDelete, t.Key(), b)
}

func (s *Store) insertOne(ctx context.Context, tx *sql.Tx, org string, t authz.Tuple,
	b authz.WriteBatch) error {
	c, err := split(t)
	if err != nil {
		return err
	}
	name, cctx, err := encodeCondition(t.Condition)
	if err != nil {
		return err
	}
	res, err := s.txExec(ctx, tx, s.q.insertTuple, append(c.args(org), name, cctx)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if b.IgnoreDuplicates {
			return nil
		}
		return fmt.Errorf("writing %s: %w", t, authz.ErrDuplicate)
	}
	return s.log(ctx, tx, org, authz.ChangeWrite, t, b)
}

func (s *Store) log(ctx context.Context, tx *sql.Tx, org string, op authz.ChangeOp,
	t authz.Tuple, b authz.WriteBatch) error {
	name, cctx, err := encodeCondition(t.Condition)
	if err != nil {
		return err
	}
	_, err = s.txExec(ctx, tx, s.q.logChange, org, string(op), t.Object, t.Relation, t.User, name, cctx,
		s.db.Time(b.Time), ids.NewAt("azc", b.Time))
	return err
}

// Lookup implements [authz.Store] with the primary key.
func (s *Store) Lookup(ctx context.Context, org, object, relation, user string) (authz.Tuple,
	bool, error) {
	t := authz.Tuple{Object: object, Relation: relation, User: user}
	c, err := split(t)
	if err != nil {
		return authz.Tuple{}, false, nil
	}
	var name string
	var cctx []byte
	row, err := s.queryRow(ctx, s.q.lookup, c.args(org)...)
	if err == nil {
		err = row.Scan(&name, &cctx)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return authz.Tuple{}, false, nil
	}
	if err != nil {
		return authz.Tuple{}, false, fmt.Errorf("authzsql: looking up a tuple: %w", err)
	}
	t.Condition, err = decodeCondition(name, cctx)
	return t, err == nil, err
}

// Read implements [authz.Store]. Filters on object and relation use the
// primary key; filters on a user, object type and relation use the user
// index.
func (s *Store) Read(ctx context.Context, org string, f authz.Filter, cursor string,
	limit int) ([]authz.Tuple, string, error) {
	where, args := []string{"org = ?"}, []any{org}
	add := func(col, v string) {
		if v != "" {
			where, args = append(where, col+" = ?"), append(args, v)
		}
	}
	add("object_type", f.ObjectType)
	add("object_id", f.ObjectID)
	add("relation", f.Relation)
	if f.User != "" {
		c, err := split(authz.Tuple{Object: "x:x", User: f.User})
		if err != nil {
			return nil, "", nil
		}
		add("user_type", c.utyp)
		add("user_id", c.uid)
		where, args = append(where, "user_relation = ?"), append(args, c.urel)
	}
	add("user_type", f.UserType)
	if f.UsersetsOnly {
		where = append(where, "user_relation <> ''")
	}
	if cursor != "" {
		c, err := decodeKey(cursor)
		if err != nil {
			return nil, "", err
		}
		where = append(where, "("+tupleCols+") > (?, ?, ?, ?, ?, ?)")
		args = append(args, c.otyp, c.oid, c.rel, c.utyp, c.uid, c.urel)
	}
	q := `SELECT ` + tupleCols + `, condition_name, condition_context FROM authz_tuples WHERE ` +
		strings.Join(where, " AND ") + ` ORDER BY ` + tupleCols
	if limit > 0 {
		q += " LIMIT ?"
		args = append(args, limit+1)
	}
	return s.readRows(ctx, s.db.Rebind(q), args, limit)
}

func (s *Store) readRows(ctx context.Context, q string, args []any, limit int) ([]authz.Tuple,
	string, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("authzsql: reading tuples: %w", err)
	}
	defer rows.Close()
	var out []authz.Tuple
	var last cols
	for rows.Next() {
		if limit > 0 && len(out) == limit {
			return out, encodeKey(last), nil
		}
		var c cols
		var name string
		var cctx []byte
		if err := rows.Scan(&c.otyp, &c.oid, &c.rel, &c.utyp, &c.uid, &c.urel, &name, &cctx); err != nil {
			return nil, "", fmt.Errorf("authzsql: reading tuples: %w", err)
		}
		t := c.tuple()
		if t.Condition, err = decodeCondition(name, cctx); err != nil {
			return nil, "", err
		}
		out, last = append(out, t), c
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("authzsql: reading tuples: %w", err)
	}
	return out, "", nil
}

func encodeKey(c cols) string {
	s := strings.Join([]string{c.otyp, c.oid, c.rel, c.utyp, c.uid, c.urel}, "\x00")
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func decodeKey(cursor string) (cols, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	parts := strings.Split(string(b), "\x00")
	if err != nil || len(parts) != 6 {
		return cols{}, authz.ErrInvalidCursor
	}
	return cols{parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]}, nil
}

// seqPage reads a page request: the position a cursor holds (empty when
// there is none) and the limit, where zero or less means no bound.
func seqPage(cursor string, empty int64, limit int) (int64, int, error) {
	pos := empty
	if cursor != "" {
		n, err := decodeSeq(cursor)
		if err != nil {
			return 0, 0, err
		}
		pos = n
	}
	if limit <= 0 {
		limit = 1 << 30
	}
	return pos, limit, nil
}

// Changes implements [authz.Store].
func (s *Store) Changes(ctx context.Context, org, cursor string, limit int) ([]authz.Change,
	string, error) {
	after, limit, err := seqPage(cursor, 0, limit)
	if err != nil {
		return nil, "", err
	}
	var out []authz.Change
	err = s.readLog(ctx, s.q.changes, []any{org, after, limit}, func(rows *sql.Rows) error {
		var ch authz.Change
		var op, name string
		var cctx []byte
		var at sqlkit.Time
		err := rows.Scan(&after, &op, &ch.Tuple.Object, &ch.Tuple.Relation, &ch.Tuple.User, &name,
			&cctx, &at)
		if err != nil {
			return err
		}
		ch.Op, ch.Time = authz.ChangeOp(op), at.T
		if ch.Tuple.Condition, err = decodeCondition(name, cctx); err != nil {
			return err
		}
		out = append(out, ch)
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("authzsql: reading changes: %w", err)
	}
	return out, encodeSeq(after), nil
}

// Events implements [authz.Store].
func (s *Store) Events(ctx context.Context, cursor string, limit int) ([]authz.Event, string,
	error) {
	after, limit, err := seqPage(cursor, 0, limit)
	if err != nil {
		return nil, "", err
	}
	var out []authz.Event
	err = s.readLog(ctx, s.q.events, []any{after, limit}, func(rows *sql.Rows) error {
		var e authz.Event
		var op, name string
		var cctx []byte
		var at sqlkit.Time
		err := rows.Scan(&after, &e.ID, &e.OrganizationID, &op, &e.Tuple.Object, &e.Tuple.Relation,
			&e.Tuple.User, &name, &cctx, &at)
		if err != nil {
			return err
		}
		e.Type, e.Time = authz.EventTupleWritten, at.T
		if authz.ChangeOp(op) == authz.ChangeDelete {
			e.Type = authz.EventTupleDeleted
		}
		if e.Tuple.Condition, err = decodeCondition(name, cctx); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("authzsql: reading events: %w", err)
	}
	return out, encodeSeq(after), nil
}

// changeLog orders the change log, which ReadChanges and Events follow
// with a cursor: see [sqlkit.Outbox]. Every Write takes its lock shared
// before anything else, so writes run side by side, and readLog takes it
// exclusively, so a reader never passes a change that commits late.
var changeLog = sqlkit.NewOutbox("authz")

// readLog runs query on the change log under the lock and hands each row
// to scan.
func (s *Store) readLog(ctx context.Context, query string, args []any,
	scan func(*sql.Rows) error) error {
	return s.db.ReadOutbox(ctx, changeLog, func(q sqlkit.Queryer) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
