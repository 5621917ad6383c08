package scimsql_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
	"github.com/gatehouse/gatehouse/scim"
	"github.com/gatehouse/gatehouse/scim/scimsql"
)

type endpoint struct {
	t     testing.TB
	srv   *httptest.Server
	token string
	store *scimsql.Store
}

func newEndpoint(t testing.TB, db *sql.DB) *endpoint {
	t.Helper()
	ctx := context.Background()
	if err := scimsql.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	store, _ := scimsql.New(db)
	svc, err := scim.New(scim.Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := svc.CreateDirectory(ctx, "org_1", "Entra ID")
	_, sec, err := svc.IssueToken(ctx, "org_1", dir.ID, "entra")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", svc.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &endpoint{t: t, srv: srv, token: sec.Reveal(), store: store}
}

func (e *endpoint) do(method, path, body string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+"/scim/v2"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// TestEndToEnd runs an Entra ID style provisioning sequence through the
// handler on each database.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	sqlkittest.Each(t, func(t *testing.T, db *sql.DB) {
		e := newEndpoint(t, db)
		status, body := e.do("POST", "/Users", `{"schemas":["`+scim.SchemaUser+`"],"userName":"Test@Contoso.com",
			"externalId":"x1","active":true,"emails":[{"type":"work","value":"test@contoso.com","primary":true}]}`)
		if status != 201 {
			t.Fatalf("create: %d %v", status, body)
		}
		id := body["id"].(string)
		if status, _ := e.do("POST", "/Users", `{"userName":"test@CONTOSO.com"}`); status != 409 {
			t.Errorf("duplicate userName: %d", status)
		}
		for _, f := range []string{`userName eq "test@contoso.com"`, `externalId eq "x1"`,
			`emails[type eq "work"].value eq "TEST@contoso.com"`, `emails.value eq "test@contoso.com" and active eq true`} {
			_, body = e.do("GET", "/Users?filter="+url.QueryEscape(f), "")
			if body["totalResults"] != 1.0 {
				t.Errorf("filter %s: %v", f, body)
			}
		}
		status, body = e.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations":[{"op":"Replace","path":"active","value":"False"},{"op":"Add","path":"emails[type eq \"work\"].value","value":"new@contoso.com"}]}`)
		if status != 200 || body["active"] != false {
			t.Fatalf("patch: %d %v", status, body)
		}
		_, body = e.do("GET", "/Users?filter="+url.QueryEscape(`emails.value eq "new@contoso.com"`), "")
		if body["totalResults"] != 1.0 {
			t.Errorf("email index not updated: %v", body)
		}
		status, body = e.do("POST", "/Groups", `{"displayName":"Eng","members":[{"value":"`+id+`"}]}`)
		if status != 201 {
			t.Fatalf("group: %d %v", status, body)
		}
		gid := body["id"].(string)
		if status, _ := e.do("POST", "/Groups", `{"displayName":"Ops"}`); status != 201 {
			t.Fatalf("second group: %d", status)
		}
		for f, want := range map[string]float64{
			`members eq "` + id + `"`:                                1,
			`not (members eq "` + id + `")`:                          1,
			`members eq "usr_x" or displayName eq "ops"`:             1,
			`members[value eq "` + id + `"] or displayName eq "ops"`: 2,
		} {
			if _, body := e.do("GET", "/Groups?filter="+url.QueryEscape(f), ""); body["totalResults"] != want {
				t.Errorf("group filter %s: %v, want %v results", f, body, want)
			}
		}
		status, body = e.do("POST", "/Groups", `{"displayName":"All","members":[{"value":"`+gid+`","type":"Group"}]}`)
		if status != 201 {
			t.Fatalf("nested group: %d %v", status, body)
		}
		_, body = e.do("GET", "/Users/"+id, "")
		if gs, _ := body["groups"].([]any); len(gs) != 2 || gs[1].(map[string]any)["type"] != "indirect" {
			t.Errorf("groups of a user in a nested group: %v", body["groups"])
		}
		e.do("PATCH", "/Groups/"+gid, `{"Operations":[{"op":"Remove","path":"members[value eq \"`+id+`\"]"}]}`)
		e.do("DELETE", "/Users/"+id, "")
		evs, err := e.store.Events(context.Background(), "", 100)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, ev := range evs {
			types = append(types, ev.Type)
		}
		want := []string{scim.EventUserCreated, scim.EventUserUpdated, scim.EventUserDeactivated,
			scim.EventGroupCreated, scim.EventMemberAdded, scim.EventGroupCreated, scim.EventGroupCreated,
			scim.EventMemberAdded, scim.EventMemberRemoved, scim.EventUserDeleted}
		if !slices.Equal(types, want) {
			t.Errorf("events = %v, want %v", types, want)
		}
	})
}
