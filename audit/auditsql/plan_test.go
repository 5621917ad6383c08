package auditsql

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
)

// TestQueriesUseIndexes asks SQLite how it would run each kind of listing
// and refuses plans that scan a table without an index.
func TestQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	db := sqlkittest.SQLite(t)
	if err := Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	st, _ := New(db)
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	after := &audit.Position{Time: day, Index: 9}
	nodes, nargs := st.nodesQuery("org_1", []audit.NodeID{{Level: 2, Index: 1}, {Level: 5, Index: 0}})
	checkPlan(t, db, "nodes", nodes, nargs)
	checkPlan(t, db, "prune", `SELECT idx, occurred_at, data FROM audit_events
		WHERE org = ? AND idx >= ? ORDER BY idx LIMIT 1000`, []any{"org_1", 0})
	for name, q := range map[string]audit.Query{
		"newest":     {},
		"time range": {Since: day, Until: day.Add(time.Hour), After: after},
		"action":     {Actions: []string{"a.b", "c.d"}, After: after},
		"actor":      {ActorID: "user_1", Since: day},
		"target":     {TargetID: "doc_1", Until: day, After: after},
	} {
		from, o, where, args := st.conditions("org_1", &q)
		query := `EXPLAIN QUERY PLAN SELECT e.idx, e.data FROM ` + from + ` WHERE ` + where +
			` ORDER BY ` + o + `.occurred_at DESC, ` + o + `.idx DESC LIMIT 10`
		checkPlan(t, db, name, query, args)
	}
}

func checkPlan(t *testing.T, db *sql.DB, name, query string, args []any) {
	t.Helper()
	if !strings.HasPrefix(query, "EXPLAIN") {
		query = "EXPLAIN QUERY PLAN " + query
	}
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		rows.Scan(&id, &parent, &unused, &detail)
		plan = append(plan, detail)
	}
	t.Logf("%s: %q", name, plan)
	for _, step := range plan {
		if strings.HasPrefix(step, "SCAN") && !strings.Contains(step, "INDEX") &&
			!strings.Contains(step, "VALUES CLAUSE") {
			t.Errorf("%s: full scan in plan %q", name, plan)
		}
	}
}
