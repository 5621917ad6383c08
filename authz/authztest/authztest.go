package authztest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/authz"
	"github.com/google/go-cmp/cmp"
)

// TestStore runs the conformance suite against stores made by newStore,
// which must return a new, empty store each time it is called.
func TestStore(t *testing.T, newStore func(t *testing.T) authz.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s authz.Store)
	}{
		{"Models", testModels},
		{"WriteAndLookup", testWriteAndLookup},
		{"BatchIsAtomic", testBatchIsAtomic},
		{"DuplicatesAndMissing", testDuplicatesAndMissing},
		{"Conditions", testConditions},
		{"ReadFilters", testReadFilters},
		{"ReadDirect", testReadDirect},
		{"ReadPaging", testReadPaging},
		{"Changes", testChanges},
		{"Events", testEvents},
		{"OrganizationsIsolated", testIsolation},
		{"ConcurrentWrites", testConcurrentWrites},
		{"ConcurrentDuplicateWrites", testConcurrentDuplicates},
		{"Revision", testRevision},
		{"CachedChecksReadYourWrites", testCachedChecks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

var ctx = context.Background()

const org = "org_a"

var when = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func tup(object, relation, user string) authz.Tuple {
	return authz.Tuple{Object: object, Relation: relation, User: user}
}

func model() *authz.Model {
	return authz.MustParseDSL(`model
  schema 1.1
type user
type doc
  relations
    define viewer: [user]
`)
}

func testModels(t *testing.T, s authz.Store) {
	if _, err := s.Model(ctx, org, ""); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("latest model of an empty store: err = %v, want ErrNotFound", err)
	}
	for i := range 3 {
		m := authz.StoredModel{ID: fmt.Sprintf("azm_%d", i), CreatedAt: when.Add(time.Duration(i) * time.Second), Model: model()}
		if err := s.WriteModel(ctx, org, m); err != nil {
			t.Fatal(err)
		}
	}
	latest, err := s.Model(ctx, org, "")
	if err != nil || latest.ID != "azm_2" {
		t.Fatalf("latest = %v, %v; want azm_2", latest.ID, err)
	}
	first, err := s.Model(ctx, org, "azm_0")
	if err != nil || first.Model.TypeDef("doc") == nil || !first.CreatedAt.Equal(when) {
		t.Fatalf("azm_0 = %+v, %v", first, err)
	}
	if _, err := s.Model(ctx, org, "azm_9"); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("unknown ID: err = %v, want ErrNotFound", err)
	}
	var got []string
	cursor := ""
	for range 5 {
		page, next, err := s.Models(ctx, org, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page {
			got = append(got, m.ID)
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if d := cmp.Diff([]string{"azm_2", "azm_1", "azm_0"}, got); d != "" {
		t.Errorf("Models pages, newest first (-want +got):\n%s", d)
	}
}

func mustWrite(t *testing.T, s authz.Store, org string, ts ...authz.Tuple) {
	t.Helper()
	if err := s.Write(ctx, org, authz.WriteBatch{Writes: ts, Time: when}); err != nil {
		t.Fatal(err)
	}
}

func present(t *testing.T, s authz.Store, org string, tp authz.Tuple) bool {
	t.Helper()
	got, ok, err := s.Lookup(ctx, org, tp.Object, tp.Relation, tp.User)
	if err != nil {
		t.Fatal(err)
	}
	if ok && got.Key() != tp.Key() {
		t.Errorf("Lookup(%s) returned %s", tp, got)
	}
	return ok
}

func testWriteAndLookup(t *testing.T, s authz.Store) {
	a, b := tup("doc:1", "viewer", "user:anne"), tup("doc:1", "viewer", "group:eng#member")
	mustWrite(t, s, org, a, b)
	for _, tp := range []authz.Tuple{a, b} {
		if !present(t, s, org, tp) {
			t.Errorf("%s was not found after writing it", tp)
		}
	}
	if present(t, s, org, tup("doc:1", "viewer", "user:bob")) {
		t.Error("found a tuple never written")
	}
	if present(t, s, org, tup("doc:1", "editor", "user:anne")) {
		t.Error("Lookup ignored the relation")
	}
	if err := s.Write(ctx, org, authz.WriteBatch{Deletes: []authz.Tuple{a}, Time: when}); err != nil {
		t.Fatal(err)
	}
	if present(t, s, org, a) {
		t.Error("deleted tuple is still there")
	}
	if !present(t, s, org, b) {
		t.Error("deleting one tuple removed another")
	}
}

func testBatchIsAtomic(t *testing.T, s authz.Store) {
	existing := tup("doc:1", "viewer", "user:anne")
	mustWrite(t, s, org, existing)
	fresh := tup("doc:2", "viewer", "user:bob")
	err := s.Write(ctx, org, authz.WriteBatch{Writes: []authz.Tuple{fresh, existing}, Time: when})
	if !errors.Is(err, authz.ErrDuplicate) {
		t.Fatalf("batch with a duplicate: err = %v, want ErrDuplicate", err)
	}
	if present(t, s, org, fresh) {
		t.Error("a failed batch was half applied: the new tuple was written")
	}
	err = s.Write(ctx, org, authz.WriteBatch{Writes: []authz.Tuple{fresh},
		Deletes: []authz.Tuple{existing, tup("doc:9", "viewer", "user:nobody")}, Time: when})
	if !errors.Is(err, authz.ErrMissing) {
		t.Fatalf("batch deleting a missing tuple: err = %v, want ErrMissing", err)
	}
	if present(t, s, org, fresh) || !present(t, s, org, existing) {
		t.Error("a failed batch was half applied")
	}
	changes, _, err := s.Changes(ctx, org, "", 0)
	if err != nil || len(changes) != 1 {
		t.Errorf("failed batches left changes in the log: %d, %v", len(changes), err)
	}
}

func testDuplicatesAndMissing(t *testing.T, s authz.Store) {
	a := tup("doc:1", "viewer", "user:anne")
	mustWrite(t, s, org, a)
	if err := s.Write(ctx, org, authz.WriteBatch{Writes: []authz.Tuple{a}, IgnoreDuplicates: true, Time: when}); err != nil {
		t.Errorf("ignored duplicate: %v", err)
	}
	missing := tup("doc:1", "viewer", "user:zed")
	if err := s.Write(ctx, org, authz.WriteBatch{Deletes: []authz.Tuple{missing}, IgnoreMissing: true, Time: when}); err != nil {
		t.Errorf("ignored missing: %v", err)
	}
	changes, _, _ := s.Changes(ctx, org, "", 0)
	if len(changes) != 1 {
		t.Errorf("ignored duplicates or missing tuples were logged: %d changes, want 1", len(changes))
	}
}

func testConditions(t *testing.T, s authz.Store) {
	a := tup("doc:1", "viewer", "user:anne")
	a.Condition = &authz.TupleCondition{Name: "non_expired",
		Context: map[string]any{"grant_time": "2026-12-01T00:00:00Z", "n": float64(3), "l": []any{"x"}}}
	mustWrite(t, s, org, a)
	a.Condition.Context["n"] = float64(99) // the store must hold its own copy
	got, ok, err := s.Lookup(ctx, org, a.Object, a.Relation, a.User)
	if err != nil || !ok {
		t.Fatalf("Lookup = %v, %v", ok, err)
	}
	want := &authz.TupleCondition{Name: "non_expired",
		Context: map[string]any{"grant_time": "2026-12-01T00:00:00Z", "n": float64(3), "l": []any{"x"}}}
	if d := cmp.Diff(want, got.Condition); d != "" {
		t.Errorf("condition (-want +got):\n%s", d)
	}
	page, _, err := s.Read(ctx, org, authz.Filter{ObjectType: "doc"}, "", 0)
	if err != nil || len(page) != 1 || cmp.Diff(want, page[0].Condition) != "" {
		t.Errorf("Read lost the condition: %+v, %v", page, err)
	}
}

var filterData = []authz.Tuple{
	tup("doc:1", "viewer", "user:anne"),
	tup("doc:1", "viewer", "user:*"),
	tup("doc:1", "viewer", "group:eng#member"),
	tup("doc:1", "editor", "user:anne"),
	tup("doc:2", "viewer", "user:anne"),
	tup("doc:2", "parent", "folder:f"),
	tup("folder:f", "viewer", "user:bob"),
	tup("group:eng", "member", "user:anne"),
}

func testReadFilters(t *testing.T, s authz.Store) {
	mustWrite(t, s, org, filterData...)
	tests := []struct {
		name string
		f    authz.Filter
		want []string
	}{
		{"object and relation", authz.Filter{ObjectType: "doc", ObjectID: "1", Relation: "viewer"},
			[]string{"doc:1#viewer@group:eng#member", "doc:1#viewer@user:*", "doc:1#viewer@user:anne"}},
		{"object", authz.Filter{ObjectType: "doc", ObjectID: "1"},
			[]string{"doc:1#editor@user:anne", "doc:1#viewer@group:eng#member", "doc:1#viewer@user:*", "doc:1#viewer@user:anne"}},
		{"user, type and relation", authz.Filter{User: "user:anne", ObjectType: "doc", Relation: "viewer"},
			[]string{"doc:1#viewer@user:anne", "doc:2#viewer@user:anne"}},
		{"user anywhere", authz.Filter{User: "user:anne"},
			[]string{"doc:1#editor@user:anne", "doc:1#viewer@user:anne", "doc:2#viewer@user:anne", "group:eng#member@user:anne"}},
		{"usersets only", authz.Filter{ObjectType: "doc", ObjectID: "1", Relation: "viewer", UsersetsOnly: true},
			[]string{"doc:1#viewer@group:eng#member"}},
		{"user type", authz.Filter{UserType: "folder"}, []string{"doc:2#parent@folder:f"}},
		{"relation", authz.Filter{Relation: "member"}, []string{"group:eng#member@user:anne"}},
		{"object type", authz.Filter{ObjectType: "folder"}, []string{"folder:f#viewer@user:bob"}},
		{"no match", authz.Filter{ObjectType: "doc", ObjectID: "3"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, next, err := s.Read(ctx, org, tc.f, "", 0)
			if err != nil || next != "" {
				t.Fatalf("Read = %v, next %q", err, next)
			}
			var got []string
			for _, tp := range page {
				got = append(got, tp.String())
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Read(%+v) (-want +got):\n%s", tc.f, d)
			}
		})
	}
	all, _, _ := s.Read(ctx, org, authz.Filter{}, "", 0)
	if len(all) != len(filterData) {
		t.Errorf("Read of everything returned %d tuples, want %d", len(all), len(filterData))
	}
}

func testReadPaging(t *testing.T, s authz.Store) {
	var want []string
	var batch []authz.Tuple
	for i := range 57 {
		tp := tup(fmt.Sprintf("doc:%03d", i), "viewer", "user:anne")
		batch = append(batch, tp)
		want = append(want, tp.String())
	}
	mustWrite(t, s, org, batch...)
	for _, f := range []authz.Filter{{}, {User: "user:anne", ObjectType: "doc", Relation: "viewer"}} {
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("paging does not end")
			}
			page, next, err := s.Read(ctx, org, f, cursor, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > 10 {
				t.Fatalf("page of %d tuples, limit 10", len(page))
			}
			for _, tp := range page {
				got = append(got, tp.String())
			}
			if cursor = next; cursor == "" {
				break
			}
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("pages of %+v (-want +got):\n%s", f, d)
		}
	}
	if _, _, err := s.Read(ctx, org, authz.Filter{}, "not a cursor!", 10); err == nil {
		t.Error("Read accepted a forged cursor")
	}
}

func testChanges(t *testing.T, s authz.Store) {
	a, b := tup("doc:1", "viewer", "user:anne"), tup("doc:2", "viewer", "user:bob")
	mustWrite(t, s, org, a, b)
	if err := s.Write(ctx, org, authz.WriteBatch{Deletes: []authz.Tuple{a}, Time: when.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	first, cursor, err := s.Changes(ctx, org, "", 2)
	if err != nil || len(first) != 2 {
		t.Fatalf("first page = %d changes, %v", len(first), err)
	}
	rest, end, err := s.Changes(ctx, org, cursor, 2)
	if err != nil || len(rest) != 1 {
		t.Fatalf("second page = %d changes, %v", len(rest), err)
	}
	got := append(first, rest...)
	want := []authz.Change{{Op: authz.ChangeWrite, Tuple: a, Time: when}, {Op: authz.ChangeWrite, Tuple: b, Time: when},
		{Op: authz.ChangeDelete, Tuple: a, Time: when.Add(time.Minute)}}
	for i := range got {
		got[i].Time = got[i].Time.UTC()
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("changes (-want +got):\n%s", d)
	}
	none, again, err := s.Changes(ctx, org, end, 10)
	if err != nil || len(none) != 0 || again == "" {
		t.Fatalf("polling at the end = %d, %q, %v", len(none), again, err)
	}
	mustWrite(t, s, org, tup("doc:3", "viewer", "user:cy"))
	later, _, err := s.Changes(ctx, org, again, 10)
	if err != nil || len(later) != 1 || later[0].Tuple.Object != "doc:3" {
		t.Errorf("a change after polling = %+v, %v", later, err)
	}
}

func testIsolation(t *testing.T, s authz.Store) {
	a := tup("doc:1", "viewer", "user:anne")
	mustWrite(t, s, org, a)
	if err := s.WriteModel(ctx, org, authz.StoredModel{ID: "azm_a", CreatedAt: when, Model: model()}); err != nil {
		t.Fatal(err)
	}
	const other = "org_b"
	if present(t, s, other, a) {
		t.Error("another organization sees the tuple")
	}
	if page, _, _ := s.Read(ctx, other, authz.Filter{}, "", 0); len(page) != 0 {
		t.Errorf("another organization reads %d tuples", len(page))
	}
	if cs, _, _ := s.Changes(ctx, other, "", 0); len(cs) != 0 {
		t.Errorf("another organization reads %d changes", len(cs))
	}
	if _, err := s.Model(ctx, other, "azm_a"); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("another organization loads the model: %v", err)
	}
	if err := s.Write(ctx, other, authz.WriteBatch{Deletes: []authz.Tuple{a}, Time: when}); !errors.Is(err, authz.ErrMissing) {
		t.Errorf("another organization deletes the tuple: %v", err)
	}
	mustWrite(t, s, other, a) // the same tuple is separate in each organization
	if !present(t, s, org, a) || !present(t, s, other, a) {
		t.Error("organizations share tuples")
	}
}

func testConcurrentWrites(t *testing.T, s authz.Store) {
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := range 5 {
				err := s.Write(ctx, org, authz.WriteBatch{Writes: []authz.Tuple{
					tup(fmt.Sprintf("doc:%d-%d", w, i), "viewer", "user:anne")}, Time: when})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	all, _, err := s.Read(ctx, org, authz.Filter{}, "", 0)
	if err != nil || len(all) != 40 {
		t.Errorf("after concurrent writes: %d tuples, %v; want 40", len(all), err)
	}
	cs, _, _ := s.Changes(ctx, org, "", 0)
	if len(cs) != 40 {
		t.Errorf("after concurrent writes: %d changes, want 40", len(cs))
	}
}

func testReadDirect(t *testing.T, s authz.Store) {
	mustWrite(t, s, org,
		tup("doc:1", "viewer", "user:anne"),
		tup("doc:1", "viewer", "user:*"),
		tup("doc:1", "viewer", "group:ops#member"),
		tup("doc:1", "viewer", "group:eng#member"),
		tup("doc:1", "viewer", "user:bob"),
		tup("doc:1", "editor", "group:x#member"),
		tup("doc:2", "viewer", "group:y#member"),
	)
	tests := []struct {
		user string
		want []string
	}{
		{"user:anne", []string{"user:anne", "user:*", "group:eng#member", "group:ops#member"}},
		{"user:carl", []string{"user:*", "group:eng#member", "group:ops#member"}},
		{"group:eng#member", []string{"group:eng#member", "group:ops#member"}},
		{"user:*", []string{"user:*", "group:eng#member", "group:ops#member"}},
	}
	for _, tc := range tests {
		ts, err := s.ReadDirect(ctx, org, "doc:1", "viewer", tc.user)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tp := range ts {
			if tp.Object != "doc:1" || tp.Relation != "viewer" {
				t.Errorf("ReadDirect returned %s", tp)
			}
			got = append(got, tp.User)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("ReadDirect(doc:1#viewer, %s) (-want +got):\n%s", tc.user, d)
		}
	}
	if ts, err := s.ReadDirect(ctx, "org_other", "doc:1", "viewer", "user:anne"); err != nil || len(ts) != 0 {
		t.Errorf("ReadDirect in another organization = %v, %v", ts, err)
	}
}

func testEvents(t *testing.T, s authz.Store) {
	a, b := tup("doc:1", "viewer", "user:anne"), tup("doc:2", "viewer", "user:bob")
	mustWrite(t, s, org, a)
	mustWrite(t, s, "org_b", b)
	if err := s.Write(ctx, org, authz.WriteBatch{Deletes: []authz.Tuple{a}, Time: when}); err != nil {
		t.Fatal(err)
	}
	first, cursor, err := s.Events(ctx, "", 2)
	if err != nil || len(first) != 2 {
		t.Fatalf("first page = %d events, %v", len(first), err)
	}
	rest, end, err := s.Events(ctx, cursor, 10)
	if err != nil || len(rest) != 1 {
		t.Fatalf("second page = %d events, %v", len(rest), err)
	}
	got := append(first, rest...)
	seen := map[string]bool{}
	for i := range got {
		if !strings.HasPrefix(got[i].ID, "azc_") || seen[got[i].ID] {
			t.Errorf("event %d has ID %q, want a new azc_ ID", i, got[i].ID)
		}
		seen[got[i].ID] = true
		got[i].ID, got[i].Time = "", got[i].Time.UTC()
	}
	want := []authz.Event{
		{Type: authz.EventTupleWritten, OrganizationID: org, Time: when, Tuple: a},
		{Type: authz.EventTupleWritten, OrganizationID: "org_b", Time: when, Tuple: b},
		{Type: authz.EventTupleDeleted, OrganizationID: org, Time: when, Tuple: a},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	none, again, err := s.Events(ctx, end, 10)
	if err != nil || len(none) != 0 || again == "" {
		t.Errorf("polling at the end = %d, %q, %v", len(none), again, err)
	}
	if _, _, err := s.Events(ctx, "forged!", 10); err == nil {
		t.Error("Events accepted a forged cursor")
	}
}

func testConcurrentDuplicates(t *testing.T, s authz.Store) {
	a := tup("doc:1", "viewer", "user:anne")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			errs <- s.Write(ctx, org, authz.WriteBatch{Writes: []authz.Tuple{a}, Time: when})
		})
	}
	wg.Wait()
	close(errs)
	won := 0
	for err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, authz.ErrDuplicate):
			t.Errorf("a racing duplicate write failed with %v, want ErrDuplicate", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of 8 racing writes of one tuple succeeded, want 1", won)
	}
	if cs, _, _ := s.Changes(ctx, org, "", 0); len(cs) != 1 {
		t.Errorf("racing writes of one tuple logged %d changes, want 1", len(cs))
	}
}

// testRevision checks that every Write and WriteModel raises the
// organization's revision, that a failed Write does not, and that other
// organizations' revisions stay where they were; also under concurrent
// writers, which must each raise it.
func testRevision(t *testing.T, s authz.Store) {
	rev := func(org string) uint64 {
		t.Helper()
		r, err := s.Revision(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := rev(org); r != 0 {
		t.Errorf("revision of an empty organization = %d, want 0", r)
	}
	last := rev(org)
	step := func(what string, change func() error, wantRaised bool) {
		t.Helper()
		err := change()
		r := rev(org)
		if raised := r > last; raised != wantRaised || (wantRaised && err != nil) {
			t.Errorf("%s (err %v): revision %d -> %d", what, err, last, r)
		}
		last = r
	}
	a := tup("doc:1", "viewer", "user:anne")
	step("WriteModel", func() error {
		return s.WriteModel(ctx, org, authz.StoredModel{ID: "azm_rev1", CreatedAt: when, Model: model()})
	}, true)
	step("a write", func() error { return mustWriteErr(s, org, a) }, true)
	step("a duplicate write", func() error { return mustWriteErr(s, org, a) }, false)
	step("a delete", func() error {
		return s.Write(ctx, org, authz.WriteBatch{Deletes: []authz.Tuple{a}, Time: when})
	}, true)
	if r := rev("org_other"); r != 0 {
		t.Errorf("another organization's revision moved to %d", r)
	}

	before := rev(org)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			if err := mustWriteErr(s, org, tup(fmt.Sprintf("doc:r%d", w), "viewer", "user:anne")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if r := rev(org); r < before+4 {
		t.Errorf("four concurrent writes raised the revision from %d to %d, want at least %d",
			before, r, before+4)
	}
}

func mustWriteErr(s authz.Store, org string, ts ...authz.Tuple) error {
	return s.Write(ctx, org, authz.WriteBatch{Writes: ts, Time: when})
}

// testCachedChecks runs two Services with the revision-keyed check cache
// on the store, as two instances would: a change through either is seen
// by the other's next Check, cached answers or not.
func testCachedChecks(t *testing.T, s authz.Store) {
	a, errA := authz.New(authz.Config{Store: s, CheckCacheSize: 1000})
	b, errB := authz.New(authz.Config{Store: s, CheckCacheSize: 1000})
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if _, err := a.WriteModel(ctx, org, model()); err != nil {
		t.Fatal(err)
	}
	grant := tup("doc:1", "viewer", "user:anne")
	req := authz.CheckRequest{Object: "doc:1", Relation: "viewer", User: "user:anne"}
	check := func(svc *authz.Service, want bool, why string) {
		t.Helper()
		for range 2 { // the second answer may come from the cache
			if ok, err := svc.Check(ctx, org, req); ok != want || err != nil {
				t.Errorf("%s: Check = %v, %v; want %v", why, ok, err, want)
			}
		}
	}
	check(b, false, "before the grant")
	if err := a.Write(ctx, org, authz.WriteRequest{Writes: []authz.Tuple{grant}}); err != nil {
		t.Fatal(err)
	}
	check(b, true, "after a grant through the other instance")
	check(a, true, "after its own grant")
	if err := b.Write(ctx, org, authz.WriteRequest{Deletes: []authz.Tuple{grant}}); err != nil {
		t.Fatal(err)
	}
	check(a, false, "after a revocation through the other instance")
	check(b, false, "after its own revocation")
}
