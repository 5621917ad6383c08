package scimsql_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
	"github.com/gatehouse/gatehouse/scim"
	"github.com/gatehouse/gatehouse/scim/scimsql"
)

// benchUsers is the size of the directory the benchmarks run on, as the
// issue's targets say.
const benchUsers = 100_000

// benchEnv is a seeded directory behind the handler.
type benchEnv struct {
	handler http.Handler
	token   string
	store   *scimsql.Store
	dir     string
	seq     int
}

func seed(b *testing.B, db *sql.DB) *benchEnv {
	b.Helper()
	ctx := context.Background()
	if err := scimsql.Migrate(ctx, db); err != nil {
		b.Fatal(err)
	}
	store, _ := scimsql.New(db)
	svc, _ := scim.New(scim.Config{Store: store})
	dir, _ := svc.CreateDirectory(ctx, "org_1", "bench")
	_, sec, _ := svc.IssueToken(ctx, "org_1", dir.ID, "bench")
	now := time.Now().UTC().Truncate(time.Microsecond)
	for start := 0; start < benchUsers; start += 5000 {
		err := store.Update(ctx, dir.ID, func(tx scim.Tx) error {
			for i := start; i < start+5000; i++ {
				if err := tx.Insert(ctx, benchUser(i, now)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// A production database has planner statistics (autovacuum gathers
	// them); a table just filled in one go has none, and PostgreSQL then
	// guesses plans that scan the directory.
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return &benchEnv{handler: svc.Handler(), token: sec.Reveal(), store: store, dir: dir.ID}
}

func benchUser(i int, now time.Time) *scim.Resource {
	name := fmt.Sprintf("user%06d@example.com", i)
	return &scim.Resource{ID: fmt.Sprintf("usr_%06d", i), Kind: scim.KindUser,
		ExternalID: fmt.Sprintf("ext-%d", i), Created: now, LastModified: now, Version: 1,
		Attributes: map[string]any{"userName": name, "active": true, "displayName": "User " + name,
			"emails": []any{map[string]any{"value": name, "type": "work", "primary": true}}}}
}

// makeGroup creates a group with the first n seeded users as members.
func (e *benchEnv) makeGroup(b *testing.B, id string, n int) {
	ctx := context.Background()
	now := time.Now().UTC()
	err := e.store.Update(ctx, e.dir, func(tx scim.Tx) error {
		g := &scim.Resource{ID: id, Kind: scim.KindGroup, Created: now, LastModified: now, Version: 1,
			Attributes: map[string]any{"displayName": id}}
		if err := tx.Insert(ctx, g); err != nil {
			return err
		}
		for i := range n {
			m := scim.Member{Value: fmt.Sprintf("usr_%06d", i), Type: scim.KindUser}
			if _, err := tx.AddMember(ctx, id, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func (e *benchEnv) serve(b *testing.B, method, path, body string, want int) {
	req := httptest.NewRequest(method, "/scim/v2"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/scim+json")
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
}

// BenchmarkHandler measures the issue's targets through the handler on a
// directory of 100,000 users: a userName filter, creating a user, and
// adding one member to groups of 100 and 10,000 members; and, for
// comparison, a co filter, which scans the directory.
func BenchmarkHandler(b *testing.B) {
	dbs := map[string]func(testing.TB) *sql.DB{"sqlite": sqlkittest.SQLite, "postgres": sqlkittest.Postgres}
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			e := seed(b, dbs[name](b))
			b.Run("FilterUserName", func(b *testing.B) {
				path := "/Users?filter=" + url.QueryEscape(`userName eq "USER054321@example.com"`)
				b.ReportAllocs()
				for b.Loop() {
					e.serve(b, "GET", path, "", 200)
				}
			})
			b.Run("FilterEntraEmail", func(b *testing.B) {
				path := "/Users?filter=" + url.QueryEscape(`emails[type eq "work"].value eq "user054321@example.com"`)
				b.ReportAllocs()
				for b.Loop() {
					e.serve(b, "GET", path, "", 200)
				}
			})
			b.Run("FilterContains", func(b *testing.B) {
				// A scan of the directory: no index serves co.
				path := "/Users?filter=" + url.QueryEscape(`userName co "r05432"`)
				b.ReportAllocs()
				for b.Loop() {
					e.serve(b, "GET", path, "", 200)
				}
			})
			b.Run("CreateUser", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					e.seq++
					e.serve(b, "POST", "/Users", fmt.Sprintf(
						`{"userName":"new%d@example.com","active":true,"emails":[{"value":"new%d@example.com"}]}`,
						e.seq, e.seq), 201)
				}
			})
			for _, size := range []int{100, 10_000} {
				gid := fmt.Sprintf("grp_%d", size)
				e.makeGroup(b, gid, size)
				b.Run(fmt.Sprintf("AddMember/group=%d", size), func(b *testing.B) {
					next := size
					b.ReportAllocs()
					for b.Loop() {
						body := fmt.Sprintf(`{"Operations":[{"op":"add","path":"members","value":[{"value":"usr_%06d"}]}]}`,
							next%benchUsers)
						next++
						e.serve(b, "PATCH", "/Groups/"+gid, body, 204)
					}
				})
			}
		})
	}
}
