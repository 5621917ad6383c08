package authz

import (
	"context"
	"errors"
	"os"
	"testing"
)

func mustService(t testing.TB, file string, tuples ...Tuple) (*Service, string) {
	t.Helper()
	s, err := New(Config{Store: NewMemoryStore()})
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/models/" + file)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.WriteModelDSL(ctx, "org1", string(src)); err != nil {
		t.Fatal(err)
	}
	if len(tuples) > 0 {
		if err := s.Write(ctx, "org1", WriteRequest{Writes: tuples}); err != nil {
			t.Fatal(err)
		}
	}
	return s, "org1"
}

func tup(object, relation, user string) Tuple {
	return Tuple{Object: object, Relation: relation, User: user}
}

func TestCheckDrive(t *testing.T) {
	t.Parallel()
	s, org := mustService(t, "drive.fga",
		tup("group:eng", "member", "user:anne"),
		tup("group:all", "member", "group:eng#member"),
		tup("folder:root", "viewer", "group:all#member"),
		tup("folder:sub", "parent", "folder:root"),
		tup("document:spec", "parent", "folder:sub"),
		tup("document:spec", "owner", "user:owen"),
		tup("document:public", "viewer", "user:*"),
		tup("document:spec", "blocked", "user:anne"),
		tup("group:loop1", "member", "group:loop2#member"),
		tup("group:loop2", "member", "group:loop1#member"),
	)
	tests := []struct {
		name, object, relation, user string
		want                         bool
	}{
		{"nested groups through parent folders", "document:spec", "viewer", "user:anne", true},
		{"owner is editor", "document:spec", "editor", "user:owen", true},
		{"owner views", "document:spec", "viewer", "user:owen", true},
		{"viewer is not editor", "document:spec", "editor", "user:anne", false},
		{"banned user excluded", "document:spec", "can_view", "user:anne", false},
		{"owner not excluded", "document:spec", "can_view", "user:owen", true},
		{"stranger denied", "document:spec", "viewer", "user:eve", false},
		{"wildcard", "document:public", "viewer", "user:eve", true},
		{"wildcard itself", "document:public", "viewer", "user:*", true},
		{"userset as user", "document:spec", "viewer", "group:eng#member", true},
		{"userset contains itself", "group:eng", "member", "group:eng#member", true},
		{"cycle ends", "group:loop1", "member", "user:anne", false},
		{"unrelated object", "document:other", "viewer", "user:anne", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := s.Check(context.Background(), org, CheckRequest{Object: tc.object, Relation: tc.relation, User: tc.user})
			if err != nil || got != tc.want {
				t.Errorf("Check(%s#%s@%s) = %v, %v; want %v", tc.object, tc.relation, tc.user, got, err, tc.want)
			}
		})
	}
}

func TestCheckErrors(t *testing.T) {
	t.Parallel()
	s, org := mustService(t, "drive.fga")
	ctx := context.Background()
	tests := []struct {
		name string
		req  CheckRequest
		want error
	}{
		{"unknown relation", CheckRequest{Object: "document:a", Relation: "writer", User: "user:a"}, ErrInvalidRequest},
		{"bad object", CheckRequest{Object: "document", Relation: "viewer", User: "user:a"}, ErrInvalidRequest},
		{"bad user", CheckRequest{Object: "document:a", Relation: "viewer", User: "anne"}, ErrInvalidRequest},
		{"unknown user type", CheckRequest{Object: "document:a", Relation: "viewer", User: "robot:a"}, ErrInvalidRequest},
		{"unknown userset relation", CheckRequest{Object: "document:a", Relation: "viewer", User: "group:a#nope"}, ErrInvalidRequest},
		{"bad contextual tuple", CheckRequest{Object: "document:a", Relation: "viewer", User: "user:a",
			ContextualTuples: []Tuple{tup("document:a", "viewer", "folder:x")}}, ErrInvalidRequest},
		{"unknown model", CheckRequest{Object: "document:a", Relation: "viewer", User: "user:a", ModelID: "azm_x"}, ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ok, err := s.Check(ctx, org, tc.req)
			if ok || !errors.Is(err, tc.want) {
				t.Errorf("Check = %v, %v; want %v", ok, err, tc.want)
			}
		})
	}
	if _, err := s.Check(ctx, "other-org", CheckRequest{Object: "document:a", Relation: "viewer", User: "user:a"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("org without a model: %v", err)
	}
}

func TestCheckDepthBound(t *testing.T) {
	t.Parallel()
	var chain []Tuple
	for i := 0; i < 30; i++ {
		chain = append(chain, tup(groupName(i), "member", groupName(i+1)+"#member"))
	}
	chain = append(chain, tup(groupName(30), "member", "user:deep"))
	s, org := mustService(t, "drive.fga", chain...)
	ctx := context.Background()
	_, err := s.Check(ctx, org, CheckRequest{Object: groupName(0), Relation: "member", User: "user:deep"})
	if !errors.Is(err, ErrResolutionDepth) {
		t.Errorf("30 nested groups: err = %v, want ErrResolutionDepth", err)
	}
	ok, err := s.Check(ctx, org, CheckRequest{Object: groupName(10), Relation: "member", User: "user:deep"})
	if !ok || err != nil {
		t.Errorf("20 nested groups: %v, %v; want allowed", ok, err)
	}
	// ListObjects agrees: it refuses where Check would.
	_, err = s.ListObjects(ctx, org, ListObjectsRequest{Type: "group", Relation: "member", User: "user:deep"})
	if !errors.Is(err, ErrResolutionDepth) {
		t.Errorf("ListObjects over 30 nested groups: err = %v, want ErrResolutionDepth", err)
	}
	short, org2 := mustService(t, "drive.fga", chain[10:]...)
	p, err := short.ListObjects(ctx, org2, ListObjectsRequest{Type: "group", Relation: "member", User: "user:deep"})
	if err != nil || len(p.Items) != 21 {
		t.Errorf("ListObjects over 20 nested groups = %d groups, %v; want 21", len(p.Items), err)
	}
}

func groupName(i int) string { return "group:g" + string(rune('a'+i/26)) + string(rune('a'+i%26)) }

func TestContextualTuples(t *testing.T) {
	t.Parallel()
	s, org := mustService(t, "rbac.fga", tup("project:p", "organization", "organization:acme"))
	ctx := context.Background()
	req := CheckRequest{Object: "project:p", Relation: "viewer", User: "user:anne"}
	if ok, err := s.Check(ctx, org, req); ok || err != nil {
		t.Fatalf("without contextual tuple: %v, %v", ok, err)
	}
	req.ContextualTuples = []Tuple{tup("organization:acme", "member", "user:anne")}
	if ok, err := s.Check(ctx, org, req); !ok || err != nil {
		t.Errorf("with contextual membership: %v, %v; want allowed", ok, err)
	}
	// Contextual tuples are not written.
	req.ContextualTuples = nil
	if ok, _ := s.Check(ctx, org, req); ok {
		t.Error("a contextual tuple outlived its request")
	}
}

func TestIntersection(t *testing.T) {
	t.Parallel()
	s, org := mustService(t, "rbac.fga",
		tup("organization:acme", "billing", "user:bill"),
		tup("organization:acme", "billing", "user:ex"),
		tup("organization:acme", "member", "user:bill"),
		tup("project:p", "organization", "organization:acme"),
		tup("project:p", "owner", "user:owen"),
		tup("project:p", "owner", "user:ada"),
		tup("organization:acme", "admin", "user:ada"),
	)
	ctx := context.Background()
	tests := []struct {
		object, relation, user string
		want                   bool
	}{
		{"organization:acme", "billing", "user:bill", true},
		{"organization:acme", "billing", "user:ex", false}, // no longer a member
		{"project:p", "deleter", "user:ada", true},
		{"project:p", "deleter", "user:owen", false}, // owner but not admin
		{"project:p", "editor", "user:ada", true},
		{"project:p", "viewer", "user:bill", true},
	}
	for _, tc := range tests {
		got, err := s.Check(ctx, org, CheckRequest{Object: tc.object, Relation: tc.relation, User: tc.user})
		if err != nil || got != tc.want {
			t.Errorf("Check(%s#%s@%s) = %v, %v; want %v", tc.object, tc.relation, tc.user, got, err, tc.want)
		}
	}
}

func TestBatchCheck(t *testing.T) {
	t.Parallel()
	s, org := mustService(t, "drive.fga", driveData()...)
	ctx := context.Background()
	var reqs []CheckRequest
	var want []bool
	for i := range 40 {
		switch i % 4 {
		case 0:
			reqs = append(reqs, CheckRequest{Object: "document:spec", Relation: "viewer", User: "user:anne"})
			want = append(want, true)
		case 1:
			reqs = append(reqs, CheckRequest{Object: "document:spec", Relation: "can_view", User: "user:anne"})
			want = append(want, false)
		case 2:
			reqs = append(reqs, CheckRequest{Object: "document:spec", Relation: "nope", User: "user:anne"})
			want = append(want, false)
		case 3:
			reqs = append(reqs, CheckRequest{Object: "document:public", Relation: "viewer", User: "user:zed"})
			want = append(want, true)
		}
	}
	reqs = append(reqs, CheckRequest{Object: "document:public", Relation: "viewer", User: "user:zed", ModelID: "azm_other"})
	want = append(want, false)
	res, err := s.BatchCheck(ctx, org, reqs)
	if err != nil || len(res) != len(reqs) {
		t.Fatalf("BatchCheck = %d results, %v", len(res), err)
	}
	for i, r := range res {
		wantErr := i%4 == 2 || i == len(reqs)-1
		if r.Allowed != want[i] || (r.Err != nil) != wantErr || (r.Error != "") != wantErr {
			t.Errorf("result %d = %+v; want allowed %v, error %v", i, r, want[i], wantErr)
		}
	}
	if _, err := s.BatchCheck(ctx, org, make([]CheckRequest, MaxBatchChecks+1)); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("oversized batch: %v", err)
	}
}
