package authz

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExplain(t *testing.T) {
	t.Parallel()
	s, org := mustService(t, "drive.fga", driveData()...)
	ctx := context.Background()
	tests := []struct {
		name, object, relation, user string
		want                         []string
	}{
		{"through folders and nested groups", "document:spec", "viewer", "user:anne", []string{
			"document:spec#parent@folder:sub", "folder:sub#parent@folder:root",
			"folder:root#viewer@group:all#member", "group:all#member@group:eng#member",
			"group:eng#member@user:anne"}},
		{"computed owner", "document:spec", "viewer", "user:owen", []string{"document:spec#owner@user:owen"}},
		{"wildcard", "document:public", "viewer", "user:zed", []string{"document:public#viewer@user:*"}},
		{"exclusion keeps only the base", "document:notes", "can_view", "user:anne", []string{
			"document:notes#viewer@user:anne"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := s.Explain(ctx, org, CheckRequest{Object: tc.object, Relation: tc.relation, User: tc.user})
			if err != nil || !e.Allowed {
				t.Fatalf("Explain = %+v, %v", e, err)
			}
			var got []string
			for _, tp := range e.Path {
				got = append(got, tp.String())
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("path (-want +got):\n%s", d)
			}
		})
	}
	e, err := s.Explain(ctx, org, CheckRequest{Object: "document:spec", Relation: "can_view", User: "user:anne"})
	if err != nil || e.Allowed || e.Tree == nil || len(e.Path) != 0 {
		t.Errorf("denied Explain = %+v, %v; want a tree and no path", e, err)
	}
}
