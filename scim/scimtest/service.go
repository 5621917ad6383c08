package scimtest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/scim"
)

// endpoint is a scim.Service on the store under test, for the cases that
// go through the protocol.
type endpoint struct {
	t     *testing.T
	h     http.Handler
	token string
	store scim.Store
}

func newEndpoint(t *testing.T, s scim.Store) *endpoint {
	t.Helper()
	svc, err := scim.New(scim.Config{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d, err := svc.CreateDirectory(ctx, "org_1", "IdP")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, err := svc.IssueToken(ctx, "org_1", d.ID, "idp")
	if err != nil {
		t.Fatal(err)
	}
	return &endpoint{t: t, h: svc.Handler(), token: sec.Reveal(), store: s}
}

func (e *endpoint) do(method, path, body string) (int, map[string]any) {
	e.t.Helper()
	req := httptest.NewRequest(method, "/scim/v2"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/scim+json")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

func (e *endpoint) eventTypes() []string {
	evs, err := e.store.Events(context.Background(), "", 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Type)
	}
	return out
}

// patchCases are PATCH requests on the user of patchUser, with the
// status, the attributes of the answer and the events they must give.
var patchCases = []struct {
	name   string
	ops    string
	status int
	want   map[string]any
	events []string
}{
	{"Entra replace of a work email", `[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"new@x.com"}]`,
		200, map[string]any{"emails": []any{map[string]any{"value": "new@x.com", "type": "work", "primary": true}}},
		[]string{scim.EventUserUpdated}},
	{"Entra disable with a string", `[{"op":"Replace","path":"active","value":"False"}]`,
		200, map[string]any{"active": false}, []string{scim.EventUserUpdated, scim.EventUserDeactivated}},
	{"Okta pathless replace", `[{"op":"replace","value":{"active":false,"displayName":"B"}}]`,
		200, map[string]any{"active": false, "displayName": "B"},
		[]string{scim.EventUserUpdated, scim.EventUserDeactivated}},
	{"dotted and URN keys", `[{"op":"add","value":{"name.givenName":"G","` + scim.SchemaEnterpriseUser +
		`:department":"D"}}]`, 200, map[string]any{"name": map[string]any{"givenName": "G", "familyName": "J"},
		scim.SchemaEnterpriseUser: map[string]any{"department": "D"}}, []string{scim.EventUserUpdated}},
	{"add a primary email", `[{"op":"add","path":"emails","value":[{"value":"p@x.com","primary":true}]}]`,
		200, map[string]any{"emails": []any{
			map[string]any{"value": "b@x.com", "type": "work", "primary": false},
			map[string]any{"value": "p@x.com", "primary": true}}}, []string{scim.EventUserUpdated}},
	{"remove by filter", `[{"op":"remove","path":"emails[type eq \"work\"]"}]`,
		200, map[string]any{"emails": nil}, []string{scim.EventUserUpdated}},
	{"empty operations", `[]`, 200, map[string]any{"active": true}, nil},
	{"half bad", `[{"op":"replace","path":"active","value":false},{"op":"replace","path":"id","value":"x"}]`,
		400, nil, nil},
	{"noTarget", `[{"op":"replace","path":"emails[value co \"zzz\"].type","value":"home"}]`, 400, nil, nil},
}

func testServicePatches(t *testing.T, s scim.Store) {
	e := newEndpoint(t, s)
	for i, tc := range patchCases {
		n := len(e.eventTypes())
		status, u := e.do("POST", "/Users", `{"userName":"b`+string(rune('a'+i))+`@x.com","active":true,
			"name":{"familyName":"J"},"emails":[{"value":"b@x.com","type":"work","primary":true}]}`)
		if status != 201 {
			t.Fatalf("%s: create: %d %v", tc.name, status, u)
		}
		n++
		status, got := e.do("PATCH", "/Users/"+u["id"].(string), `{"Operations":`+tc.ops+`}`)
		if status != tc.status {
			t.Errorf("%s: status %d, want %d: %v", tc.name, status, tc.status, got)
			continue
		}
		for k, want := range tc.want {
			if !reflect.DeepEqual(got[k], want) {
				t.Errorf("%s: %s = %v, want %v", tc.name, k, got[k], want)
			}
		}
		if evs := e.eventTypes()[n:]; !slices.Equal(evs, tc.events) {
			t.Errorf("%s: events %v, want %v", tc.name, evs, tc.events)
		}
	}
}

func testServiceGroups(t *testing.T, s scim.Store) {
	e := newEndpoint(t, s)
	var ids []string
	for _, n := range []string{"a", "b", "c"} {
		_, u := e.do("POST", "/Users", `{"userName":"`+n+`"}`)
		ids = append(ids, u["id"].(string))
	}
	_, g := e.do("POST", "/Groups", `{"displayName":"G","members":[{"value":"`+ids[0]+`"}]}`)
	gid := g["id"].(string)
	steps := []struct{ ops, want string }{
		{`[{"op":"add","path":"members","value":[{"value":"` + ids[1] + `"},{"value":"` + ids[2] + `"}]}]`, "abc"},
		{`[{"op":"remove","path":"members[value eq \"` + ids[1] + `\"]"}]`, "ac"},
		{`[{"op":"Remove","path":"members","value":[{"value":"` + ids[0] + `"}]}]`, "c"},
		{`[{"op":"replace","path":"members","value":[{"value":"` + ids[0] + `"},{"value":"` + ids[1] + `"}]}]`, "ab"},
		{`[{"op":"replace","path":"members","value":[]}]`, ""},
	}
	for _, st := range steps {
		if status, body := e.do("PATCH", "/Groups/"+gid, `{"Operations":`+st.ops+`}`); status != 204 {
			t.Fatalf("PATCH %s: %d %v", st.ops, status, body)
		}
		_, got := e.do("GET", "/Groups/"+gid, "")
		var names string
		for _, m := range asList(got["members"]) {
			names += map[string]string{ids[0]: "a", ids[1]: "b", ids[2]: "c"}[m.(map[string]any)["value"].(string)]
		}
		if sorted := sortString(names); sorted != st.want {
			t.Errorf("after %s: members %q, want %q", st.ops, sorted, st.want)
		}
	}
	e.do("PATCH", "/Groups/"+gid, `{"Operations":[{"op":"add","path":"members","value":[{"value":"`+ids[2]+`"}]}]}`)
	for filter, want := range map[string]float64{
		`id eq "` + gid + `" and members eq "` + ids[2] + `"`: 1,
		`id eq "` + gid + `" and members eq "` + ids[0] + `"`: 0,
	} {
		_, got := e.do("GET", "/Groups?attributes=id&filter="+url.QueryEscape(filter), "")
		if got["totalResults"] != want {
			t.Errorf("filter %s: %v, want %v results", filter, got, want)
		}
	}
	e.do("DELETE", "/Groups/"+gid, "")
	added, removed := 0, 0
	for _, ev := range e.eventTypes() {
		switch ev {
		case scim.EventMemberAdded:
			added++
		case scim.EventMemberRemoved:
			removed++
		}
	}
	if added != 6 || removed != 5 {
		t.Errorf("member events: %d added, %d removed; want 6 and 5", added, removed)
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }

func sortString(s string) string {
	b := []byte(s)
	slices.Sort(b)
	return string(b)
}
