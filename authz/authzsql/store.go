package authzsql

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/internal/sqlkit"
)

// queries are the statements of the store, rebound for the dialect once.
type queries struct {
	insertModel, latestModelID, model, models                           string
	deleteTuple, insertTuple, logChange, lookup, bumpRevision, revision string
	changes, direct, events                                             string
}

const tupleCols = `object_type, object_id, relation, user_type, user_id, user_relation`

func prepare(db *sqlkit.DB) queries {
	q := queries{
		insertModel:   `INSERT INTO authz_models (org, id, created_at, model) VALUES (?, ?, ?, ?)`,
		latestModelID: `SELECT id FROM authz_models WHERE org = ? ORDER BY seq DESC LIMIT 1`,
		bumpRevision: `INSERT INTO authz_revisions (org, rev) VALUES (?, 1)
			ON CONFLICT (org) DO UPDATE SET rev = authz_revisions.rev + 1`,
		revision: `SELECT rev FROM authz_revisions WHERE org = ?`,
		model:    `SELECT created_at, model FROM authz_models WHERE org = ? AND id = ?`,
		models: `SELECT seq, id, created_at, model FROM authz_models WHERE org = ? AND seq < ?
			ORDER BY seq DESC LIMIT ?`,
		deleteTuple: `DELETE FROM authz_tuples WHERE org = ? AND object_type = ? AND object_id = ?
			AND relation = ? AND user_type = ? AND user_id = ? AND user_relation = ?`,
		insertTuple: `INSERT INTO authz_tuples (org, ` + tupleCols + `, condition_name, condition_context)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		logChange: `INSERT INTO authz_changes (org, op, object, relation, user_, condition_name,
			condition_context, at, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		events: `SELECT seq, id, org, op, object, relation, user_, condition_name, condition_context, at
			FROM authz_changes WHERE seq > ? ORDER BY seq LIMIT ?`,
		lookup: `SELECT condition_name, condition_context FROM authz_tuples WHERE org = ?
			AND object_type = ? AND object_id = ? AND relation = ? AND user_type = ? AND user_id = ?
			AND user_relation = ?`,
		changes: `SELECT seq, op, object, relation, user_, condition_name, condition_context, at
			FROM authz_changes WHERE org = ? AND seq > ? ORDER BY seq LIMIT ?`,
	}
	q.direct = directQuery
	for _, p := range []*string{&q.insertModel, &q.latestModelID, &q.model, &q.models,
		&q.deleteTuple, &q.insertTuple, &q.logChange, &q.lookup, &q.changes, &q.direct, &q.events,
		&q.bumpRevision, &q.revision} {
		*p = db.Rebind(*p)
	}
	return q
}

// WriteModel implements [authz.Store].
func (s *Store) WriteModel(ctx context.Context, org string, m authz.StoredModel) error {
	b, err := json.Marshal(m.Model)
	if err != nil {
		return fmt.Errorf("authzsql: encoding model: %w", err)
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.txExec(ctx, tx, s.q.insertModel, org, m.ID, s.db.Time(m.CreatedAt),
			string(b)); err != nil {
			return err
		}
		_, err := s.txExec(ctx, tx, s.q.bumpRevision, org)
		return err
	})
	if err != nil {
		return fmt.Errorf("authzsql: saving model: %w", err)
	}
	return nil
}

// Revision implements [authz.Store] with a lookup by primary key.
func (s *Store) Revision(ctx context.Context, org string) (uint64, error) {
	row, err := s.queryRow(ctx, s.q.revision, org)
	var rev int64
	if err == nil {
		err = row.Scan(&rev)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("authzsql: reading the revision: %w", err)
	}
	return uint64(rev), nil
}

// Model implements [authz.Store]. Decoded models are cached by ID, since
// versions never change; the returned Model must not be modified.
func (s *Store) Model(ctx context.Context, org, id string) (authz.StoredModel, error) {
	if id == "" {
		row, err := s.queryRow(ctx, s.q.latestModelID, org)
		if err == nil {
			err = row.Scan(&id)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return authz.StoredModel{}, authz.ErrNotFound
		}
		if err != nil {
			return authz.StoredModel{}, fmt.Errorf("authzsql: finding the latest model: %w", err)
		}
	}
	if sm, ok := s.models.Load(org + "\x00" + id); ok {
		return sm.(authz.StoredModel), nil
	}
	var at sqlkit.Time
	var body []byte
	err := s.db.QueryRowContext(ctx, s.q.model, org, id).Scan(&at, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return authz.StoredModel{}, authz.ErrNotFound
	}
	if err != nil {
		return authz.StoredModel{}, fmt.Errorf("authzsql: loading model: %w", err)
	}
	m := new(authz.Model)
	if err := json.Unmarshal(body, m); err != nil {
		return authz.StoredModel{}, fmt.Errorf("authzsql: decoding model %s: %w", id, err)
	}
	sm := authz.StoredModel{ID: id, CreatedAt: at.T, Model: m}
	s.models.Store(org+"\x00"+id, sm)
	return sm, nil
}

// Models implements [authz.Store].
func (s *Store) Models(ctx context.Context, org, cursor string, limit int) ([]authz.StoredModel,
	string, error) {
	before, limit, err := seqPage(cursor, 1<<62-1, limit)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.db.QueryContext(ctx, s.q.models, org, before, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("authzsql: listing models: %w", err)
	}
	defer rows.Close()
	var out []authz.StoredModel
	var seqs []int64
	for rows.Next() {
		var sm authz.StoredModel
		var seq int64
		var at sqlkit.Time
		var body []byte
		if err := rows.Scan(&seq, &sm.ID, &at, &body); err != nil {
			return nil, "", err
		}
		sm.CreatedAt, sm.Model = at.T, new(authz.Model)
		if err := json.Unmarshal(body, sm.Model); err != nil {
			return nil, "", fmt.Errorf("authzsql: decoding model %s: %w", sm.ID, err)
		}
		out, seqs = append(out, sm), append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(out) > limit {
		return out[:limit], encodeSeq(seqs[limit-1]), nil
	}
	return out, "", nil
}

func encodeSeq(n int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(n, 10)))
}

func decodeSeq(cursor string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, authz.ErrInvalidCursor
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 0 {
		return 0, authz.ErrInvalidCursor
	}
	return n, nil
}

// cols are a tuple's key columns.
type cols struct{ otyp, oid, rel, utyp, uid, urel string }

func split(t authz.Tuple) (cols, error) {
	otyp, oid, ok1 := strings.Cut(t.Object, ":")
	uobj, urel, _ := strings.Cut(t.User, "#")
	utyp, uid, ok2 := strings.Cut(uobj, ":")
	if !ok1 || !ok2 {
		return cols{}, fmt.Errorf("authzsql: malformed tuple %s", t)
	}
	return cols{otyp, oid, t.Relation, utyp, uid, urel}, nil
}

func (c cols) args(org string) []any {
	return []any{org, c.otyp, c.oid, c.rel, c.utyp, c.uid, c.urel}
}

func (c cols) tuple() authz.Tuple {
	u := c.utyp + ":" + c.uid
	if c.urel != "" {
		u += "#" + c.urel
	}
	return authz.Tuple{Object: c.otyp + ":" + c.oid, Relation: c.rel, User: u}
}

func encodeCondition(c *authz.TupleCondition) (string, any, error) {
	if c == nil {
		return "", nil, nil
	}
	if c.Context == nil {
		return c.Name, nil, nil
	}
	b, err := json.Marshal(c.Context)
	if err != nil {
		return "", nil, fmt.Errorf("authzsql: encoding condition context: %w", err)
	}
	return c.Name, string(b), nil
}

func decodeCondition(name string, ctxJSON []byte) (*authz.TupleCondition, error) {
	if name == "" {
		return nil, nil
	}
	c := &authz.TupleCondition{Name: name}
	if len(ctxJSON) > 0 {
		if err := json.Unmarshal(ctxJSON, &c.Context); err != nil {
			return nil, fmt.Errorf("authzsql: decoding condition context: %w", err)
		}
	}
	return c, nil
}
