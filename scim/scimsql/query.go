package scimsql

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/scim"
)

// where is a translated filter: SQL with ? placeholders and its
// arguments. exact is false when the SQL selects a superset of the
// filter's matches, which Go then narrows.
type where struct {
	sql   string
	args  []any
	exact bool
}

// translate turns what it can of a filter into SQL on the indexed
// columns. It returns nil when nothing can be translated.
func (t *tx) translate(e scim.Expr) *where {
	switch x := e.(type) {
	case *scim.Logical:
		l, r := t.translate(x.Left), t.translate(x.Right)
		if x.Op == "or" {
			if l == nil || r == nil || !l.exact || !r.exact {
				return nil
			}
			return &where{"(" + l.sql + " OR " + r.sql + ")", append(l.args, r.args...), true}
		}
		switch {
		case l == nil:
			return inexact(r)
		case r == nil:
			return inexact(l)
		}
		return &where{"(" + l.sql + " AND " + r.sql + ")", append(l.args, r.args...), l.exact &&
			r.exact}
	case *scim.Compare:
		return t.translateCompare(x)
	case *scim.ValueFilter:
		return t.translateValueFilter(x)
	}
	return nil // not is evaluated in Go
}

// translateValueFilter narrows emails[... value eq "x" ...], which Entra
// ID sends on every lookup, to the users with that address; Go checks the
// rest of the bracket on those few.
func (t *tx) translateValueFilter(v *scim.ValueFilter) *where {
	if v.Path.Schema != "" || v.Path.Name != "emails" {
		return nil
	}
	value, ok := eqValue(v.Filter)
	if !ok {
		return nil
	}
	return &where{t.emailMatch(), []any{t.dir, fold(value)}, false}
}

// eqValue finds a value eq "x" among the and-joined terms of a value
// filter.
func eqValue(e scim.Expr) (any, bool) {
	switch x := e.(type) {
	case *scim.Logical:
		if x.Op != "and" {
			return nil, false
		}
		if v, ok := eqValue(x.Left); ok {
			return v, true
		}
		return eqValue(x.Right)
	case *scim.Compare:
		if x.Op == "eq" && x.Path.Name == "value" {
			return x.Value, true
		}
	}
	return nil, false
}

func inexact(w *where) *where {
	if w == nil {
		return nil
	}
	return &where{w.sql, w.args, false}
}

// translateCompare translates eq on the folded and exact columns, and
// ordering comparisons on meta.lastModified.
func (t *tx) translateCompare(c *scim.Compare) *where {
	p := c.Path
	if p.Schema != "" {
		return nil
	}
	switch {
	case p.Name == "meta" && p.Sub == "lastModified" && c.Op != "pr" && c.Op != "ne":
		op := map[string]string{"eq": "=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}[c.Op]
		tv, ok := c.Value.(time.Time)
		if op == "" || !ok {
			return nil
		}
		return &where{"last_modified " + op + " ?", []any{t.s.db.Time(tv)}, true}
	case c.Op == "sw" && p.String() == "userName":
		return prefixRange(c.Value)
	case c.Op == "co" || c.Op == "sw" || c.Op == "ew":
		return t.likeMatch(c)
	case c.Op != "eq":
		return nil
	}
	switch p.String() {
	case "id":
		return &where{"id = ?", []any{c.Value}, true}
	case "externalId":
		return &where{"external_id = ?", []any{c.Value}, true}
	case "userName":
		return &where{"user_name_fold = ?", []any{fold(c.Value)}, true}
	case "displayName":
		return &where{"display_name_fold = ?", []any{fold(c.Value)}, true}
	case "active":
		b, _ := c.Value.(bool)
		return &where{"active = ?", []any{boolInt(b)}, true}
	case "emails.value", "emails":
		return &where{t.emailMatch(), []any{t.dir, fold(c.Value)}, true}
	}
	return nil
}

// emailMatch selects the users with an email address, through the email
// index. On PostgreSQL the addresses' owners are collected first (an
// ARRAY initplan), so that even a generic plan of the prepared statement
// looks the users up by key instead of joining the whole directory.
func (t *tx) emailMatch() string {
	const sub = `SELECT resource_id FROM scim_emails WHERE directory_id = ? AND value_fold = ?`
	if t.s.db.Dialect == sqlkit.Postgres {
		return `id = ANY(ARRAY(` + sub + `))`
	}
	return `id IN (` + sub + `)`
}

// prefixRange turns userName sw "p" into a range on the folded column,
// for printable ASCII prefixes, where byte order and folding agree on
// every store.
func prefixRange(v any) *where {
	p, _ := fold(v).(string)
	if p == "" {
		return nil
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] >= 0x7e {
			return nil
		}
	}
	upper := p[:len(p)-1] + string(p[len(p)-1]+1)
	return &where{"user_name_fold >= ? AND user_name_fold < ?", []any{p, upper}, true}
}

// likeColumns are the columns on which co, sw and ew become LIKE, and
// whether the column holds the folded value (for attributes compared
// ignoring case).
var likeColumns = map[string]struct {
	column string
	folded bool
}{
	"userName":    {"user_name_fold", true},
	"displayName": {"display_name_fold", true},
	"externalId":  {"external_id", false},
}

// likeMatch turns co, sw and ew into LIKE, so that the database scans
// the directory instead of handing every row to Go. On a folded column
// both sides are lower case, which makes LIKE exact on both databases;
// on externalId, which is case-exact, SQLite's LIKE ignores ASCII case
// and selects a superset that Go narrows.
func (t *tx) likeMatch(c *scim.Compare) *where {
	col, ok := likeColumns[c.Path.String()]
	v, isString := c.Value.(string)
	if !ok || !isString {
		return nil
	}
	if col.folded {
		v = strings.ToLower(v)
	}
	pattern := likeEscaper.Replace(v)
	switch c.Op {
	case "co":
		pattern = "%" + pattern + "%"
	case "sw":
		pattern += "%"
	case "ew":
		pattern = "%" + pattern
	}
	exact := col.folded || t.s.db.Dialect == sqlkit.Postgres
	return &where{col.column + ` LIKE ? ESCAPE '\'`, []any{pattern}, exact}
}

// likeEscaper escapes LIKE's wildcards and its escape character.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func fold(v any) any {
	s, _ := v.(string)
	return strings.ToLower(s)
}

// List implements [scim.Reader]. An exactly translated filter sorted by ID
// or userName is paged in SQL; anything else is narrowed in SQL as far as
// it can be and finished with scim.ApplyQuery.
func (t *tx) List(ctx context.Context, kind scim.Kind, q scim.Query) (*scim.Page, error) {
	w := &where{sql: "1 = 1", exact: true}
	if q.Filter != nil {
		if w = t.translate(q.Filter.Expr()); w == nil {
			w = &where{sql: "1 = 1", exact: false}
		}
	}
	order, ok := t.orderBy(q)
	if !w.exact || !ok {
		return t.listInGo(ctx, kind, q, w)
	}
	return t.listInSQL(ctx, kind, q, w, order)
}

// sortColumns are the sort attributes served by a column, in the order
// scim.SortResources gives: missing values last, ties by ID; descending
// reverses it all.
var sortColumns = map[string]string{
	"userName":          "user_name_fold",
	"displayName":       "display_name_fold",
	"meta.lastModified": "last_modified",
	"meta.created":      "created",
}

func (t *tx) orderBy(q scim.Query) (string, bool) {
	if q.SortBy == nil {
		if q.Descending {
			return "id DESC", true
		}
		return "id", true
	}
	col, ok := sortColumns[q.SortBy.String()]
	if !ok {
		return "", false
	}
	if q.Descending {
		return col + " IS NULL DESC, " + col + " DESC, id DESC", true
	}
	return col + " IS NULL, " + col + ", id", true
}

func (t *tx) base(kind scim.Kind, q scim.Query, w *where) (string, []any) {
	cond := "directory_id = ? AND kind = ? AND " + w.sql
	args := append([]any{t.dir, string(kind)}, w.args...)
	if q.After != "" {
		cond += " AND id > ?"
		args = append(args, q.After)
	}
	return cond, args
}

func (t *tx) listInSQL(ctx context.Context, kind scim.Kind, q scim.Query, w *where,
	order string) (*scim.Page, error) {
	cond, args := t.base(kind, q, w)
	page := &scim.Page{}
	offset := max(q.StartIndex, 1) - 1
	if q.Count != 0 {
		query := `SELECT ` + resourceColumns + ` FROM scim_resources WHERE ` + cond +
			` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
		limit := q.Count
		if limit < 0 {
			limit = math.MaxInt32
		}
		var err error
		if page.Resources, err = t.query(ctx, query, append(args, limit, offset)...); err != nil {
			return nil, err
		}
		// A first page that is not full holds every match: no count needed.
		if offset == 0 && len(page.Resources) < limit {
			page.Total = len(page.Resources)
			return page, nil
		}
	}
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM scim_resources WHERE `+cond, args,
		func(row *sql.Row) error { return row.Scan(&page.Total) })
	if err != nil {
		return nil, fmt.Errorf("scimsql: counting resources: %w", err)
	}
	return page, nil
}

func (t *tx) listInGo(ctx context.Context, kind scim.Kind, q scim.Query, w *where) (*scim.Page,
	error) {
	cond, args := t.base(kind, q, w)
	rs, err := t.query(ctx, `SELECT `+resourceColumns+` FROM scim_resources WHERE `+cond, args...)
	if err != nil {
		return nil, err
	}
	return scim.ApplyQuery(rs, q), nil
}

func (t *tx) query(ctx context.Context, query string, args ...any) ([]*scim.Resource, error) {
	rows, done, err := t.queryRows(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("scimsql: listing resources: %w", err)
	}
	defer done()
	defer rows.Close()
	var out []*scim.Resource
	for rows.Next() {
		r, err := t.scanResource(rows)
		if err != nil {
			return nil, fmt.Errorf("scimsql: listing resources: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
