package scim

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// TestNestedGroups nests groups three deep with a cycle and checks that a
// user's groups attribute and MembershipsOfUser report each group once,
// direct ones first, the rest as indirect (RFC 7643 section 4.1.2).
func TestNestedGroups(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	u := h.do("POST", "/Users", map[string]any{"userName": "ann"}).must(t, 201).body["id"].(string)
	group := func(name string, members ...map[string]any) string {
		ms := []any{}
		for _, m := range members {
			ms = append(ms, m)
		}
		return h.do("POST", "/Groups", map[string]any{"displayName": name, "members": ms}).
			must(t, 201).body["id"].(string)
	}
	user := map[string]any{"value": u, "type": "User"}
	a := group("A", user)
	b := group("B", map[string]any{"value": a, "type": "Group"})
	c := group("C", map[string]any{"value": b, "type": "Group"}, user)
	// C in A closes a cycle: A holds C, C holds B, B holds A.
	h.do("PATCH", "/Groups/"+a, patchBody(map[string]any{"op": "add", "path": "members",
		"value": []any{map[string]any{"value": c, "type": "Group"}}})).must(t, 204)
	lonely := group("Unrelated")

	want := []string{a + " direct", c + " direct", b + " indirect"}
	r := h.do("GET", "/Users/"+u, nil).must(t, 200)
	var got []string
	for _, g := range r.body["groups"].([]any) {
		g := g.(map[string]any)
		got = append(got, fmt.Sprint(g["value"], " ", g["type"]))
	}
	if !slices.Equal(got, want) {
		t.Errorf("groups attribute = %v, want %v", got, want)
	}

	ms, err := h.svc.MembershipsOfUser(context.Background(), "org_1", h.dir.ID, u)
	got = nil
	for _, m := range ms {
		kind := map[bool]string{true: "direct", false: "indirect"}[m.Direct]
		got = append(got, m.GroupID+" "+kind)
	}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("MembershipsOfUser = %v, %v; want %v", got, err, want)
	}
	if slices.Contains(got, lonely+" indirect") {
		t.Error("a group the user is not in was reported")
	}
	if _, err := h.svc.MembershipsOfUser(context.Background(), "org_2", h.dir.ID, u); err == nil {
		t.Error("another organization read the user's memberships")
	}
}

// TestNestingIsBounded nests groups deeper than maxNesting and checks
// that the walk stops there.
func TestNestingIsBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	prev := map[string]any{"value": h.do("POST", "/Users", map[string]any{"userName": "deep"}).
		must(t, 201).body["id"].(string), "type": "User"}
	user := prev["value"].(string)
	for i := range maxNesting + 4 {
		id := h.do("POST", "/Groups", map[string]any{"displayName": fmt.Sprint("level ", i),
			"members": []any{prev}}).must(t, 201).body["id"].(string)
		prev = map[string]any{"value": id, "type": "Group"}
	}
	ms, err := h.svc.MembershipsOfUser(context.Background(), "org_1", h.dir.ID, user)
	if err != nil || len(ms) != maxNesting || !ms[0].Direct || ms[1].Direct {
		t.Errorf("MembershipsOfUser of a user %d levels down = %d groups, %v; want %d",
			maxNesting+4, len(ms), err, maxNesting)
	}
}
