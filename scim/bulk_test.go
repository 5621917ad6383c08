package scim

import (
	"slices"
	"strings"
	"testing"
)

func TestBulk(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// The example of RFC 7644 section 3.7.2: a user, then a group whose
	// member refers to the user by bulkId.
	r := h.do("POST", "/Bulk", map[string]any{
		"schemas": []any{schemaBulkRequest}, "failOnErrors": 1,
		"Operations": []any{
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "qwerty",
				"data": map[string]any{"schemas": []any{SchemaUser}, "userName": "Alice"}},
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "ytrewq",
				"data": map[string]any{"schemas": []any{SchemaGroup}, "displayName": "Tour Guides",
					"members": []any{map[string]any{"type": "User", "value": "bulkId:qwerty"}}}},
			map[string]any{"method": "PATCH", "path": "/Users/bulkId:qwerty",
				"data": map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}}},
		},
	}).must(t, 200)
	ops := r.body["Operations"].([]any)
	var statuses []string
	for _, op := range ops {
		statuses = append(statuses, op.(map[string]any)["status"].(string))
	}
	if !slices.Equal(statuses, []string{"201", "201", "200"}) {
		t.Fatalf("statuses %v: %s", statuses, r.raw)
	}
	userLoc := get(ops[0], "location").(string)
	groupLoc := get(ops[1], "location").(string)
	userID := userLoc[strings.LastIndex(userLoc, "/")+1:]
	g := h.do("GET", strings.TrimPrefix(groupLoc, h.srv.URL+"/scim/v2"), nil).must(t, 200)
	if get(g.body, "members.0.value") != userID {
		t.Errorf("group members = %v, want %s", g.body["members"], userID)
	}
	if u := h.do("GET", "/Users/"+userID, nil).must(t, 200); u.body["active"] != false {
		t.Errorf("bulk PATCH not applied: %s", u.raw)
	}

	// failOnErrors stops after the first error; earlier operations stay.
	r = h.do("POST", "/Bulk", map[string]any{"failOnErrors": 1, "Operations": []any{
		map[string]any{"method": "POST", "path": "/Users", "data": map[string]any{"userName": "alice"}},
		map[string]any{"method": "POST", "path": "/Users", "data": map[string]any{"userName": "bob"}},
	}}).must(t, 200)
	ops = r.body["Operations"].([]any)
	if len(ops) != 1 || get(ops[0], "status") != "409" || get(ops[0], "response.scimType") != ScimTypeUniqueness {
		t.Errorf("failOnErrors: %s", r.raw)
	}
	if res := h.do("GET", "/Users?filter="+q(`userName eq "bob"`), nil); res.body["totalResults"] != 0.0 {
		t.Errorf("operation after failOnErrors ran")
	}

	bad := []struct {
		name string
		op   map[string]any
		code string
	}{
		{"unknown reference", map[string]any{"method": "DELETE", "path": "/Users/bulkId:nowhere"}, "409"},
		{"bad method", map[string]any{"method": "GET", "path": "/Users"}, "400"},
		{"discovery path", map[string]any{"method": "POST", "path": "/Schemas", "data": map[string]any{}}, "400"},
		{"POST to an ID", map[string]any{"method": "POST", "path": "/Users/usr_1", "data": map[string]any{"userName": "x"}}, "400"},
		{"no data", map[string]any{"method": "PUT", "path": "/Users/" + userID}, "400"},
		{"missing", map[string]any{"method": "DELETE", "path": "/Users/usr_missing"}, "404"},
	}
	for _, tc := range bad {
		r := h.do("POST", "/Bulk", map[string]any{"Operations": []any{tc.op}}).must(t, 200)
		if got := get(r.body, "Operations.0.status"); got != tc.code {
			t.Errorf("%s: status %v, want %s: %s", tc.name, got, tc.code, r.raw)
		}
	}
	// A group that refers to a user created later in the request waits
	// for it; a cycle fails on its references.
	r = h.do("POST", "/Bulk", map[string]any{"Operations": []any{
		map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g",
			"data": map[string]any{"displayName": "Later", "members": []any{map[string]any{"value": "bulkId:u"}}}},
		map[string]any{"method": "POST", "path": "/Users", "bulkId": "u", "data": map[string]any{"userName": "later"}},
		map[string]any{"method": "POST", "path": "/Groups", "bulkId": "c1",
			"data": map[string]any{"displayName": "C1", "members": []any{map[string]any{"value": "bulkId:c2"}}}},
		map[string]any{"method": "POST", "path": "/Groups", "bulkId": "c2",
			"data": map[string]any{"displayName": "C2", "members": []any{map[string]any{"value": "bulkId:c1"}}}},
	}}).must(t, 200)
	got := map[string]string{}
	var order []string
	for _, op := range r.body["Operations"].([]any) {
		m := op.(map[string]any)
		got[m["bulkId"].(string)] = m["status"].(string)
		order = append(order, m["bulkId"].(string))
	}
	if got["u"] != "201" || got["g"] != "201" || got["c1"] != "409" || got["c2"] != "409" || order[0] != "u" {
		t.Errorf("forward references: %v in order %v", got, order)
	}

	many := make([]any, MaxBulkOperations+1)
	for i := range many {
		many[i] = map[string]any{"method": "DELETE", "path": "/Users/x"}
	}
	h.do("POST", "/Bulk", map[string]any{"Operations": many}).scimError(t, 413, ScimTypeTooMany)
}
