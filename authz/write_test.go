package authz

import (
	"context"
	"errors"
	"testing"
)

func TestWriteValidation(t *testing.T) {
	t.Parallel()
	s, org := mustService(t, "drive.fga", tup("document:a", "owner", "user:owen"))
	ctx := context.Background()
	fresh := tup("document:b", "owner", "user:anne")
	tests := []struct {
		name string
		req  WriteRequest
		want error
	}{
		{"empty", WriteRequest{}, ErrInvalidRequest},
		{"unknown relation", WriteRequest{Writes: []Tuple{fresh, tup("document:a", "writer", "user:a")}}, ErrInvalidRequest},
		{"type not allowed", WriteRequest{Writes: []Tuple{fresh, tup("document:a", "owner", "group:eng#member")}}, ErrInvalidRequest},
		{"wildcard not allowed", WriteRequest{Writes: []Tuple{fresh, tup("document:a", "owner", "user:*")}}, ErrInvalidRequest},
		{"unknown object type", WriteRequest{Writes: []Tuple{fresh, tup("robot:a", "owner", "user:a")}}, ErrInvalidRequest},
		{"malformed user", WriteRequest{Writes: []Tuple{fresh, tup("document:a", "owner", "user")}}, ErrInvalidRequest},
		{"malformed object", WriteRequest{Writes: []Tuple{fresh, tup("document:", "owner", "user:a")}}, ErrInvalidRequest},
		{"twice in a batch", WriteRequest{Writes: []Tuple{fresh, fresh}}, ErrInvalidRequest},
		{"write and delete", WriteRequest{Writes: []Tuple{fresh}, Deletes: []Tuple{fresh}}, ErrInvalidRequest},
		{"duplicate", WriteRequest{Writes: []Tuple{fresh, tup("document:a", "owner", "user:owen")}}, ErrDuplicate},
		{"missing", WriteRequest{Writes: []Tuple{fresh}, Deletes: []Tuple{tup("document:z", "owner", "user:z")}}, ErrMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := s.Write(ctx, org, tc.req); !errors.Is(err, tc.want) {
				t.Fatalf("Write = %v, want %v", err, tc.want)
			}
			ok, err := s.Check(ctx, org, CheckRequest{Object: "document:b", Relation: "owner", User: "user:anne"})
			if ok || err != nil {
				t.Errorf("a refused batch was applied: %v, %v", ok, err)
			}
		})
	}
	if err := s.Write(ctx, org, WriteRequest{Writes: []Tuple{tup("document:a", "owner", "user:owen")},
		IgnoreDuplicates: true}); err != nil {
		t.Errorf("ignored duplicate: %v", err)
	}
}

func TestOrganizationsAreIsolated(t *testing.T) {
	t.Parallel()
	store := NewMemoryStore()
	s, _ := New(Config{Store: store})
	ctx := context.Background()
	src := "model\n schema 1.1\ntype user\ntype doc\n relations\n  define viewer: [user]\n"
	idA, err := s.WriteModelDSL(ctx, "org_a", src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteModelDSL(ctx, "org_b", src); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, "org_a", WriteRequest{Writes: []Tuple{tup("doc:1", "viewer", "user:anne")}}); err != nil {
		t.Fatal(err)
	}
	req := CheckRequest{Object: "doc:1", Relation: "viewer", User: "user:anne"}
	if ok, _ := s.Check(ctx, "org_a", req); !ok {
		t.Fatal("org_a lost its tuple")
	}
	if ok, _ := s.Check(ctx, "org_b", req); ok {
		t.Error("org_b sees org_a's tuple")
	}
	req.ModelID = idA
	if _, err := s.Check(ctx, "org_b", req); !errors.Is(err, ErrNotFound) {
		t.Errorf("org_b used org_a's model: %v", err)
	}
	if p, _ := s.ListObjects(ctx, "org_b", ListObjectsRequest{Type: "doc", Relation: "viewer", User: "user:anne"}); len(p.Items) != 0 {
		t.Errorf("org_b lists org_a's objects: %v", p.Items)
	}
	if p, _ := s.ListUsers(ctx, "org_b", ListUsersRequest{Object: "doc:1", Relation: "viewer", UserType: "user"}); len(p.Items) != 0 {
		t.Errorf("org_b lists org_a's users: %v", p.Items)
	}
	// A second service on the same store sees the write at once.
	s2, _ := New(Config{Store: store})
	if ok, err := s2.Check(ctx, "org_a", CheckRequest{Object: "doc:1", Relation: "viewer", User: "user:anne"}); !ok || err != nil {
		t.Errorf("another instance does not read the write: %v, %v", ok, err)
	}
}

func TestDeleteMatchingAndChanges(t *testing.T) {
	t.Parallel()
	s, org := mustService(t, "drive.fga",
		tup("document:a", "owner", "user:anne"),
		tup("document:b", "owner", "user:anne"),
		tup("document:b", "owner", "user:bob"),
	)
	ctx := context.Background()
	if _, err := s.DeleteMatching(ctx, org, Filter{}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("empty filter: %v, want ErrInvalidRequest", err)
	}
	n, err := s.DeleteMatching(ctx, org, Filter{User: "user:anne"})
	if err != nil || n != 2 {
		t.Fatalf("DeleteMatching = %d, %v; want 2", n, err)
	}
	left, _, err := s.Read(ctx, org, Filter{ObjectType: "document"}, "", 0)
	if err != nil || len(left) != 1 || left[0].User != "user:bob" {
		t.Errorf("left after deleting anne's tuples: %v, %v", left, err)
	}
	changes, cursor, err := s.ReadChanges(ctx, org, "", 0)
	if err != nil || len(changes) != 5 || changes[3].Op != ChangeDelete || cursor == "" {
		t.Errorf("changes = %+v, %q, %v", changes, cursor, err)
	}
	ms, _, err := s.Models(ctx, org, "", 0)
	if err != nil || len(ms) != 1 {
		t.Errorf("Models = %v, %v", ms, err)
	}
}

func TestObjectAndUserForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in string
		ok bool
	}{
		{"user:anne", true},
		{"user:anne@example.com", true}, // emails are IDs, as in OpenFGA
		{"user:*", true},
		{"group:eng#member", true},
		{"user:", false},
		{":anne", false},
		{"user", false},
		{"user:a:b", false},
		{"user:a b", false},
		{"user:*#member", false},
		{"group:eng#", false},
		{"gr oup:eng", false},
	}
	for _, tc := range tests {
		if _, err := parseUser(tc.in); (err == nil) != tc.ok {
			t.Errorf("parseUser(%q) = %v, want ok %v", tc.in, err, tc.ok)
		}
	}
}
