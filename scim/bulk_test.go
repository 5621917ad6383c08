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
		{"forward reference", map[string]any{"method": "DELETE", "path": "/Users/bulkId:later"}, "409"},
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
	many := make([]any, MaxBulkOperations+1)
	for i := range many {
		many[i] = map[string]any{"method": "DELETE", "path": "/Users/x"}
	}
	h.do("POST", "/Bulk", map[string]any{"Operations": many}).scimError(t, 413, ScimTypeTooMany)
}
