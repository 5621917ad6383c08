package auditsql

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/gatehouse/gatehouse/internal/sqlkit"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrate creates or upgrades the audit tables in db. It is idempotent and
// safe to run from several instances at once.
func Migrate(ctx context.Context, db *sql.DB) error {
	return sqlkit.MigrateDB(ctx, db, "audit", migrationFiles, "migrations")
}

// Store is the SQL audit store. It is safe for concurrent use, and for
// use by several processes sharing the database.
type Store struct {
	db    *sqlkit.DB
	stmts sync.Map // query text -> *sql.Stmt, for the multi-row inserts
}

var _ audit.Store = (*Store)(nil)

// New returns a Store on db, which must be a SQLite (modernc.org/sqlite)
// or PostgreSQL (pgx stdlib) database migrated with [Migrate].
func New(db *sql.DB) (*Store, error) {
	kdb, err := sqlkit.Wrap(db)
	if err != nil {
		return nil, fmt.Errorf("auditsql: %w", err)
	}
	return &Store{db: kdb}, nil
}

// rowsPerInsert bounds the rows of one multi-row INSERT. A batch goes in
// as full chunks and then chunks of decreasing powers of two, so that
// only a few statement texts exist per table and each is prepared once.
const rowsPerInsert = 512

// Append implements [audit.Store].
func (s *Store) Append(ctx context.Context, org string, entries []audit.Entry) (audit.Tree, error) {
	var tree audit.Tree
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		tree, err = s.appendTx(ctx, tx, org, entries)
		return err
	})
	if err != nil {
		return audit.Tree{}, fmt.Errorf("auditsql: appending to %s: %w", org, err)
	}
	return tree, nil
}

func (s *Store) appendTx(ctx context.Context, tx *sql.Tx, org string,
	entries []audit.Entry) (audit.Tree, error) {
	head, err := s.lockLog(ctx, tx, org)
	if err != nil {
		return audit.Tree{}, err
	}
	if entries, err = s.distinct(ctx, tx, org, slices.Clone(entries)); err != nil || len(entries) == 0 {
		return head, err
	}
	leaves := make([][]byte, len(entries))
	for i := range entries {
		entries[i].Index = head.Size + uint64(i)
		leaves[i] = entries[i].Data
	}
	tree, nodes, err := head.Append(leaves)
	if err != nil {
		return audit.Tree{}, err
	}
	if err := s.insertEvents(ctx, tx, org, entries); err != nil {
		return audit.Tree{}, err
	}
	if err := s.insertNodes(ctx, tx, org, upperNodes(nodes)); err != nil {
		return audit.Tree{}, err
	}
	update := s.db.Rebind(`UPDATE audit_logs SET size = ?, frontier = ? WHERE org = ?`)
	_, err = tx.ExecContext(ctx, update, int64(tree.Size), tree.MarshalFrontier(), org)
	return tree, err
}

// lockLog creates org's row if needed and locks it until the transaction
// ends. The insert comes first so that SQLite takes its write lock before
// reading.
func (s *Store) lockLog(ctx context.Context, tx *sql.Tx, org string) (audit.Tree, error) {
	ins := s.db.Rebind(`INSERT INTO audit_logs (org, size, frontier, start_idx) VALUES (?, 0, ?, 0)
		ON CONFLICT (org) DO NOTHING`)
	if _, err := tx.ExecContext(ctx, ins, org, []byte{}); err != nil {
		return audit.Tree{}, err
	}
	q := `SELECT size, frontier FROM audit_logs WHERE org = ?`
	if s.db.Dialect == sqlkit.Postgres {
		q += ` FOR UPDATE`
	}
	var size int64
	var frontier []byte
	if err := tx.QueryRowContext(ctx, s.db.Rebind(q), org).Scan(&size, &frontier); err != nil {
		return audit.Tree{}, err
	}
	return audit.UnmarshalFrontier(uint64(size), frontier)
}

func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, org string, entries []audit.Entry) error {
	if s.db.Dialect == sqlkit.Postgres {
		return s.insertEventsPG(ctx, tx, org, entries)
	}
	var targets [][]any
	events := make([][]any, len(entries))
	for i, e := range entries {
		ev := &e.Event
		events[i] = []any{org, int64(e.Index), ev.ID, ev.Action, s.db.Time(ev.Time), ev.Actor.ID,
			e.Data}
		for _, t := range ev.Targets {
			targets = append(targets, []any{org, t.ID, s.db.Time(ev.Time), int64(e.Index)})
		}
	}
	err := s.insertRows(ctx, tx, `INSERT INTO audit_events
		(org, idx, id, action, occurred_at, actor_id, data) VALUES `, "", events)
	if err != nil {
		return err
	}
	return s.insertRows(ctx, tx, `INSERT INTO audit_targets
		(org, target_id, occurred_at, idx) VALUES `, ` ON CONFLICT DO NOTHING`, targets)
}

// storedLevel is the lowest tree level kept in audit_nodes as events are
// appended. The nodes below it are hashed from the events' data when a
// proof needs them (at most two events per node), which saves three of
// every four node rows; retention copies the leaf hashes of the events it
// removes into audit_nodes first.
const storedLevel = 2

func upperNodes(nodes []audit.Node) []audit.Node {
	out := nodes[:0:0]
	for _, n := range nodes {
		if n.ID.Level >= storedLevel {
			out = append(out, n)
		}
	}
	return out
}

func (s *Store) insertNodes(ctx context.Context, tx *sql.Tx, org string, nodes []audit.Node) error {
	if len(nodes) == 0 {
		return nil
	}
	if s.db.Dialect == sqlkit.Postgres {
		return s.insertNodesPG(ctx, tx, org, nodes)
	}
	rows := make([][]any, len(nodes))
	for i, n := range nodes {
		rows[i] = []any{org, int64(n.ID.Level), int64(n.ID.Index), n.Hash}
	}
	const insert = `INSERT INTO audit_nodes (org, level, idx, hash) VALUES `
	return s.insertRows(ctx, tx, insert, "", rows)
}

// insertRows runs head VALUES (...), (...) tail for the rows, in chunks
// whose statements are prepared once per Store.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, head, tail string, rows [][]any) error {
	for len(rows) > 0 {
		n := rowsPerInsert
		for n > len(rows) {
			n /= 2
		}
		chunk := rows[:n]
		rows = rows[n:]
		stmt, err := s.insertStmt(ctx, head, tail, n, len(chunk[0]))
		if err != nil {
			return err
		}
		args := make([]any, 0, n*len(chunk[0]))
		for _, r := range chunk {
			args = append(args, r...)
		}
		if _, err := tx.StmtContext(ctx, stmt).ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// insertStmt returns the prepared statement inserting n rows of width
// columns.
func (s *Store) insertStmt(ctx context.Context, head, tail string, n, width int) (*sql.Stmt, error) {
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	query := s.db.Rebind(head + strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ") + tail)
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// Head implements [audit.Store].
func (s *Store) Head(ctx context.Context, org string) (audit.Head, error) {
	var size, start int64
	var frontier []byte
	q := s.db.Rebind(`SELECT size, frontier, start_idx FROM audit_logs WHERE org = ?`)
	err := s.db.QueryRowContext(ctx, q, org).Scan(&size, &frontier, &start)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.Head{}, nil
	}
	if err != nil {
		return audit.Head{}, fmt.Errorf("auditsql: reading head of %s: %w", org, err)
	}
	tree, err := audit.UnmarshalFrontier(uint64(size), frontier)
	return audit.Head{Tree: tree, Start: uint64(start)}, err
}

// Leaves implements [audit.Store].
func (s *Store) Leaves(ctx context.Context, org string, from uint64,
	limit int) ([]audit.Entry, error) {
	if limit <= 0 || from > 1<<62 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT idx, data FROM audit_events
		WHERE org = ? AND idx >= ? ORDER BY idx LIMIT ?`), org, int64(from), limit)
	if err != nil {
		return nil, fmt.Errorf("auditsql: reading events of %s: %w", org, err)
	}
	defer rows.Close()
	out := make([]audit.Entry, 0, limit)
	for rows.Next() {
		var e audit.Entry
		var idx int64
		if err := rows.Scan(&idx, &e.Data); err != nil {
			return nil, fmt.Errorf("auditsql: reading events of %s: %w", org, err)
		}
		e.Index = uint64(idx)
		out = append(out, e)
	}
	return out, rows.Err()
}

// SaveCheckpoint implements [audit.Store].
func (s *Store) SaveCheckpoint(ctx context.Context, org string, cp audit.StoredCheckpoint) error {
	q := s.db.Rebind(`INSERT INTO audit_checkpoints (org, size, made_at, note)
		VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	_, err := s.db.ExecContext(ctx, q, org, int64(cp.Size), s.db.Time(cp.Time), cp.Note)
	if err != nil {
		return fmt.Errorf("auditsql: keeping checkpoint of %s: %w", org, err)
	}
	return nil
}

// LatestCheckpoint implements [audit.Store].
func (s *Store) LatestCheckpoint(ctx context.Context, org string) (audit.StoredCheckpoint, error) {
	var cp audit.StoredCheckpoint
	var size int64
	var made sqlkit.Time
	err := s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT size, made_at, note FROM audit_checkpoints
		WHERE org = ? ORDER BY size DESC, made_at DESC LIMIT 1`), org).Scan(&size, &made, &cp.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return cp, audit.ErrNotFound
	}
	if err != nil {
		return cp, fmt.Errorf("auditsql: reading checkpoint of %s: %w", org, err)
	}
	cp.Size, cp.Time = uint64(size), made.T
	return cp, nil
}

// Prune implements [audit.Store].
func (s *Store) Prune(ctx context.Context, org string, cutoff time.Time) (uint64, error) {
	var start uint64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		start, err = s.pruneTx(ctx, tx, org, cutoff)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("auditsql: pruning %s: %w", org, err)
	}
	return start, nil
}

func (s *Store) pruneTx(ctx context.Context, tx *sql.Tx, org string,
	cutoff time.Time) (uint64, error) {
	tree, err := s.lockLog(ctx, tx, org)
	if err != nil {
		return 0, err
	}
	start, err := s.keepLeafHashes(ctx, tx, org, cutoff, int64(tree.Size))
	if err != nil {
		return 0, err
	}
	for _, q := range []string{
		`DELETE FROM audit_events WHERE org = ? AND idx < ?`,
		`DELETE FROM audit_targets WHERE org = ? AND idx < ?`,
	} {
		if _, err := tx.ExecContext(ctx, s.db.Rebind(q), org, start); err != nil {
			return 0, err
		}
	}
	raise := s.db.Rebind(`UPDATE audit_logs
		SET start_idx = CASE WHEN start_idx < ? THEN ? ELSE start_idx END WHERE org = ?`)
	_, err = tx.ExecContext(ctx, raise, start, start, org)
	if err != nil {
		return 0, err
	}
	var got int64
	q := s.db.Rebind(`SELECT start_idx FROM audit_logs WHERE org = ?`)
	err = tx.QueryRowContext(ctx, q, org).Scan(&got)
	return uint64(got), err
}
