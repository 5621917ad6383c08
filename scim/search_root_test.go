package scim

import (
	"slices"
	"testing"
)

func TestRootSearch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, n := range []string{"ann", "ben"} {
		h.do("POST", "/Users", map[string]any{"userName": n, "displayName": "Team " + n}).must(t, 201)
	}
	h.do("POST", "/Groups", map[string]any{"displayName": "Team Gamma"}).must(t, 201)
	cases := []struct {
		name   string
		body   map[string]any
		total  float64
		names  []string
		status int
	}{
		{"both types", map[string]any{"filter": `displayName sw "team"`}, 3,
			[]string{"Team ann", "Team ben", "Team Gamma"}, 200},
		{"page across the types", map[string]any{"filter": `displayName sw "team"`, "startIndex": 2, "count": 2}, 3,
			[]string{"Team ben", "Team Gamma"}, 200},
		{"users only attribute", map[string]any{"filter": `userName eq "ben"`}, 1, []string{"Team ben"}, 200},
		{"count 0", map[string]any{"count": 0}, 3, nil, 200},
		{"sorted across types", map[string]any{"filter": `displayName sw "team"`, "sortBy": "displayName",
			"sortOrder": "descending"}, 3, []string{"Team Gamma", "Team ben", "Team ann"}, 200},
		{"sorted page", map[string]any{"sortBy": "displayName", "startIndex": 2, "count": 1}, 3,
			[]string{"Team ben"}, 200},
		{"sorted by a users-only attribute", map[string]any{"sortBy": "userName"}, 3,
			[]string{"Team ann", "Team ben", "Team Gamma"}, 200},
		{"unknown everywhere", map[string]any{"filter": `shoeSize eq "1"`}, 0, nil, 400},
		{"unknown sortBy", map[string]any{"sortBy": "shoeSize"}, 0, nil, 400},
		{"cursor and sortBy", map[string]any{"cursor": "", "sortBy": "displayName"}, 0, nil, 400},
		{"cursor and startIndex", map[string]any{"cursor": "", "startIndex": 2}, 0, nil, 400},
		{"malformed cursor", map[string]any{"cursor": "bm9wZQ"}, 0, nil, 400},
		{"cursor of another kind", map[string]any{"cursor": "Um9sZS94"}, 0, nil, 400},
	}
	for _, tc := range cases {
		r := h.do("POST", "/.search", tc.body)
		if r.status != tc.status {
			t.Errorf("%s: %d %s", tc.name, r.status, r.raw)
			continue
		}
		if tc.status != 200 {
			continue
		}
		var names []string
		for _, res := range r.body["Resources"].([]any) {
			names = append(names, res.(map[string]any)["displayName"].(string))
		}
		if r.body["totalResults"] != tc.total || len(names) != len(tc.names) {
			t.Errorf("%s: total %v, %v; want %v, %v", tc.name, r.body["totalResults"], names, tc.total, tc.names)
			continue
		}
		for i := range names {
			if names[i] != tc.names[i] {
				t.Errorf("%s: %v, want %v", tc.name, names, tc.names)
			}
		}
	}
}

// TestRootSearchCursor walks a root search with a cursor, page by page,
// across the users into the groups, and checks that every resource comes
// once, in order.
func TestRootSearchCursor(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var want []string
	for _, n := range []string{"ann", "ben", "cat"} {
		want = append(want, h.do("POST", "/Users", map[string]any{"userName": n}).must(t, 201).body["id"].(string))
	}
	for _, n := range []string{"One", "Two"} {
		want = append(want, h.do("POST", "/Groups", map[string]any{"displayName": n}).must(t, 201).body["id"].(string))
	}
	for _, count := range []int{1, 2, 3, 5, 10} {
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > len(want) {
				t.Fatalf("count %d: the cursor never ends", count)
			}
			r := h.do("POST", "/.search", map[string]any{"cursor": cursor, "count": count}).must(t, 200)
			if left := float64(len(want) - len(got)); r.body["totalResults"] != left {
				t.Errorf("count %d, page %d: totalResults %v, want %v", count, pages, r.body["totalResults"], left)
			}
			res := r.body["Resources"].([]any)
			if len(res) > count {
				t.Fatalf("count %d: a page of %d", count, len(res))
			}
			for _, x := range res {
				got = append(got, x.(map[string]any)["id"].(string))
			}
			next, _ := r.body["nextCursor"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
		if !slices.Equal(got, want) {
			t.Errorf("count %d: %v, want %v", count, got, want)
		}
	}
	filter := `id eq "` + want[2] + `" or id eq "` + want[4] + `"`
	r := h.do("POST", "/.search", map[string]any{"cursor": "", "count": 1, "filter": filter}).must(t, 200)
	next, _ := r.body["nextCursor"].(string)
	r = h.do("POST", "/.search", map[string]any{"cursor": next, "count": 1, "filter": filter}).must(t, 200)
	if res := r.body["Resources"].([]any); len(res) != 1 || res[0].(map[string]any)["id"] != want[4] ||
		r.body["nextCursor"] != nil {
		t.Errorf("filtered second page: %s", r.raw)
	}
}
