package authzsql

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
)

// TestChangeLogCommitOrder holds a writer open after it drew a change
// log position, lets a later writer commit, and queues a reader behind
// them: the reader must see both changes, in order, and never the later
// one alone, which would move a watcher's cursor past the earlier one.
func TestChangeLogCommitOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	raw := sqlkittest.Postgres(t)
	if err := Migrate(ctx, raw); err != nil {
		t.Fatal(err)
	}
	s, err := New(raw)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	first := authz.Tuple{Object: "doc:1", Relation: "viewer", User: "user:ann"}
	second := authz.Tuple{Object: "doc:2", Relation: "viewer", User: "user:ben"}

	held, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback()
	if err := s.db.LockOutbox(ctx, held, changeLog); err != nil {
		t.Fatal(err)
	}
	err = s.log(ctx, held, "org_1", authz.ChangeWrite, first, authz.WriteBatch{Time: now})
	if err != nil {
		t.Fatal(err)
	}
	// The later writer does not wait for the held one.
	err = s.Write(ctx, "org_1", authz.WriteBatch{Writes: []authz.Tuple{second}, Time: now})
	if err != nil {
		t.Fatal(err)
	}
	read := make(chan []string)
	go func() {
		var objects []string
		evs, _, err := s.Events(ctx, "", 10)
		if err != nil {
			t.Error(err)
		}
		for _, e := range evs {
			objects = append(objects, e.Tuple.Object)
		}
		read <- objects
	}()
	queued := sqlkittest.AdvisoryWaiter(t, raw)
	if err := held.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := <-read; !slices.Equal(got, []string{"doc:1", "doc:2"}) {
		t.Fatalf("a read behind the held writer saw %v, want [doc:1 doc:2]", got)
	}
	if !queued {
		t.Fatal("the reader never waited for the change log's lock")
	}
	changes, _, err := s.Changes(ctx, "org_1", "", 0)
	if err != nil || len(changes) != 2 || changes[0].Tuple != first || changes[1].Tuple != second {
		t.Errorf("Changes = %+v, %v", changes, err)
	}
}
