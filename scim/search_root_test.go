package scim

import "testing"

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
		{"cursor", map[string]any{"cursor": ""}, 0, nil, 400},
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
