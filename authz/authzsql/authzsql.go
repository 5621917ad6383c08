package authzsql

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/internal/sqlkit"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is an [authz.Store] on a SQL database. It is safe for concurrent
// use and linearizable.
type Store struct {
	db     *sqlkit.DB
	q      queries
	models sync.Map // org + "\x00" + id -> *authz.Model (versions never change)
	stmts  sync.Map // query text -> *sql.Stmt
	nstmts atomic.Int64
}

// New returns a Store on db, opened with modernc.org/sqlite or
// pgx/v5/stdlib. Call [Migrate] first.
func New(db *sql.DB) (*Store, error) {
	d, err := sqlkit.Wrap(db)
	if err != nil {
		return nil, fmt.Errorf("authzsql: %w", err)
	}
	return &Store{db: d, q: prepare(d)}, nil
}

// Migrate creates or updates the tables of the store. It is idempotent and
// safe to run from several processes at once.
func Migrate(ctx context.Context, db *sql.DB) error {
	d, err := sqlkit.Wrap(db)
	if err != nil {
		return fmt.Errorf("authzsql: %w", err)
	}
	key := "TEXT"
	if d.Dialect == sqlkit.Postgres {
		key = `TEXT COLLATE "C"`
	}
	sub, err := fsSub(migrations, "migrations")
	if err != nil {
		return err
	}
	if err := sqlkit.Migrate(ctx, d, "authz", keyFS{sub, key}); err != nil {
		return fmt.Errorf("authzsql: %w", err)
	}
	return nil
}

var _ authz.Store = (*Store)(nil)

// keyFS expands the {{KEY}} macro of the migrations: the column type of
// identifiers that must sort byte by byte.
type keyFS struct {
	fsys subFS
	key  string
}

func (k keyFS) Open(name string) (fsFile, error) { return k.fsys.Open(name) }

// ReadDir lists the migrations.
func (k keyFS) ReadDir(name string) ([]dirEntry, error) { return k.fsys.ReadDir(name) }

// ReadFile returns a migration with {{KEY}} expanded.
func (k keyFS) ReadFile(name string) ([]byte, error) {
	b, err := k.fsys.ReadFile(name)
	return bytes.ReplaceAll(b, []byte("{{KEY}}"), []byte(k.key)), err
}
