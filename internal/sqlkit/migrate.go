package sqlkit

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/backoff"
)

// migrationLockKey is the PostgreSQL advisory lock that serializes
// migrations of every Gatehouse package in a database.
const migrationLockKey = 0x6761746568 // "gateh"

// Migration is one versioned step of a package's schema.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// LoadMigrations reads the files named NNNN_description.sql at the root of
// fsys, in version order. Versions must be unique and positive.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("sqlkit: listing migrations: %w", err)
	}
	var ms []Migration
	seen := map[int]string{}
	for _, name := range names {
		num, _, ok := strings.Cut(path.Base(name), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlkit: migration %q is not named NNNN_description.sql", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("sqlkit: migrations %q and %q share version %d", prev, name, v)
		}
		seen[v] = name
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("sqlkit: reading migration %q: %w", name, err)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// Migrate applies the migrations in fsys (see [LoadMigrations]) that the
// database has not recorded for pkg. All pending versions are applied in
// one transaction, so a failure leaves the schema as it was. Several
// processes may call Migrate at once; one applies the versions and the
// others then find nothing to do.
func Migrate(ctx context.Context, db *DB, pkg string, fsys fs.FS) error {
	ms, err := LoadMigrations(fsys)
	if err != nil {
		return err
	}
	var last error
	for attempt := 1; attempt <= MaxAttempts; attempt++ {
		last = db.migrateOnce(ctx, pkg, ms)
		if last == nil || !IsRetryable(last) {
			break
		}
		if err := backoff.Sleep(ctx, pause(attempt)); err != nil {
			return err
		}
	}
	if last != nil {
		return fmt.Errorf("sqlkit: migrating %s: %w", pkg, last)
	}
	return nil
}

// MigrateDB is [Migrate] for a *sql.DB whose dialect [Wrap] detects, with
// the migrations in the directory dir of fsys (typically an embed.FS).
// It is what each package's own Migrate function calls.
func MigrateDB(ctx context.Context, db *sql.DB, pkg string, fsys fs.FS, dir string) error {
	kdb, err := Wrap(db)
	if err != nil {
		return err
	}
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return fmt.Errorf("sqlkit: migrations of %s: %w", pkg, err)
	}
	return Migrate(ctx, kdb, pkg, sub)
}

// execQuerier is what *sql.Tx and *sql.Conn have in common.
type execQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (db *DB) migrateOnce(ctx context.Context, pkg string, ms []Migration) error {
	if db.Dialect == Postgres {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		_, err = tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLockKey)
		if err != nil {
			return fmt.Errorf("taking the migration lock: %w", err)
		}
		if err := db.applyPending(ctx, tx, pkg, ms); err != nil {
			return err
		}
		return tx.Commit()
	}

	// On SQLite, BEGIN IMMEDIATE takes the write lock before anything is
	// read, whatever transaction mode the host's DSN chose.
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	if err := db.applyPending(ctx, conn, pkg, ms); err != nil {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	return nil
}

func (db *DB) applyPending(ctx context.Context, q execQuerier, pkg string, ms []Migration) error {
	create := db.Dialect.expandTypes(`CREATE TABLE IF NOT EXISTS gatehouse_migrations (
		package TEXT NOT NULL,
		version INTEGER NOT NULL,
		name TEXT NOT NULL,
		applied_at {{TIME}} NOT NULL,
		PRIMARY KEY (package, version))`)
	if _, err := q.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("creating gatehouse_migrations: %w", err)
	}
	applied, err := db.appliedVersions(ctx, q, pkg)
	if err != nil {
		return err
	}
	insert := db.Rebind(`INSERT INTO gatehouse_migrations (package, version, name, applied_at)
		VALUES (?, ?, ?, ?)`)
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if _, err := q.ExecContext(ctx, db.Dialect.expandTypes(m.SQL)); err != nil {
			return fmt.Errorf("applying %s: %w", m.Name, err)
		}
		if _, err := q.ExecContext(ctx, insert, pkg, m.Version, m.Name, db.Time(time.Now())); err != nil {
			return fmt.Errorf("recording %s: %w", m.Name, err)
		}
	}
	return nil
}

func (db *DB) appliedVersions(ctx context.Context, q execQuerier,
	pkg string) (map[int]bool, error) {
	query := db.Rebind(`SELECT version FROM gatehouse_migrations WHERE package = ?`)
	rows, err := q.QueryContext(ctx, query, pkg)
	if err != nil {
		return nil, fmt.Errorf("reading applied migrations: %w", err)
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	return applied, rows.Err()
}
