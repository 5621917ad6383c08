package domainsql

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/internal/sqlkit"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrate creates or upgrades the tables of the domain store in db.
func Migrate(ctx context.Context, db *sql.DB) error {
	return sqlkit.MigrateDB(ctx, db, "domain", migrationFiles, "migrations")
}

// Store is a [domain.Store] in a SQL database. It is safe for concurrent
// use, and several processes may share the database.
type Store struct {
	db *sqlkit.DB
	q  queries

	// find holds the prepared capture queries, by the number of names
	// they look up, prepared on first use.
	findMu sync.Mutex
	find   [maxPreparedFind + 1]atomic.Pointer[sql.Stmt]
}

// maxPreparedFind is the most names a prepared capture query takes;
// longer lists are queried unprepared.
const maxPreparedFind = 8

var _ domain.Store = (*Store)(nil)

// New returns a Store on db, which must have been migrated with [Migrate].
func New(db *sql.DB) (*Store, error) {
	kdb, err := sqlkit.Wrap(db)
	if err != nil {
		return nil, err
	}
	return &Store{db: kdb, q: newQueries(kdb)}, nil
}

const columns = `id, organization_id, name, status, include_subdomains, challenge_token,
	challenge_expires_at, verified_at, last_checked_at, consecutive_failures, last_error,
	created_at, updated_at, revision`

// queries holds the store's SQL, rebound for the dialect once.
type queries struct {
	insert, get, list, update, exists, delete, due, events, nextSeq, insertEvent string
}

func newQueries(db *sqlkit.DB) queries {
	return queries{
		insert: db.Rebind(`INSERT INTO domain_domains (` + columns + `)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`),
		get: db.Rebind(`SELECT ` + columns + ` FROM domain_domains
			WHERE id = ? AND organization_id = ?`),
		list: db.Rebind(`SELECT ` + columns + ` FROM domain_domains
			WHERE organization_id = ? AND id > ? ORDER BY id LIMIT ?`),
		update: db.Rebind(`UPDATE domain_domains SET status = ?, include_subdomains = ?,
			challenge_token = ?, challenge_expires_at = ?, verified_at = ?, last_checked_at = ?,
			consecutive_failures = ?, last_error = ?, updated_at = ?, revision = revision + 1
			WHERE id = ? AND organization_id = ? AND revision = ?`),
		exists: db.Rebind(`SELECT count(*) FROM domain_domains WHERE id = ? AND organization_id = ?`),
		delete: db.Rebind(`DELETE FROM domain_domains WHERE id = ? AND organization_id = ?`),
		due: db.Rebind(`SELECT ` + columns + ` FROM domain_domains
			WHERE status = 'verified' AND (last_checked_at IS NULL OR last_checked_at < ?)
			ORDER BY last_checked_at ASC NULLS FIRST, id LIMIT ?`),
		events: db.Rebind(`SELECT seq, id, type, organization_id, occurred_at, data FROM domain_events
			WHERE seq > ? ORDER BY seq LIMIT ?`),
		nextSeq: `UPDATE domain_event_counter SET n = n + 1 RETURNING n`,
		insertEvent: db.Rebind(`INSERT INTO domain_events
			(seq, id, type, organization_id, occurred_at, data) VALUES (?, ?, ?, ?, ?, ?)`),
	}
}

// Create implements [domain.Store].
func (s *Store) Create(ctx context.Context, d domain.Domain, e domain.Event) error {
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q.insert, d.ID, d.OrganizationID, d.Name, string(d.Status),
			d.IncludeSubdomains, d.ChallengeToken, s.db.Time(d.ChallengeExpiresAt), s.db.Time(d.VerifiedAt),
			s.db.Time(d.LastCheckedAt), d.ConsecutiveFailures, d.LastError,
			s.db.Time(d.CreatedAt), s.db.Time(d.UpdatedAt))
		if err != nil {
			return err
		}
		return s.appendEvents(ctx, tx, e)
	})
	if sqlkit.IsUniqueViolation(err) {
		if d.Status == domain.StatusVerified && !s.hasName(ctx, d) {
			return domain.ErrClaimed
		}
		return domain.ErrDuplicate
	}
	return err
}

func (s *Store) hasName(ctx context.Context, d domain.Domain) bool {
	var n int
	q := s.db.Rebind(`SELECT count(*) FROM domain_domains WHERE organization_id = ? AND name = ?`)
	return s.db.QueryRowContext(ctx, q, d.OrganizationID, d.Name).Scan(&n) == nil && n > 0
}

// Get implements [domain.Store].
func (s *Store) Get(ctx context.Context, organizationID, id string) (domain.Domain, error) {
	d, err := scanDomain(s.db.QueryRowContext(ctx, s.q.get, id, organizationID))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Domain{}, domain.ErrNotFound
	}
	return d, err
}

// List implements [domain.Store].
func (s *Store) List(ctx context.Context, organizationID, afterID string,
	limit int) ([]domain.Domain, error) {
	return s.queryDomains(ctx, s.q.list, organizationID, afterID, limit)
}

// Update implements [domain.Store].
func (s *Store) Update(ctx context.Context, d domain.Domain, events ...domain.Event) error {
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.update, string(d.Status), d.IncludeSubdomains,
			d.ChallengeToken, s.db.Time(d.ChallengeExpiresAt), s.db.Time(d.VerifiedAt), s.db.Time(d.LastCheckedAt),
			d.ConsecutiveFailures, d.LastError, s.db.Time(d.UpdatedAt),
			d.ID, d.OrganizationID, d.Revision)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return s.missingOrStale(ctx, tx, d)
		}
		return s.appendEvents(ctx, tx, events...)
	})
	if sqlkit.IsUniqueViolation(err) {
		// The only unique index an update can break is the one on
		// verified names.
		return domain.ErrClaimed
	}
	return err
}

func (s *Store) missingOrStale(ctx context.Context, tx *sql.Tx, d domain.Domain) error {
	var n int
	if err := tx.QueryRowContext(ctx, s.q.exists, d.ID, d.OrganizationID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return domain.ErrNotFound
	}
	return domain.ErrStale
}

// Delete implements [domain.Store].
func (s *Store) Delete(ctx context.Context, organizationID, id string, e domain.Event) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.delete, id, organizationID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return domain.ErrNotFound
		}
		return s.appendEvents(ctx, tx, e)
	})
}

// FindVerified implements [domain.Store].
func (s *Store) FindVerified(ctx context.Context, names []string) ([]domain.Domain, error) {
	if len(names) == 0 {
		return nil, nil
	}
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	stmt, err := s.findStmt(ctx, len(names))
	if err != nil {
		return nil, err
	}
	if stmt == nil {
		return s.queryDomains(ctx, findQuery(s.db, len(names)), args...)
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	return collectDomains(rows)
}

func findQuery(db *sqlkit.DB, n int) string {
	return db.Rebind(`SELECT ` + columns + ` FROM domain_domains
		WHERE status = 'verified' AND name IN (?` + strings.Repeat(", ?", n-1) + `)`)
}

// findStmt returns the prepared capture query for n names, or nil when n
// is beyond maxPreparedFind.
func (s *Store) findStmt(ctx context.Context, n int) (*sql.Stmt, error) {
	if n > maxPreparedFind {
		return nil, nil
	}
	if stmt := s.find[n].Load(); stmt != nil {
		return stmt, nil
	}
	s.findMu.Lock()
	defer s.findMu.Unlock()
	if stmt := s.find[n].Load(); stmt != nil {
		return stmt, nil
	}
	stmt, err := s.db.PrepareContext(ctx, findQuery(s.db, n))
	if err != nil {
		return nil, fmt.Errorf("domainsql: preparing the capture query: %w", err)
	}
	s.find[n].Store(stmt)
	return stmt, nil
}

// DueForCheck implements [domain.Store].
func (s *Store) DueForCheck(ctx context.Context, checkedBefore time.Time,
	limit int) ([]domain.Domain, error) {
	return s.queryDomains(ctx, s.q.due, s.db.Time(checkedBefore), limit)
}

// Events implements [domain.Store].
func (s *Store) Events(ctx context.Context, after string, limit int) ([]domain.Event, error) {
	var seq int64
	if after != "" {
		var err error
		if seq, err = strconv.ParseInt(after, 10, 64); err != nil || seq < 0 {
			return nil, fmt.Errorf("domainsql: malformed event cursor %q", after)
		}
	}
	rows, err := s.db.QueryContext(ctx, s.q.events, seq, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Event
	for rows.Next() {
		var e domain.Event
		var at sqlkit.Time
		var data []byte
		if err := rows.Scan(&seq, &e.ID, &e.Type, &e.OrganizationID, &at, &data); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &e.Data); err != nil {
			return nil, fmt.Errorf("domainsql: decoding event %s: %w", e.ID, err)
		}
		e.Cursor, e.Time = strconv.FormatInt(seq, 10), at.T
		out = append(out, e)
	}
	return out, rows.Err()
}

// appendEvents numbers and stores events inside tx.
func (s *Store) appendEvents(ctx context.Context, tx *sql.Tx, events ...domain.Event) error {
	for _, e := range events {
		var seq int64
		if err := tx.QueryRowContext(ctx, s.q.nextSeq).Scan(&seq); err != nil {
			return fmt.Errorf("numbering an event: %w", err)
		}
		data, err := json.Marshal(e.Data)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.insertEvent, seq, e.ID, string(e.Type), e.OrganizationID,
			s.db.Time(e.Time), string(data)); err != nil {
			return fmt.Errorf("storing an event: %w", err)
		}
	}
	return nil
}

func (s *Store) queryDomains(ctx context.Context, q string, args ...any) ([]domain.Domain, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return collectDomains(rows)
}

func collectDomains(rows *sql.Rows) ([]domain.Domain, error) {
	return sqlkit.Collect(rows, func(r *sql.Rows) (domain.Domain, error) { return scanDomain(r) })
}

type scanner interface{ Scan(dest ...any) error }

func scanDomain(row scanner) (domain.Domain, error) {
	var d domain.Domain
	var expires, verified, checked, created, updated sqlkit.Time
	err := row.Scan(&d.ID, &d.OrganizationID, &d.Name, &d.Status, &d.IncludeSubdomains,
		&d.ChallengeToken, &expires, &verified, &checked, &d.ConsecutiveFailures, &d.LastError,
		&created, &updated, &d.Revision)
	d.ChallengeExpiresAt, d.VerifiedAt, d.LastCheckedAt = expires.T, verified.T, checked.T
	d.CreatedAt, d.UpdatedAt = created.T, updated.T
	return d, err
}
