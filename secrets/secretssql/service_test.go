package secretssql_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
	"github.com/gatehouse/gatehouse/secrets"
)

func ring(t testing.TB, text string) *secrets.KeyRing {
	t.Helper()
	r, err := secrets.ParseKeyRing(text)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestServiceOnSQL runs the service end to end on each SQL dialect:
// versions, a ciphertext that does not open in another organization, API
// keys and a rewrap to a new key.
func TestServiceOnSQL(t *testing.T) {
	t.Parallel()
	sqlkittest.Each(t, func(t *testing.T, db *sql.DB) {
		t.Parallel()
		ctx := context.Background()
		st := newStore(t, db)
		k1, k2 := secrets.GenerateMasterKey(), secrets.GenerateMasterKey()
		svc, err := secrets.New(secrets.Config{Store: st, Keys: ring(t, "1:"+k1), CacheTTL: -1})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{"one", "two"} {
			if _, err := svc.Put(ctx, "org1", "db", secrets.NewStringValue(v), nil); err != nil {
				t.Fatal(err)
			}
		}
		r, err := svc.Get(ctx, "org1", "db", secrets.GetOptions{Version: 1})
		if err != nil || string(r.Value.Reveal()) != "one" {
			t.Fatalf("Get v1 = %q, %v", r.Value.Reveal(), err)
		}

		// A row copied into another organization does not open there.
		v, _ := st.Version(ctx, "org1", "db", 2)
		sec, _ := st.Secret(ctx, "org1", "db")
		sec.OrganizationID, v.OrganizationID, sec.LatestVersion, v.Version = "org2", "org2", 1, 1
		planted := secrets.Event{ID: "sev_planted", Type: "planted",
			OrganizationID: "org2", Time: time.Now()}
		if err := st.PutVersion(ctx, sec, v, 0, planted); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Get(ctx, "org2", "db", secrets.GetOptions{})
		if !errors.Is(err, secrets.ErrDecrypt) {
			t.Errorf("moved row: err = %v, want ErrDecrypt", err)
		}

		is, err := svc.IssueAPIKey(ctx, "org1", secrets.IssueRequest{Owner: secrets.Owner{
			Type: secrets.OwnerServiceAccount, ID: "ci"}, Name: "ci", Scopes: []string{"deploy"}})
		if err != nil {
			t.Fatal(err)
		}
		k, err := svc.VerifyAPIKey(ctx, string(is.Token.Reveal()))
		if err != nil || k.OrganizationID != "org1" || !k.HasScopes("deploy") {
			t.Errorf("VerifyAPIKey = %+v, %v", k, err)
		}

		both, _ := secrets.New(secrets.Config{Store: st, Keys: ring(t, "1:"+k1+",2:"+k2)})
		p, err := both.Rewrap(ctx, secrets.RewrapOptions{BatchSize: 1})
		if err != nil || p.Rewrapped != 2 || p.Failed != 1 { // org2's planted row cannot unwrap
			t.Errorf("Rewrap = %+v, %v", p, err)
		}
		onlyNew, _ := secrets.New(secrets.Config{Store: st, Keys: ring(t, "2:"+k2)})
		if r, err := onlyNew.Get(ctx, "org1", "db", secrets.GetOptions{}); err != nil ||
			string(r.Value.Reveal()) != "two" {
			t.Errorf("after rewrap, under key 2 only: %q, %v", r.Value.Reveal(), err)
		}
	})
}

// TestHotQueriesUseIndexes checks SQLite's plans for the queries the hot
// paths run.
func TestHotQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	db := sqlkittest.SQLite(t)
	newStore(t, db)
	for name, q := range map[string]string{
		"API key by hash": `SELECT id FROM secrets_api_keys WHERE hash = ?`,
		"latest version": `SELECT s.deleted_at, v.version FROM secrets_secrets s LEFT JOIN secrets_versions v
			ON v.organization_id = s.organization_id AND v.name = s.name AND v.version = s.latest_version
			WHERE s.organization_id = ? AND s.name = ?`,
		"rewrap walk": `SELECT version FROM secrets_versions WHERE (organization_id, name, version) > (?, ?, ?)
			AND key_id <> ? ORDER BY organization_id, name, version LIMIT 10`,
		"owner's keys": `SELECT id FROM secrets_api_keys WHERE organization_id = ? AND owner_type = ?
			AND owner_id = ? AND revoked_at IS NULL`,
	} {
		rows, err := db.Query(`EXPLAIN QUERY PLAN `+q, "a", "b", 1, "k")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			if !strings.HasPrefix(step, "SEARCH") {
				t.Errorf("%s: not an index search: %s", name, strings.Join(plan, "; "))
			}
		}
	}
}
