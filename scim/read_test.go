package scim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestHostReadAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	var ids []string
	for i := range 5 {
		u := oktaUser(fmt.Sprintf("u%d@example.com", i))
		u["active"] = i%2 == 0
		ids = append(ids, h.do("POST", "/Users", u).must(t, 201).body["id"].(string))
	}
	gid := h.do("POST", "/Groups", map[string]any{"displayName": "Eng",
		"members": []any{map[string]any{"value": ids[1]}, map[string]any{"value": ids[3]}}}).must(t, 201).body["id"].(string)

	var seen []string
	opts := ListOptions{Filter: "active eq true", Limit: 2}
	for {
		p, err := h.svc.Users(ctx, "org_1", h.dir.ID, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range p.Users {
			seen = append(seen, u.ID)
			if !u.Active || u.PrimaryEmail() != u.UserName || u.Name.GivenName != "John" {
				t.Errorf("user view = %+v", u)
			}
		}
		if p.Next == "" {
			break
		}
		opts.After = p.Next
	}
	if want := []string{ids[0], ids[2], ids[4]}; !slices.Equal(seen, want) {
		t.Errorf("active users = %v, want %v", seen, want)
	}
	ms, err := h.svc.Members(ctx, "org_1", h.dir.ID, gid, "", 10)
	if err != nil || len(ms) != 2 {
		t.Errorf("Members = %v, %v", ms, err)
	}
	gs, err := h.svc.GroupsOfUser(ctx, "org_1", h.dir.ID, ids[3])
	if err != nil || !slices.Equal(gs, []string{gid}) {
		t.Errorf("GroupsOfUser = %v, %v", gs, err)
	}
	g, err := h.svc.Group(ctx, "org_1", h.dir.ID, gid)
	if err != nil || g.DisplayName != "Eng" {
		t.Errorf("Group = %+v, %v", g, err)
	}

	// Another organization reads nothing.
	for name, err := range map[string]error{
		"Users":   second(h.svc.Users(ctx, "org_2", h.dir.ID, ListOptions{})),
		"User":    second(h.svc.User(ctx, "org_2", h.dir.ID, ids[0])),
		"Group":   second(h.svc.Group(ctx, "org_2", h.dir.ID, gid)),
		"Members": second(h.svc.Members(ctx, "org_2", h.dir.ID, gid, "", 10)),
		"Groups":  second(h.svc.GroupsOfUser(ctx, "org_2", h.dir.ID, ids[3])),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s from another organization: %v", name, err)
		}
	}
	if _, err := h.svc.Users(ctx, "org_1", h.dir.ID, ListOptions{Filter: "bogus"}); err == nil {
		t.Error("a bad filter was accepted")
	}
}

func second[T any](_ T, err error) error { return err }
