package scimsql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/scim"
)

// tx reads, and in an Update writes, one directory's resources.
type tx struct {
	s        *Store
	sqlTx    *sql.Tx // nil in a View
	dir      string
	writable bool
}

var errReadOnly = errors.New("scimsql: write in a read-only view")

// View implements [scim.Store]. Reads go to the database directly, not in
// a transaction, so they never wait for writers.
func (s *Store) View(ctx context.Context, dir string, fn func(scim.Reader) error) error {
	return fn(&tx{s: s, dir: dir})
}

// Update implements [scim.Store] with one database transaction, retried
// on transient conflicts. It takes the outbox's lock shared first, before
// any row lock, as [sqlkit.DB.LockOutbox] requires: fn may emit events.
func (s *Store) Update(ctx context.Context, dir string, fn func(scim.Tx) error) error {
	return s.db.InTx(ctx, func(sqlTx *sql.Tx) error {
		if err := s.db.LockOutbox(ctx, sqlTx, outbox); err != nil {
			return fmt.Errorf("scimsql: taking the outbox lock: %w", err)
		}
		return fn(&tx{s: s, sqlTx: sqlTx, dir: dir, writable: true})
	})
}

const resourceColumns = `id, kind, external_id, attributes, created, last_modified, version`

func (t *tx) scanResource(row interface{ Scan(...any) error }) (*scim.Resource, error) {
	r := &scim.Resource{DirectoryID: t.dir}
	var ext sql.NullString
	var attrs []byte
	var created, modified sqlkit.Time
	var kind string
	if err := row.Scan(&r.ID, &kind, &ext, &attrs, &created, &modified, &r.Version); err != nil {
		return nil, err
	}
	r.Kind, r.ExternalID = scim.Kind(kind), ext.String
	r.Created, r.LastModified = created.T, modified.T
	if err := json.Unmarshal(attrs, &r.Attributes); err != nil {
		return nil, fmt.Errorf("scimsql: decoding resource %s: %w", r.ID, err)
	}
	return r, nil
}

func (t *tx) Get(ctx context.Context, kind scim.Kind, id string) (*scim.Resource, error) {
	q := `SELECT ` + resourceColumns + ` FROM scim_resources WHERE directory_id = ? AND kind = ? AND id = ?`
	if t.writable && t.s.db.Dialect == sqlkit.Postgres {
		q += ` FOR UPDATE`
	}
	var r *scim.Resource
	err := t.queryRow(ctx, q, []any{t.dir, string(kind), id}, func(row *sql.Row) error {
		var err error
		r, err = t.scanResource(row)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, scim.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("scimsql: reading resource: %w", err)
	}
	return r, nil
}

// indexed are the columns kept beside the JSON for the indexes.
func indexed(r *scim.Resource) (userName, displayName, externalID, active any) {
	if r.Kind == scim.KindUser {
		userName = strings.ToLower(r.UserName())
		if b, ok := r.Attributes["active"].(bool); ok {
			active = boolInt(b)
		}
	}
	if d, ok := r.Attributes["displayName"].(string); ok {
		displayName = strings.ToLower(d)
	}
	if r.ExternalID != "" {
		externalID = r.ExternalID
	}
	return
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (t *tx) Insert(ctx context.Context, r *scim.Resource) error {
	if !t.writable {
		return errReadOnly
	}
	attrs, err := json.Marshal(r.Attributes)
	if err != nil {
		return fmt.Errorf("scimsql: encoding resource: %w", err)
	}
	un, dn, ext, active := indexed(r)
	_, err = t.exec(ctx, (`INSERT INTO scim_resources (directory_id, kind, id,
		external_id, user_name_fold, display_name_fold, active, attributes, created, last_modified, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		t.dir, string(r.Kind), r.ID, ext, un, dn, active, string(attrs),
		t.s.db.Time(r.Created), t.s.db.Time(r.LastModified), r.Version)
	if sqlkit.IsUniqueViolation(err) {
		return scim.ErrUniqueness
	}
	if err != nil {
		return fmt.Errorf("scimsql: inserting resource: %w", err)
	}
	return t.writeEmails(ctx, r, false)
}

// writeEmails replaces the rows that index a user's email addresses;
// replace says whether there may be old ones.
func (t *tx) writeEmails(ctx context.Context, r *scim.Resource, replace bool) error {
	if r.Kind != scim.KindUser {
		return nil
	}
	if !replace {
		return t.insertEmails(ctx, r)
	}
	if _, err := t.exec(ctx,
		`DELETE FROM scim_emails WHERE directory_id = ? AND resource_id = ?`, t.dir, r.ID); err != nil {
		return fmt.Errorf("scimsql: indexing emails: %w", err)
	}
	return t.insertEmails(ctx, r)
}

// insertEmails adds the rows that index a user's email addresses.
func (t *tx) insertEmails(ctx context.Context, r *scim.Resource) error {
	seen := map[string]bool{}
	for _, e := range r.Emails() {
		v := strings.ToLower(e)
		if seen[v] {
			continue
		}
		seen[v] = true
		_, err := t.exec(ctx, `INSERT INTO scim_emails (directory_id, value_fold, resource_id)
			VALUES (?, ?, ?)`, t.dir, v, r.ID)
		if err != nil {
			return fmt.Errorf("scimsql: indexing emails: %w", err)
		}
	}
	return nil
}

func (t *tx) Replace(ctx context.Context, r *scim.Resource) error {
	if !t.writable {
		return errReadOnly
	}
	attrs, err := json.Marshal(r.Attributes)
	if err != nil {
		return fmt.Errorf("scimsql: encoding resource: %w", err)
	}
	un, dn, ext, active := indexed(r)
	res, err := t.exec(ctx, (`UPDATE scim_resources SET external_id = ?,
		user_name_fold = ?, display_name_fold = ?, active = ?, attributes = ?, last_modified = ?, version = ?
		WHERE directory_id = ? AND kind = ? AND id = ? AND version = ?`),
		ext, un, dn, active, string(attrs), t.s.db.Time(r.LastModified), r.Version,
		t.dir, string(r.Kind), r.ID, r.Version-1)
	if sqlkit.IsUniqueViolation(err) {
		return scim.ErrUniqueness
	}
	if err != nil {
		return fmt.Errorf("scimsql: replacing resource: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := t.Get(ctx, r.Kind, r.ID); err != nil {
			return err
		}
		return scim.ErrConflict
	}
	return t.writeEmails(ctx, r, true)
}

func (t *tx) Delete(ctx context.Context, kind scim.Kind, id string) error {
	if !t.writable {
		return errReadOnly
	}
	res, err := t.exec(ctx,
		(`DELETE FROM scim_resources WHERE directory_id = ? AND kind = ? AND id = ?`), t.dir, string(kind), id)
	if err != nil {
		return fmt.Errorf("scimsql: deleting resource: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return scim.ErrNotFound
	}
	for _, q := range []string{
		`DELETE FROM scim_emails WHERE directory_id = ? AND resource_id = ?`,
		`DELETE FROM scim_members WHERE directory_id = ? AND group_id = ?`,
		`DELETE FROM scim_members WHERE directory_id = ? AND member_id = ?`,
	} {
		if _, err := t.exec(ctx, (q), t.dir, id); err != nil {
			return fmt.Errorf("scimsql: deleting resource: %w", err)
		}
	}
	return nil
}
