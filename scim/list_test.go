package scim

import (
	"fmt"
	"slices"
	"testing"
)

func userNames(r *response) []string {
	var out []string
	for _, res := range r.body["Resources"].([]any) {
		out = append(out, res.(map[string]any)["userName"].(string))
	}
	return out
}

func TestListPagingAndSorting(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, n := range []string{"carol", "alice", "Bob", "dave", "erin"} {
		h.do("POST", "/Users", map[string]any{"userName": n, "title": "t-" + n}).must(t, 201)
	}
	cases := []struct {
		name, query string
		want        []string
		total       float64
	}{
		{"creation order", "", []string{"carol", "alice", "Bob", "dave", "erin"}, 5},
		{"sorted", "?sortBy=userName", []string{"alice", "Bob", "carol", "dave", "erin"}, 5},
		{"descending", "?sortBy=userName&sortOrder=descending&count=2", []string{"erin", "dave"}, 5},
		{"page 2", "?sortBy=userName&startIndex=3&count=2", []string{"carol", "dave"}, 5},
		{"count 0", "?count=0", nil, 5},
		{"negative count", "?count=-3", nil, 5},
		{"filter and page", "?filter=" + q(`userName co "a"`) + "&sortBy=userName&count=2", []string{"alice", "carol"}, 3},
	}
	for _, tc := range cases {
		r := h.do("GET", "/Users"+tc.query, nil).must(t, 200)
		if got := userNames(r); !slices.Equal(got, tc.want) || r.body["totalResults"] != tc.total {
			t.Errorf("%s: %v (total %v), want %v (%v)", tc.name, got, r.body["totalResults"], tc.want, tc.total)
		}
		if r.body["itemsPerPage"] != float64(len(tc.want)) {
			t.Errorf("%s: itemsPerPage %v", tc.name, r.body["itemsPerPage"])
		}
	}

	// POST .search takes the same parameters in a body.
	r := h.do("POST", "/Users/.search", map[string]any{"schemas": []any{schemaSearchRequest},
		"filter": `title sw "t-d"`, "attributes": []any{"title"}}).must(t, 200)
	if res := r.body["Resources"].([]any); len(res) != 1 || res[0].(map[string]any)["title"] != "t-dave" ||
		res[0].(map[string]any)["userName"] != nil {
		t.Errorf(".search: %s", r.raw)
	}

	// Cursor paging walks everything once.
	var seen []string
	cursor := ""
	for i := 0; i < 10; i++ {
		r := h.do("GET", fmt.Sprintf("/Users?count=2&cursor=%s", cursor), nil).must(t, 200)
		seen = append(seen, userNames(r)...)
		next, _ := r.body["nextCursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	if want := []string{"carol", "alice", "Bob", "dave", "erin"}; !slices.Equal(seen, want) {
		t.Errorf("cursor paging saw %v, want %v", seen, want)
	}
}

func TestProjection(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	u := entraUser("p@contoso.com", "p")
	id := h.do("POST", "/Users", u).must(t, 201).body["id"].(string)
	cases := []struct {
		query   string
		present []string
		absent  []string
	}{
		{"?attributes=name.givenName", []string{"id", "schemas", "name"}, []string{"userName", "emails", "meta"}},
		{"?attributes=" + SchemaEnterpriseUser + ":department", []string{SchemaEnterpriseUser}, []string{"userName"}},
		{"?excludedAttributes=emails,name", []string{"userName", "meta"}, []string{"emails", "name"}},
		{"?excludedAttributes=" + SchemaEnterpriseUser, []string{"userName"}, []string{SchemaEnterpriseUser}},
	}
	for _, tc := range cases {
		r := h.do("GET", "/Users/"+id+tc.query, nil).must(t, 200)
		for _, k := range tc.present {
			if r.body[k] == nil {
				t.Errorf("%s: %s missing: %s", tc.query, k, r.raw)
			}
		}
		for _, k := range tc.absent {
			if r.body[k] != nil {
				t.Errorf("%s: %s present: %s", tc.query, k, r.raw)
			}
		}
	}
	r := h.do("GET", "/Users/"+id+"?attributes=name.givenName", nil).must(t, 200)
	if name := r.body["name"].(map[string]any); len(name) != 1 || name["givenName"] != "givenName" {
		t.Errorf("name.givenName projection = %v", name)
	}
	r = h.do("GET", "/Users/"+id+"?attributes="+SchemaEnterpriseUser+":department", nil).must(t, 200)
	if ent := r.body[SchemaEnterpriseUser].(map[string]any); len(ent) != 1 || ent["department"] != "Sales" {
		t.Errorf("extension projection = %v", ent)
	}
}
