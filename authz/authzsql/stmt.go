package authzsql

import (
	"context"
	"database/sql"
	"fmt"
)

// query runs a read through a statement prepared once per query text and
// kept for the life of the Store: parsing and planning cost more than
// the indexed lookups themselves. *sql.Stmt is safe for concurrent use
// and prepares itself again on new connections.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := s.stmt(ctx, q)
	if err != nil || st == nil {
		if err == nil {
			return s.db.QueryContext(ctx, q, args...)
		}
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) (*sql.Row, error) {
	st, err := s.stmt(ctx, q)
	if err != nil || st == nil {
		if err == nil {
			return s.db.QueryRowContext(ctx, q, args...), nil
		}
		return nil, err
	}
	return st.QueryRowContext(ctx, args...), nil
}

// maxStatements bounds the prepared statements kept; Read's filters have
// fewer shapes than this. Past it, queries run unprepared.
const maxStatements = 1024

func (s *Store) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	if s.nstmts.Add(1) > maxStatements {
		return nil, nil
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("authzsql: preparing a query: %w", err)
	}
	if prev, loaded := s.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// txExec runs a statement of a write transaction through the prepared
// statement of its text, bound to the transaction.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return tx.ExecContext(ctx, q, args...)
	}
	return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}
