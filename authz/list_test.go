package authz

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func driveData() []Tuple {
	return []Tuple{
		tup("group:eng", "member", "user:anne"),
		tup("group:all", "member", "group:eng#member"),
		tup("folder:root", "viewer", "group:all#member"),
		tup("folder:sub", "parent", "folder:root"),
		tup("document:spec", "parent", "folder:sub"),
		tup("document:spec", "owner", "user:owen"),
		tup("document:notes", "viewer", "user:anne"),
		tup("document:public", "viewer", "user:*"),
		tup("document:spec", "blocked", "user:anne"),
		tup("document:secret", "owner", "user:owen"),
		tup("group:loop1", "member", "group:loop2#member"),
		tup("group:loop2", "member", "group:loop1#member"),
		tup("group:loop2", "member", "user:lou"),
	}
}

func TestListObjects(t *testing.T) {
	t.Parallel()
	s, org := mustService(t, "drive.fga", driveData()...)
	tests := []struct {
		name, typ, rel, user string
		want                 []string
	}{
		{"through groups, folders and wildcards", "document", "viewer", "user:anne",
			[]string{"document:notes", "document:public", "document:spec"}},
		{"exclusion removes the banned", "document", "can_view", "user:anne",
			[]string{"document:notes", "document:public"}},
		{"owner", "document", "editor", "user:owen", []string{"document:secret", "document:spec"}},
		{"only the wildcard for a stranger", "document", "viewer", "user:eve", []string{"document:public"}},
		{"folders", "folder", "viewer", "user:anne", []string{"folder:root", "folder:sub"}},
		{"cyclic groups", "group", "member", "user:lou", []string{"group:loop1", "group:loop2"}},
		{"userset as user", "folder", "viewer", "group:eng#member", []string{"folder:root", "folder:sub"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := s.ListObjects(context.Background(), org, ListObjectsRequest{Type: tc.typ, Relation: tc.rel, User: tc.user})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got.Items); d != "" || got.Cursor != "" {
				t.Errorf("ListObjects (-want +got):\n%s cursor %q", d, got.Cursor)
			}
		})
	}
}

func TestListUsers(t *testing.T) {
	t.Parallel()
	s, org := mustService(t, "drive.fga", driveData()...)
	tests := []struct {
		name, object, rel, userType string
		want                        []string
	}{
		{"through folders and groups", "document:spec", "viewer", "user", []string{"user:anne", "user:owen"}},
		{"exclusion", "document:spec", "can_view", "user", []string{"user:owen"}},
		{"wildcard", "document:public", "viewer", "user", []string{"user:*"}},
		{"usersets", "document:spec", "viewer", "group#member", []string{"group:all#member", "group:eng#member"}},
		{"cyclic groups", "group:loop1", "member", "user", []string{"user:lou"}},
		{"nobody", "document:none", "viewer", "user", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := s.ListUsers(context.Background(), org, ListUsersRequest{Object: tc.object, Relation: tc.rel, UserType: tc.userType})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got.Items); d != "" || got.Cursor != "" {
				t.Errorf("ListUsers (-want +got):\n%s cursor %q", d, got.Cursor)
			}
		})
	}
}

func TestListPagingIsComplete(t *testing.T) {
	t.Parallel()
	var ts []Tuple
	var want []string
	for i := range 95 {
		obj := fmt.Sprintf("document:d%03d", i)
		ts = append(ts, tup(obj, "viewer", "group:eng#member"))
		want = append(want, obj)
		if i%10 == 0 {
			ts = append(ts, tup(obj, "blocked", "user:anne"))
		}
	}
	ts = append(ts, tup("group:eng", "member", "user:anne"))
	s, org := mustService(t, "drive.fga", ts...)
	var wantVisible []string
	for i, obj := range want {
		if i%10 != 0 {
			wantVisible = append(wantVisible, obj)
		}
	}
	for _, rel := range []string{"viewer", "can_view"} {
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 20 {
				t.Fatal("paging does not end")
			}
			p, err := s.ListObjects(context.Background(), org, ListObjectsRequest{Type: "document", Relation: rel,
				User: "user:anne", Cursor: cursor, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) > 10 {
				t.Fatalf("page of %d", len(p.Items))
			}
			got = append(got, p.Items...)
			if cursor = p.Cursor; cursor == "" {
				break
			}
		}
		w := want
		if rel == "can_view" {
			w = wantVisible
		}
		if d := cmp.Diff(w, got); d != "" {
			t.Errorf("%s pages (-want +got):\n%s", rel, d)
		}
	}
	_, err := s.ListObjects(context.Background(), org, ListObjectsRequest{Type: "document", Relation: "viewer",
		User: "user:anne", Cursor: "forged"})
	if err == nil {
		t.Error("a forged cursor was accepted")
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	s, org := mustService(t, "drive.fga", driveData()...)
	got, err := s.Expand(context.Background(), org, ExpandRequest{Object: "document:spec", Relation: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	want := &Tree{Name: "document:spec#viewer", Op: "or", Children: []*Tree{
		{Name: "document:spec#viewer", Op: "direct"},
		{Name: "document:spec#viewer", Op: "computed", Usersets: []string{"document:spec#editor"}},
		{Name: "document:spec#viewer", Op: "from", Usersets: []string{"folder:sub#viewer"}},
	}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Expand (-want +got):\n%s", d)
	}
}

func TestListUsersExcludedUnderWildcard(t *testing.T) {
	t.Parallel()
	s, org := mustService(t, "drive.fga",
		tup("document:public", "viewer", "user:*"),
		tup("document:public", "blocked", "user:bad"),
		tup("document:public", "viewer", "user:bad"),
	)
	got, err := s.ListUsers(context.Background(), org, ListUsersRequest{Object: "document:public",
		Relation: "can_view", UserType: "user"})
	if err != nil {
		t.Fatal(err)
	}
	want := ListPage{Items: []string{"user:*"}, Excluded: []string{"user:bad"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ListUsers (-want +got):\n%s", d)
	}
}

func TestExpandDeep(t *testing.T) {
	t.Parallel()
	s, org := mustService(t, "drive.fga", driveData()...)
	ctx := context.Background()
	got, err := s.Expand(ctx, org, ExpandRequest{Object: "folder:sub", Relation: "viewer", Levels: 8})
	if err != nil {
		t.Fatal(err)
	}
	// Collect the names reached and the users at direct nodes.
	names, users := map[string]bool{}, map[string]bool{}
	var walk func(*Tree)
	walk = func(t *Tree) {
		names[t.Name] = true
		for _, u := range t.Users {
			users[u] = true
		}
		for _, c := range t.Children {
			walk(c)
		}
		for _, e := range t.Expanded {
			walk(e)
		}
	}
	walk(got)
	for _, want := range []string{"folder:root#viewer", "group:all#member", "group:eng#member"} {
		if !names[want] {
			t.Errorf("deep expansion did not reach %s", want)
		}
	}
	if !users["user:anne"] {
		t.Error("deep expansion did not reach user:anne")
	}
	shallow, err := s.Expand(ctx, org, ExpandRequest{Object: "folder:sub", Relation: "viewer", Levels: 2})
	if err != nil {
		t.Fatal(err)
	}
	var truncated bool
	walk = func(t *Tree) {
		truncated = truncated || t.Truncated
		for _, c := range t.Children {
			walk(c)
		}
		for _, e := range t.Expanded {
			walk(e)
		}
	}
	walk(shallow)
	if !truncated {
		t.Error("a two-level expansion of a deeper tree does not say it was truncated")
	}
	// Cyclic groups end.
	if _, err := s.Expand(ctx, org, ExpandRequest{Object: "group:loop1", Relation: "member", Levels: 8}); err != nil {
		t.Errorf("expanding cyclic groups: %v", err)
	}
}
