package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/audit"
)

func TestCheckpointAllSignsOnlyGrownLogs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st := newService(t, audit.Config{})
	recordN(t, s, "org_1", 0, 3, nil)
	recordN(t, s, "org_2", 0, 2, nil)
	if err := s.CheckpointAll(ctx); err != nil {
		t.Fatal(err)
	}
	first, _ := st.LatestCheckpoint(ctx, "org_1")
	recordN(t, s, "org_2", 2, 4, nil)
	if err := s.CheckpointAll(ctx); err != nil {
		t.Fatal(err)
	}
	again, _ := st.LatestCheckpoint(ctx, "org_1")
	grown, _ := st.LatestCheckpoint(ctx, "org_2")
	if string(first.Note) != string(again.Note) || first.Size != 3 {
		t.Errorf("an unchanged log was signed again")
	}
	if grown.Size != 4 {
		t.Errorf("org_2's checkpoint covers %d events, want 4", grown.Size)
	}
}

func TestApplyRetentionPerOrganization(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0.Add(10 * time.Minute)
	s, st := newService(t, audit.Config{Clock: func() time.Time { return now }})
	recordN(t, s, "org_1", 0, 10, nil)
	recordN(t, s, "org_2", 0, 10, nil)
	policy := func(org string) time.Duration {
		if org == "org_1" {
			return 5 * time.Minute
		}
		return 0
	}
	if err := s.ApplyRetention(ctx, policy); err != nil {
		t.Fatal(err)
	}
	h1, _ := st.Head(ctx, "org_1")
	h2, _ := st.Head(ctx, "org_2")
	if h1.Start != 5 || h2.Start != 0 {
		t.Errorf("starts %d and %d, want 5 and 0", h1.Start, h2.Start)
	}
}
