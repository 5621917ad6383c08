package scimsql

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds the prepared statement cache; filters can
// produce many shapes of query, and the rare ones are prepared each time.
const maxCachedStatements = 256

// stmtCache keeps prepared statements by query text. Preparing is most of
// the cost of a small query on SQLite.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// prepare returns a prepared statement for query (with ? placeholders),
// and whether it is cached (if not, the caller closes it).
func (s *Store) prepare(ctx context.Context, query string) (*sql.Stmt, bool, error) {
	s.cache.mu.Lock()
	st, ok := s.cache.stmts[query]
	s.cache.mu.Unlock()
	if ok {
		return st, true, nil
	}
	st, err := s.db.PrepareContext(ctx, s.db.Rebind(query))
	if err != nil {
		return nil, false, err
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	if prev, ok := s.cache.stmts[query]; ok {
		st.Close()
		return prev, true, nil
	}
	if len(s.cache.stmts) >= maxCachedStatements {
		return st, false, nil
	}
	if s.cache.stmts == nil {
		s.cache.stmts = map[string]*sql.Stmt{}
	}
	s.cache.stmts[query] = st
	return st, true, nil
}

// Close releases the store's prepared statements. It does not close the
// database.
func (s *Store) Close() error {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	for k, st := range s.cache.stmts {
		st.Close()
		delete(s.cache.stmts, k)
	}
	return nil
}

// stmt returns the statement for query, bound to the transaction if t has
// one. done releases it.
func (t *tx) stmt(ctx context.Context, query string) (st *sql.Stmt, done func(), err error) {
	st, cached, err := t.s.prepare(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	done = func() {}
	if !cached {
		done = func() { st.Close() }
	}
	if t.sqlTx != nil {
		inner := t.sqlTx.StmtContext(ctx, st)
		outer := done
		done = func() { inner.Close(); outer() }
		return inner, done, nil
	}
	return st, done, nil
}

func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, done, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	defer done()
	return st.ExecContext(ctx, args...)
}

func (t *tx) queryRows(ctx context.Context, query string, args ...any) (*sql.Rows, func(), error) {
	st, done, err := t.stmt(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		done()
		return nil, nil, err
	}
	return rows, done, nil
}

// queryRow runs a query for one row and scans it into dst.
func (t *tx) queryRow(ctx context.Context, query string, args []any,
	scan func(*sql.Row) error) error {
	st, done, err := t.stmt(ctx, query)
	if err != nil {
		return err
	}
	defer done()
	return scan(st.QueryRowContext(ctx, args...))
}
