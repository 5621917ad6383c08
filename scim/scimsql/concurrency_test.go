package scimsql_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
	"github.com/gatehouse/gatehouse/scim"
	"github.com/gatehouse/gatehouse/scim/scimsql"
)

// TestConcurrentWrites races writers through the handler: of several
// creates of one userName exactly one wins, and concurrent PATCHes of one
// group each apply, with one event each.
func TestConcurrentWrites(t *testing.T) {
	t.Parallel()
	sqlkittest.Each(t, func(t *testing.T, db *sql.DB) {
		e := newEndpoint(t, db)
		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i], _ = e.do("POST", "/Users", `{"userName":"Same@Example.com"}`)
			}()
		}
		wg.Wait()
		won := 0
		for _, s := range statuses {
			switch s {
			case 201:
				won++
			case 409:
			default:
				t.Errorf("create status %d", s)
			}
		}
		if won != 1 {
			t.Errorf("%d creates of one userName succeeded, want 1", won)
		}

		_, g := e.do("POST", "/Groups", `{"displayName":"Race"}`)
		gid := g["id"].(string)
		var ids []string
		for i := range n {
			_, u := e.do("POST", "/Users", fmt.Sprintf(`{"userName":"m%d"}`, i))
			ids = append(ids, u["id"].(string))
		}
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if s, body := e.do("PATCH", "/Groups/"+gid,
					`{"Operations":[{"op":"add","path":"members","value":[{"value":"`+id+`"}]}]}`); s != 204 {
					t.Errorf("PATCH: %d %v", s, body)
				}
			}()
		}
		wg.Wait()
		_, got := e.do("GET", "/Groups/"+gid, "")
		if ms, _ := got["members"].([]any); len(ms) != n {
			t.Errorf("group has %d members, want %d", len(ms), n)
		}
		evs, _ := e.store.Events(context.Background(), "", 1000)
		added := 0
		for _, ev := range evs {
			if ev.Type == scim.EventMemberAdded {
				added++
			}
		}
		if added != n {
			t.Errorf("%d member_added events, want %d", added, n)
		}
	})
}

// TestFilterUsesIndex checks on SQLite that the hot lookups are served by
// an index, not a scan of the table.
func TestFilterUsesIndex(t *testing.T) {
	t.Parallel()
	db := sqlkittest.SQLite(t)
	newStore(t, db)
	queries := map[string]string{
		"userName":   `SELECT id FROM scim_resources WHERE directory_id = 'd' AND kind = 'User' AND user_name_fold = 'x'`,
		"externalId": `SELECT id FROM scim_resources WHERE directory_id = 'd' AND kind = 'User' AND external_id = 'x'`,
		"emails": `SELECT id FROM scim_resources WHERE directory_id = 'd' AND kind = 'User' AND id IN
			(SELECT resource_id FROM scim_emails WHERE directory_id = 'd' AND value_fold = 'x')`,
		"token":     `SELECT id FROM scim_tokens WHERE hash = x'00'`,
		"members":   `SELECT member_id FROM scim_members WHERE directory_id = 'd' AND group_id = 'g' AND member_id > '' ORDER BY member_id LIMIT 10`,
		"groups of": `SELECT group_id FROM scim_members WHERE directory_id = 'd' AND member_id = 'm' ORDER BY group_id`,
	}
	for name, q := range queries {
		rows, err := db.Query("EXPLAIN QUERY PLAN " + q)
		if err != nil {
			t.Fatal(err)
		}
		plan := ""
		for rows.Next() {
			var id, parent, notused int
			var detail string
			_ = rows.Scan(&id, &parent, &notused, &detail)
			plan += detail + "; "
		}
		rows.Close()
		t.Logf("%s: %s", name, plan)
		if !containsIndex(plan) {
			t.Errorf("%s: plan %q uses no index", name, plan)
		}
	}
}

func containsIndex(plan string) bool {
	for _, table := range []string{"scim_resources", "scim_tokens", "scim_members", "scim_emails"} {
		if strings.Contains(plan, "SCAN "+table) && !strings.Contains(plan, "SCAN "+table+" USING") {
			return false
		}
	}
	return strings.Contains(plan, "USING")
}

// TestEntraEmailFilterNarrowed checks that Entra's emails[type eq
// "work"].value eq "..." lookup reads only the matching user's row.
func TestEntraEmailFilterNarrowed(t *testing.T) {
	t.Parallel()
	f, err := scim.ParseFilter(scim.KindUser, `emails[type eq "work"].value eq "a@x"`)
	if err != nil {
		t.Fatal(err)
	}
	if w := scimsql.TranslateForTest(f); w == "" {
		t.Fatal("the filter was not narrowed in SQL")
	}
}
