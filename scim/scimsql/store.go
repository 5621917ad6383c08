package scimsql

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/scim"
)

//go:embed migrations
var migrations embed.FS

// Store is a scim.Store on a SQL database. It is safe for concurrent use
// by any number of processes sharing the database.
type Store struct {
	db    *sqlkit.DB
	cache stmtCache
}

var _ scim.Store = (*Store)(nil)

// New returns a Store on db, opened with modernc.org/sqlite or pgx's
// database/sql driver. The schema must have been created with Migrate.
func New(db *sql.DB) (*Store, error) {
	w, err := sqlkit.Wrap(db)
	if err != nil {
		return nil, fmt.Errorf("scimsql: %w", err)
	}
	return &Store{db: w}, nil
}

// Migrate creates or updates the package's tables. It is idempotent and
// safe to run from several instances at once.
func Migrate(ctx context.Context, db *sql.DB) error {
	w, err := sqlkit.Wrap(db)
	if err != nil {
		return fmt.Errorf("scimsql: %w", err)
	}
	sub, err := fs.Sub(migrations, "migrations/"+w.Dialect.String())
	if err != nil {
		return fmt.Errorf("scimsql: %w", err)
	}
	return sqlkit.Migrate(ctx, w, "scim", sub)
}

// CreateDirectory implements [scim.Store].
func (s *Store) CreateDirectory(ctx context.Context, d *scim.Directory) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(
		`INSERT INTO scim_directories (id, organization_id, name, created) VALUES (?, ?, ?, ?)`),
		d.ID, d.OrganizationID, d.Name, s.db.Time(d.Created))
	if err != nil {
		return fmt.Errorf("scimsql: creating directory: %w", err)
	}
	return nil
}

const directoryColumns = `id, organization_id, name, created`

func scanDirectory(row interface{ Scan(...any) error }) (*scim.Directory, error) {
	d := &scim.Directory{}
	var created sqlkit.Time
	if err := row.Scan(&d.ID, &d.OrganizationID, &d.Name, &created); err != nil {
		return nil, err
	}
	d.Created = created.T
	return d, nil
}

// Directory implements [scim.Store].
func (s *Store) Directory(ctx context.Context, id string) (*scim.Directory, error) {
	var d *scim.Directory
	err := (&tx{s: s}).queryRow(ctx,
		`SELECT `+directoryColumns+` FROM scim_directories WHERE id = ?`,
		[]any{id}, func(row *sql.Row) error {
			var err error
			d, err = scanDirectory(row)
			return err
		})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, scim.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("scimsql: reading directory: %w", err)
	}
	return d, nil
}

// Directories implements [scim.Store].
func (s *Store) Directories(ctx context.Context, org string) ([]*scim.Directory, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(
		`SELECT `+directoryColumns+` FROM scim_directories WHERE organization_id = ? ORDER BY id`), org)
	if err != nil {
		return nil, fmt.Errorf("scimsql: listing directories: %w", err)
	}
	defer rows.Close()
	var out []*scim.Directory
	for rows.Next() {
		d, err := scanDirectory(rows)
		if err != nil {
			return nil, fmt.Errorf("scimsql: listing directories: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Cursor implements [scim.CursorStore].
func (s *Store) Cursor(ctx context.Context, consumer string) (string, error) {
	var c string
	err := s.db.QueryRowContext(ctx, s.db.Rebind(
		`SELECT position FROM scim_cursors WHERE consumer = ?`), consumer).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("scimsql: reading cursor: %w", err)
	}
	return c, nil
}

// SetCursor implements [scim.CursorStore].
func (s *Store) SetCursor(ctx context.Context, consumer, cursor string) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(
		`INSERT INTO scim_cursors (consumer, position) VALUES (?, ?)
		 ON CONFLICT (consumer) DO UPDATE SET position = excluded.position`), consumer, cursor)
	if err != nil {
		return fmt.Errorf("scimsql: saving cursor: %w", err)
	}
	return nil
}
