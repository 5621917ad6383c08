package audittest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/google/go-cmp/cmp"
)

// TestStore runs the conformance suite against stores made by newStore,
// which must return a new, empty store each time it is called.
func TestStore(t *testing.T, newStore func(t *testing.T) audit.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, st audit.Store)
	}{
		{"AppendAssignsIndexesAndTree", testAppend},
		{"DuplicateIDsRecordedOnce", testDuplicateIDs},
		{"ProofsFromStoredNodes", testProofs},
		{"LeavesPaging", testLeaves},
		{"QueryFilters", testQueryFilters},
		{"QueryPaging", testQueryPaging},
		{"Checkpoints", testCheckpoints},
		{"PruneKeepsTreeVerifiable", testPrune},
		{"OrganizationsIsolated", testIsolation},
		{"ConcurrentAppendsOneTree", testConcurrent},
		{"OrganizationsAndStreamCursors", testStreamCursors},
		{"Span", testSpan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

var base = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func service(t *testing.T, st audit.Store) *audit.Service {
	t.Helper()
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	s, err := audit.New(audit.Config{Store: st, Signer: key})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// event returns the i-th test event of org, one minute after the last.
func event(org string, i int) audit.Event {
	return audit.Event{
		OrganizationID: org,
		Action:         []string{"user.signed_in", "user.updated", "key.used"}[i%3],
		Time:           base.Add(time.Duration(i) * time.Minute),
		Actor:          audit.Actor{Type: "user", ID: fmt.Sprintf("user_%d", i%4)},
		Targets:        []audit.Target{{Type: "doc", ID: fmt.Sprintf("doc_%d", i%5)}},
		Context:        audit.Context{IP: "192.0.2.1"},
		Metadata:       map[string]any{"n": i},
	}
}

func record(t *testing.T, s *audit.Service, org string, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if err := s.Record(context.Background(), event(org, i)); err != nil {
			t.Fatal(err)
		}
	}
}

// referenceRoot computes the RFC 6962 root of leaves directly from the
// definition, as an independent check of the stores' trees.
func referenceRoot(leaves [][]byte) []byte {
	switch len(leaves) {
	case 0:
		h := sha256.Sum256(nil)
		return h[:]
	case 1:
		h := sha256.Sum256(append([]byte{0}, leaves[0]...))
		return h[:]
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := referenceRoot(leaves[:k]), referenceRoot(leaves[k:])
	h := sha256.Sum256(append(append([]byte{1}, l...), r...))
	return h[:]
}

func allLeaves(t *testing.T, st audit.Store, org string) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	for {
		page, err := st.Leaves(context.Background(), org, uint64(len(out)), 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
	}
}

func testAppend(t *testing.T, st audit.Store) {
	ctx := context.Background()
	s := service(t, st)
	record(t, s, "org_a", 0, 3)
	if err := s.RecordBatch(ctx, []audit.Event{event("org_a", 3), event("org_a", 4)}); err != nil {
		t.Fatal(err)
	}
	head, err := st.Head(ctx, "org_a")
	if err != nil {
		t.Fatal(err)
	}
	leaves := allLeaves(t, st, "org_a")
	if head.Tree.Size != 5 || len(leaves) != 5 {
		t.Fatalf("size %d with %d leaves, want 5", head.Tree.Size, len(leaves))
	}
	var data [][]byte
	for i, l := range leaves {
		if l.Index != uint64(i) {
			t.Errorf("leaf %d has index %d", i, l.Index)
		}
		ev, err := audit.UnmarshalCanonical(l.Data)
		if err != nil || ev.Metadata["n"] == nil {
			t.Errorf("leaf %d does not decode: %v", i, err)
		}
		data = append(data, l.Data)
	}
	root, err := head.Tree.Root()
	if err != nil || !bytes.Equal(root, referenceRoot(data)) {
		t.Errorf("root %x, want %x (%v)", root, referenceRoot(data), err)
	}
}

// testDuplicateIDs records events again under IDs the log holds, and
// twice within one batch: each ID is recorded once, in its own
// organization only, and the tree covers just the distinct events.
func testDuplicateIDs(t *testing.T, st audit.Store) {
	ctx := context.Background()
	s := service(t, st)
	record(t, s, "org_a", 0, 1)
	record(t, s, "org_c", 1, 1)
	first := idOf(t, allLeaves(t, st, "org_a")[0])
	other := idOf(t, allLeaves(t, st, "org_c")[0])
	again := func(i int, id string) audit.Event {
		e := event("org_a", i)
		e.ID = id
		return e
	}
	if err := s.Record(ctx, again(0, first)); err != nil {
		t.Fatal(err)
	}
	err := s.RecordBatch(ctx, []audit.Event{again(5, first), again(1, other), again(2, other),
		event("org_a", 3)})
	if err != nil {
		t.Fatal(err)
	}
	leaves := allLeaves(t, st, "org_a")
	var got []string
	var data [][]byte
	for _, l := range leaves {
		got = append(got, idOf(t, l))
		data = append(data, l.Data)
	}
	if len(got) != 3 || got[0] != first || got[1] != other {
		t.Fatalf("log holds %v; want %s, %s and one new event", got, first, other)
	}
	if ev, _ := audit.UnmarshalCanonical(leaves[1].Data); fmt.Sprint(ev.Metadata["n"]) != "1" {
		t.Errorf("the second recording of an ID replaced the first: %v", ev.Metadata)
	}
	head, err := st.Head(ctx, "org_a")
	if err != nil || head.Tree.Size != 3 {
		t.Fatalf("tree size %d, %v; want 3", head.Tree.Size, err)
	}
	if root, _ := head.Tree.Root(); !bytes.Equal(root, referenceRoot(data)) {
		t.Error("the tree does not cover exactly the distinct events")
	}
	if got := len(allLeaves(t, st, "org_c")); got != 1 {
		t.Errorf("org_c holds %d events, want 1: an ID is only a duplicate in its own log", got)
	}
}

func idOf(t *testing.T, e audit.Entry) string {
	t.Helper()
	ev, err := audit.UnmarshalCanonical(e.Data)
	if err != nil {
		t.Fatal(err)
	}
	return ev.ID
}

func testProofs(t *testing.T, st audit.Store) {
	ctx := context.Background()
	s := service(t, st)
	record(t, s, "org_a", 0, 13)
	older, err := s.ParseCheckpoint("org_a", must(s.Checkpoint(ctx, "org_a")))
	if err != nil {
		t.Fatal(err)
	}
	record(t, s, "org_a", 13, 6)
	newer, err := s.ParseCheckpoint("org_a", must(s.Checkpoint(ctx, "org_a")))
	if err != nil {
		t.Fatal(err)
	}
	leaves := allLeaves(t, st, "org_a")
	for i, l := range leaves {
		p, err := s.InclusionProof(ctx, "org_a", uint64(i), newer.Size)
		if err != nil {
			t.Fatalf("inclusion proof of %d: %v", i, err)
		}
		if err := audit.VerifyInclusion(newer, uint64(i), l.Data, p); err != nil {
			t.Errorf("inclusion of %d: %v", i, err)
		}
	}
	p, err := s.ConsistencyProof(ctx, "org_a", older.Size, newer.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.VerifyConsistency(older, newer, p); err != nil {
		t.Errorf("consistency %d -> %d: %v", older.Size, newer.Size, err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func testLeaves(t *testing.T, st audit.Store) {
	ctx := context.Background()
	record(t, service(t, st), "org_a", 0, 10)
	for _, tc := range []struct {
		name        string
		from        uint64
		limit, want int
	}{
		{"first page", 0, 4, 4},
		{"middle", 4, 4, 4},
		{"last short page", 8, 4, 2},
		{"past the end", 10, 4, 0},
		{"far past the end", 1 << 40, 4, 0},
	} {
		got, err := st.Leaves(ctx, "org_a", tc.from, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("%s: %d leaves, want %d", tc.name, len(got), tc.want)
		}
		for i, l := range got {
			if l.Index != tc.from+uint64(i) {
				t.Errorf("%s: leaf %d has index %d", tc.name, i, l.Index)
			}
		}
	}
}

func indexes(es []audit.Entry) []uint64 {
	out := []uint64{}
	for _, e := range es {
		out = append(out, e.Index)
	}
	return out
}

func testQueryFilters(t *testing.T, st audit.Store) {
	ctx := context.Background()
	record(t, service(t, st), "org_a", 0, 12)
	for _, tc := range []struct {
		name string
		q    audit.Query
		want []uint64
	}{
		{"all, newest first", audit.Query{}, []uint64{11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
		{"since", audit.Query{Since: base.Add(9 * time.Minute)}, []uint64{11, 10, 9}},
		{"until is exclusive", audit.Query{Until: base.Add(2 * time.Minute)}, []uint64{1, 0}},
		{"range", audit.Query{Since: base.Add(3 * time.Minute), Until: base.Add(5 * time.Minute)}, []uint64{4, 3}},
		{"action", audit.Query{Actions: []string{"key.used"}}, []uint64{11, 8, 5, 2}},
		{"actions", audit.Query{Actions: []string{"key.used", "user.updated"}, Since: base.Add(7 * time.Minute)},
			[]uint64{11, 10, 8, 7}},
		{"actor", audit.Query{ActorID: "user_1"}, []uint64{9, 5, 1}},
		{"target", audit.Query{TargetID: "doc_2"}, []uint64{7, 2}},
		{"actor and target", audit.Query{ActorID: "user_3", TargetID: "doc_2"}, []uint64{7}},
		{"no match", audit.Query{ActorID: "nobody"}, []uint64{}},
		{"limit", audit.Query{Limit: 2}, []uint64{11, 10}},
	} {
		got, err := st.Query(ctx, "org_a", tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.want, indexes(got)); diff != "" {
			t.Errorf("%s: indexes (-want +got):\n%s", tc.name, diff)
		}
		for _, e := range got {
			if e.Event.Action == "" || e.Event.OrganizationID != "org_a" {
				t.Errorf("%s: entry %d is not decoded: %+v", tc.name, e.Index, e.Event)
			}
		}
	}
}

func testQueryPaging(t *testing.T, st audit.Store) {
	ctx := context.Background()
	s := service(t, st)
	// Two events share each time, so that paging must break ties by index.
	for i := 0; i < 9; i++ {
		e := event("org_a", i)
		e.Time = base.Add(time.Duration(i/2) * time.Minute)
		if err := s.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var got []uint64
	q := audit.Query{Limit: 2}
	for range 10 {
		page, err := st.Query(ctx, "org_a", q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		got = append(got, indexes(page)...)
		last := page[len(page)-1]
		q.After = &audit.Position{Time: last.Event.Time, Index: last.Index}
	}
	if diff := cmp.Diff([]uint64{8, 7, 6, 5, 4, 3, 2, 1, 0}, got); diff != "" {
		t.Errorf("paged indexes (-want +got):\n%s", diff)
	}
}

func testCheckpoints(t *testing.T, st audit.Store) {
	ctx := context.Background()
	if _, err := st.LatestCheckpoint(ctx, "org_a"); err != audit.ErrNotFound {
		t.Errorf("LatestCheckpoint of an empty log: %v, want ErrNotFound", err)
	}
	for _, cp := range []audit.StoredCheckpoint{
		{Size: 3, Time: base, Note: []byte("three")},
		{Size: 9, Time: base.Add(time.Minute), Note: []byte("nine")},
		{Size: 5, Time: base.Add(2 * time.Minute), Note: []byte("five")},
	} {
		if err := st.SaveCheckpoint(ctx, "org_a", cp); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.LatestCheckpoint(ctx, "org_a")
	if err != nil || got.Size != 9 || string(got.Note) != "nine" || !got.Time.Equal(base.Add(time.Minute)) {
		t.Errorf("LatestCheckpoint = %+v, %v; want the one of size 9", got, err)
	}
}

func testPrune(t *testing.T, st audit.Store) {
	ctx := context.Background()
	s := service(t, st)
	record(t, s, "org_a", 0, 3)
	early, err := s.ParseCheckpoint("org_a", must(s.Checkpoint(ctx, "org_a")))
	if err != nil {
		t.Fatal(err)
	}
	record(t, s, "org_a", 3, 10)
	// An odd start leaves a pruned leaf as the sibling of a retained one.
	start, err := s.Prune(ctx, "org_a", base.Add(5*time.Minute))
	if err != nil || start != 5 {
		t.Fatalf("Prune = %d, %v; want start 5", start, err)
	}
	head, _ := st.Head(ctx, "org_a")
	if head.Start != 5 || head.Tree.Size != 13 {
		t.Errorf("head after prune = start %d size %d, want 5 and 13", head.Start, head.Tree.Size)
	}
	leaves, _ := st.Leaves(ctx, "org_a", 0, 100)
	if len(leaves) != 8 || leaves[0].Index != 5 {
		t.Fatalf("leaves after prune: %v", indexes(leaves))
	}
	if got, _ := st.Query(ctx, "org_a", audit.Query{}); len(got) != 8 {
		t.Errorf("query after prune found %d events, want 8", len(got))
	}
	checkProofsAfterPrune(t, s, leaves, early)
	record(t, s, "org_a", 13, 2)
	if head, _ := st.Head(ctx, "org_a"); head.Tree.Size != 15 {
		t.Errorf("size after appending to a pruned log = %d, want 15", head.Tree.Size)
	}
	if again, err := s.Prune(ctx, "org_a", base); err != nil || again != 5 {
		t.Errorf("pruning with an earlier cutoff moved start to %d, %v", again, err)
	}
}

// checkProofsAfterPrune proves every retained leaf, and the consistency
// of the tree with one from before the pruned region.
func checkProofsAfterPrune(t *testing.T, s *audit.Service, leaves []audit.Entry, early audit.Checkpoint) {
	t.Helper()
	ctx := context.Background()
	cp, err := s.ParseCheckpoint("org_a", must(s.Checkpoint(ctx, "org_a")))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leaves {
		p, err := s.InclusionProof(ctx, "org_a", l.Index, cp.Size)
		if err == nil {
			err = audit.VerifyInclusion(cp, l.Index, l.Data, p)
		}
		if err != nil {
			t.Errorf("inclusion of %d after prune: %v", l.Index, err)
		}
	}
	p, err := s.ConsistencyProof(ctx, "org_a", early.Size, cp.Size)
	if err == nil {
		err = audit.VerifyConsistency(early, cp, p)
	}
	if err != nil {
		t.Errorf("consistency from before the pruned region: %v", err)
	}
}

func testIsolation(t *testing.T, st audit.Store) {
	ctx := context.Background()
	s := service(t, st)
	record(t, s, "org_a", 0, 5)
	if err := st.SaveCheckpoint(ctx, "org_a", audit.StoredCheckpoint{Size: 5, Time: base, Note: []byte("a")}); err != nil {
		t.Fatal(err)
	}
	head, _ := st.Head(ctx, "org_b")
	if head.Tree.Size != 0 {
		t.Errorf("org_b sees size %d", head.Tree.Size)
	}
	if got, _ := st.Leaves(ctx, "org_b", 0, 10); len(got) != 0 {
		t.Errorf("org_b sees %d leaves of org_a", len(got))
	}
	if got, _ := st.Query(ctx, "org_b", audit.Query{}); len(got) != 0 {
		t.Errorf("org_b query sees %d events of org_a", len(got))
	}
	if _, err := st.Nodes(ctx, "org_b", []audit.NodeID{{Level: 0, Index: 0}}); err != audit.ErrNotFound {
		t.Errorf("org_b reads a node of org_a: %v", err)
	}
	if _, err := st.LatestCheckpoint(ctx, "org_b"); err != audit.ErrNotFound {
		t.Errorf("org_b reads org_a's checkpoint: %v", err)
	}
	if start, _ := s.Prune(ctx, "org_b", base.Add(time.Hour)); start != 0 {
		t.Errorf("pruning org_b returned start %d", start)
	}
	if got := allLeaves(t, st, "org_a"); len(got) != 5 {
		t.Errorf("pruning org_b removed org_a's events: %d left", len(got))
	}
}

// testConcurrent has several services, as several host instances would,
// record into one organization at once, and checks that the result is one
// tree: consecutive indexes and a root over the leaves in index order.
func testConcurrent(t *testing.T, st audit.Store) {
	const writers, each = 4, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		s := service(t, st)
		wg.Go(func() {
			for i := range each {
				batch := []audit.Event{event("org_a", w*each+i)}
				if i%3 == 0 {
					batch = append(batch, event("org_b", i))
				}
				errs <- s.RecordBatch(context.Background(), batch)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	leaves := allLeaves(t, st, "org_a")
	head, _ := st.Head(context.Background(), "org_a")
	if len(leaves) != writers*each || head.Tree.Size != uint64(writers*each) {
		t.Fatalf("%d leaves, size %d; want %d", len(leaves), head.Tree.Size, writers*each)
	}
	var data [][]byte
	for i, l := range leaves {
		if l.Index != uint64(i) {
			t.Fatalf("leaf %d has index %d", i, l.Index)
		}
		data = append(data, l.Data)
	}
	if root, _ := head.Tree.Root(); !bytes.Equal(root, referenceRoot(data)) {
		t.Errorf("the tree forked: root %x, want %x", root, referenceRoot(data))
	}
}

func testStreamCursors(t *testing.T, st audit.Store) {
	ctx := context.Background()
	if orgs, err := st.Organizations(ctx); err != nil || len(orgs) != 0 {
		t.Errorf("Organizations of an empty store = %v, %v", orgs, err)
	}
	s := service(t, st)
	record(t, s, "org_b", 0, 1)
	record(t, s, "org_a", 0, 1)
	orgs, err := st.Organizations(ctx)
	if diff := cmp.Diff([]string{"org_a", "org_b"}, orgs); diff != "" || err != nil {
		t.Errorf("Organizations (-want +got):\n%s %v", diff, err)
	}
	if n, err := st.StreamCursor(ctx, "splunk", "org_a"); n != 0 || err != nil {
		t.Errorf("a new cursor = %d, %v; want 0", n, err)
	}
	for _, c := range []struct {
		stream, org string
		next        uint64
	}{{"splunk", "org_a", 5}, {"splunk", "org_a", 9}, {"splunk", "org_b", 2}, {"file", "org_a", 1}} {
		if err := st.SaveStreamCursor(ctx, c.stream, c.org, c.next); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		stream, org string
		want        uint64
	}{{"splunk", "org_a", 9}, {"splunk", "org_b", 2}, {"file", "org_a", 1}, {"file", "org_b", 0}} {
		if got, _ := st.StreamCursor(ctx, c.stream, c.org); got != c.want {
			t.Errorf("cursor %s/%s = %d, want %d", c.stream, c.org, got, c.want)
		}
	}
}

func testSpan(t *testing.T, st audit.Store) {
	ctx := context.Background()
	s := service(t, st)
	// Event 4 happened before event 3, as clocks of several instances allow.
	for i := range 8 {
		e := event("org_a", i)
		if i == 4 {
			e.Time = base.Add(2*time.Minute + 30*time.Second)
		}
		if err := s.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name         string
		since, until time.Time
		from, to     uint64
	}{
		{"all", time.Time{}, time.Time{}, 0, 8},
		{"from the third minute", base.Add(3 * time.Minute), time.Time{}, 3, 8},
		{"an early event recorded late", base.Add(2 * time.Minute), base.Add(3 * time.Minute), 2, 5},
		{"until", time.Time{}, base.Add(2 * time.Minute), 0, 2},
	} {
		from, to, err := st.Span(ctx, "org_a", tc.since, tc.until)
		if err != nil || from != tc.from || to != tc.to {
			t.Errorf("%s: span [%d, %d), %v; want [%d, %d)", tc.name, from, to, err, tc.from, tc.to)
		}
	}
	if from, to, _ := st.Span(ctx, "org_a", base.Add(time.Hour), time.Time{}); from != to {
		t.Errorf("an empty span is [%d, %d)", from, to)
	}
	if from, to, _ := st.Span(ctx, "org_b", time.Time{}, time.Time{}); from != to {
		t.Errorf("org_b sees a span [%d, %d) of org_a", from, to)
	}
}
