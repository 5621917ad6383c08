package secretstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/secrets"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestStore runs the conformance suite against stores made by newStore.
// Each subtest asks for a new, empty store, and subtests run in parallel,
// so newStore must return independent stores (for SQL, a fresh database
// or schema each time).
func TestStore(t *testing.T, newStore func(t *testing.T) secrets.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, secrets.Store)
	}{
		{"Versions", testVersions},
		{"VersionConflicts", testVersionConflicts},
		{"Retention", testRetention},
		{"Metadata", testMetadata},
		{"SetMetadata", testSetMetadata},
		{"OrganizationsIsolated", testIsolation},
		{"ListSecrets", testListSecrets},
		{"DeleteRestore", testDeleteRestore},
		{"DestroyAndPurge", testDestroy},
		{"Rewrap", testRewrap},
		{"ConcurrentWrites", testConcurrentWrites},
		{"Events", testEvents},
		{"EventsNotSkipped", testEventsNotSkipped},
		{"PruneEvents", testPruneEvents},
		{"APIKeys", testAPIKeys},
		{"APIKeysIsolated", testAPIKeyIsolation},
		{"APIKeyRotateRevoke", testAPIKeyRotateRevoke},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newStore(t))
		})
	}
}

// base is the time the suite's records are made at, at microsecond
// precision as SQL stores keep it.
var base = time.Date(2026, 12, 1, 9, 30, 0, 123456000, time.UTC)

func secret(org, name string, version int) (secrets.Secret, secrets.SealedVersion) {
	s := secrets.Secret{OrganizationID: org, Name: name, LatestVersion: version,
		CreatedAt: base, UpdatedAt: base.Add(time.Duration(version) * time.Second)}
	v := secrets.SealedVersion{OrganizationID: org, Name: name, Version: version,
		KeyID: "k1", WrappedKey: []byte(fmt.Sprintf("wrapped-%s-%s-%d", org, name, version)),
		Ciphertext: []byte(fmt.Sprintf("ct-%s-%s-%d", org, name, version)), CreatedAt: s.UpdatedAt}
	return s, v
}

func event(org, typ string) secrets.Event {
	return secrets.Event{ID: fmt.Sprintf("sev_%d", time.Now().UnixNano()), Type: typ,
		OrganizationID: org, Time: base, Actor: secrets.Actor{Type: "user", ID: "u1"}}
}

func put(t *testing.T, st secrets.Store, org, name string, version,
	keep int) secrets.SealedVersion {
	t.Helper()
	s, v := secret(org, name, version)
	if err := st.PutVersion(context.Background(), s, v, keep,
		event(org, secrets.EventSecretWritten)); err != nil {
		t.Fatalf("PutVersion(%s, %s, %d): %v", org, name, version, err)
	}
	return v
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err = %v, want %v", what, err, want)
	}
}

func testVersions(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	v1 := put(t, st, "org1", "db", 1, 0)
	v2 := put(t, st, "org1", "db", 2, 0)
	for _, tc := range []struct {
		ask  int
		want secrets.SealedVersion
	}{{0, v2}, {1, v1}, {2, v2}} {
		got, err := st.Version(ctx, "org1", "db", tc.ask)
		if err != nil {
			t.Fatalf("Version(%d): %v", tc.ask, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Version(%d) (-want +got):\n%s", tc.ask, diff)
		}
	}
	_, err := st.Version(ctx, "org1", "db", 3)
	wantErr(t, "missing version", err, secrets.ErrNotFound)
	_, err = st.Version(ctx, "org1", "nope", 0)
	wantErr(t, "missing secret", err, secrets.ErrNotFound)
	_, err = st.Secret(ctx, "org1", "nope")
	wantErr(t, "missing secret record", err, secrets.ErrNotFound)
	vs, err := st.ListVersions(ctx, "org1", "db")
	if err != nil || !cmp.Equal(vs, []int{1, 2}) {
		t.Errorf("ListVersions = %v, %v; want [1 2]", vs, err)
	}
}

func testVersionConflicts(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	s, v := secret("org1", "db", 2)
	err := st.PutVersion(ctx, s, v, 0, event("org1", "x"))
	wantErr(t, "new secret at version 2", err, secrets.ErrVersionConflict)
	put(t, st, "org1", "db", 1, 0)
	for _, n := range []int{1, 3} {
		s, v := secret("org1", "db", n)
		err := st.PutVersion(ctx, s, v, 0, event("org1", "x"))
		wantErr(t, fmt.Sprintf("version %d after 1", n), err, secrets.ErrVersionConflict)
	}
	got, err := st.Secret(ctx, "org1", "db")
	if err != nil || got.LatestVersion != 1 {
		t.Errorf("after conflicts: latest = %d, %v; want 1", got.LatestVersion, err)
	}
}

func testRetention(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	for n := 1; n <= 5; n++ {
		put(t, st, "org1", "db", n, 3)
	}
	vs, err := st.ListVersions(ctx, "org1", "db")
	if err != nil || !cmp.Equal(vs, []int{3, 4, 5}) {
		t.Errorf("keep 3: versions = %v, %v; want [3 4 5]", vs, err)
	}
	_, err = st.Version(ctx, "org1", "db", 2)
	wantErr(t, "removed version", err, secrets.ErrNotFound)
}

func testMetadata(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	s, v := secret("org1", "stripe", 1)
	s.Metadata = secrets.Metadata{Owner: "payments", Description: "Stripe key",
		Labels: map[string]string{"env": "prod",
			"team": "pay"}, ExpiresAt: base.Add(48 * time.Hour),
		RotateBy: base.Add(24 * time.Hour), RotationPeriod: 24 * time.Hour}
	if err := st.PutVersion(ctx, s, v, 0, event("org1", "x")); err != nil {
		t.Fatal(err)
	}
	got, err := st.Secret(ctx, "org1", "stripe")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, got); diff != "" {
		t.Errorf("Secret (-want +got):\n%s", diff)
	}
	got.Metadata.Labels["env"] = "changed" // the caller owns what it got
	again, _ := st.Secret(ctx, "org1", "stripe")
	if again.Metadata.Labels["env"] != "prod" {
		t.Error("changing a returned map changed the store")
	}
}

func testIsolation(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	a := put(t, st, "orgA", "db", 1, 0)
	b := put(t, st, "orgB", "db", 1, 0)
	got, err := st.Version(ctx, "orgB", "db", 0)
	if err != nil || !bytes.Equal(got.Ciphertext,
		b.Ciphertext) || bytes.Equal(got.Ciphertext, a.Ciphertext) {
		t.Errorf("orgB's db = %q, %v; want its own", got.Ciphertext, err)
	}
	put(t, st, "orgA", "only-a", 1, 0)
	_, err = st.Secret(ctx, "orgB", "only-a")
	wantErr(t, "orgB reading orgA's secret", err, secrets.ErrNotFound)
	_, err = st.Version(ctx, "orgB", "only-a", 1)
	wantErr(t, "orgB reading orgA's version", err, secrets.ErrNotFound)
	err = st.SetDeleted(ctx, "orgB", "only-a", base, event("orgB", "x"))
	wantErr(t, "orgB deleting orgA's secret", err, secrets.ErrNotFound)
	err = st.DestroySecret(ctx, "orgB", "only-a", event("orgB", "x"))
	wantErr(t, "orgB destroying orgA's secret", err, secrets.ErrNotFound)
	list, err := st.ListSecrets(ctx, "orgB", secrets.ListOptions{Limit: 10})
	if err != nil || len(list) != 1 || list[0].OrganizationID != "orgB" {
		t.Errorf("orgB's list = %+v, %v; want only its db", list, err)
	}
	if _, err := st.Secret(ctx, "orgA", "only-a"); err != nil {
		t.Errorf("orgA's secret after orgB's attempts: %v", err)
	}
}

func testListSecrets(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	for _, n := range []string{"c", "a", "e", "b", "d"} {
		put(t, st, "org1", n, 1, 0)
	}
	put(t, st, "org0", "z", 1, 0)
	put(t, st, "org2", "a", 1, 0)
	if err := st.SetDeleted(ctx, "org1", "d", base, event("org1", "x")); err != nil {
		t.Fatal(err)
	}
	names := func(opts secrets.ListOptions) []string {
		list, err := st.ListSecrets(ctx, "org1", opts)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range list {
			out = append(out, s.Name)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		opts secrets.ListOptions
		want []string
	}{
		{"first page", secrets.ListOptions{Limit: 2}, []string{"a", "b"}},
		{"next page skips deleted", secrets.ListOptions{After: "b", Limit: 2}, []string{"c", "e"}},
		{"last page", secrets.ListOptions{After: "e", Limit: 2}, nil},
		{"with deleted", secrets.ListOptions{After: "b", Limit: 10, IncludeDeleted: true},
			[]string{"c", "d", "e"}},
	} {
		if diff := cmp.Diff(tc.want, names(tc.opts), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func testDeleteRestore(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	put(t, st, "org1", "db", 1, 0)
	if err := st.SetDeleted(ctx, "org1", "db", base, event("org1", "x")); err != nil {
		t.Fatal(err)
	}
	_, err := st.Version(ctx, "org1", "db", 0)
	wantErr(t, "reading a deleted secret", err, secrets.ErrDeleted)
	s, v := secret("org1", "db", 2)
	wantErr(t, "writing a deleted secret",
		st.PutVersion(ctx, s, v, 0, event("org1", "x")), secrets.ErrDeleted)
	wantErr(t, "deleting twice",
		st.SetDeleted(ctx, "org1", "db", base, event("org1", "x")), secrets.ErrNotFound)
	rec, err := st.Secret(ctx, "org1", "db")
	if err != nil || !rec.DeletedAt.Equal(base) {
		t.Errorf("deleted record: DeletedAt = %v, %v; want %v", rec.DeletedAt, err, base)
	}
	if err := st.SetDeleted(ctx, "org1", "db", time.Time{}, event("org1", "x")); err != nil {
		t.Fatalf("restoring: %v", err)
	}
	wantErr(t, "restoring twice",
		st.SetDeleted(ctx, "org1", "db", time.Time{}, event("org1", "x")), secrets.ErrNotFound)
	if _, err := st.Version(ctx, "org1", "db", 1); err != nil {
		t.Errorf("reading a restored secret: %v", err)
	}
}

func testDestroy(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	put(t, st, "org1", "old", 1, 0)
	put(t, st, "org1", "older", 1, 0)
	put(t, st, "org2", "new", 1, 0)
	put(t, st, "org1", "live", 1, 0)
	for name, at := range map[string]time.Time{"old": base.Add(-time.Hour),
		"older": base.Add(-2 * time.Hour)} {
		org := "org1"
		if err := st.SetDeleted(ctx, org, name, at, event(org, "x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetDeleted(ctx, "org2", "new", base, event("org2", "x")); err != nil {
		t.Fatal(err)
	}
	refs, err := st.DeletedBefore(ctx, base.Add(-time.Minute), 10)
	want := []secrets.VersionRef{{OrganizationID: "org1", Name: "older"},
		{OrganizationID: "org1", Name: "old"}}
	if diff := cmp.Diff(want, refs); err != nil || diff != "" {
		t.Errorf("DeletedBefore (-want +got), err %v:\n%s", err, diff)
	}
	if err := st.DestroySecret(ctx, "org1", "old", event("org1", "x")); err != nil {
		t.Fatal(err)
	}
	_, err = st.Secret(ctx, "org1", "old")
	wantErr(t, "destroyed secret", err, secrets.ErrNotFound)
	wantErr(t, "destroying twice",
		st.DestroySecret(ctx, "org1", "old", event("org1", "x")), secrets.ErrNotFound)
	put(t, st, "org1", "old", 1, 0) // the name is free again
}

func testRewrap(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	for _, org := range []string{"o2", "o1"} {
		for _, name := range []string{"b", "a"} {
			put(t, st, org, name, 1, 0)
			put(t, st, org, name, 2, 0)
		}
	}
	change := func(name string, version int, old, wrapped string) secrets.RewrapChange {
		return secrets.RewrapChange{Ref: ref3("o1", name, version), OldKeyID: old, NewKeyID: "k2",
			WrappedKey: []byte(wrapped), Event: event("o1", secrets.EventSecretRewrapped)}
	}
	n, err := st.Rewrap(ctx, []secrets.RewrapChange{
		change("b", 1, "k1", "new"),
		change("b", 1, "k1", "stale"),   // under k2 by now: skipped
		change("b", 9, "k1", "missing"), // no such version: skipped
		change("zz", 1, "k1", "missing"),
	})
	if err != nil || n != 1 {
		t.Errorf("Rewrap applied %d, %v; want 1", n, err)
	}
	if n, err := st.CountNotUnder(ctx, "k2"); err != nil || n != 7 {
		t.Errorf("CountNotUnder(k2) = %d, %v; want 7", n, err)
	}
	if n, err := st.Rewrap(ctx, nil); err != nil || n != 0 {
		t.Errorf("empty Rewrap = %d, %v", n, err)
	}
	got, _ := st.Version(ctx, "o1", "b", 1)
	if got.KeyID != "k2" || string(got.WrappedKey) != "new" ||
		string(got.Ciphertext) != "ct-o1-b-1" {
		t.Errorf("after Rewrap: %+v", got)
	}

	var walked []secrets.VersionRef
	var after secrets.VersionRef
	for range 10 {
		batch, err := st.VersionsNotUnder(ctx, "k2", after, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range batch {
			after = secrets.VersionRef{OrganizationID: v.OrganizationID,
				Name: v.Name, Version: v.Version}
			walked = append(walked, after)
		}
		if len(batch) < 3 {
			break
		}
	}
	want := []secrets.VersionRef{ref3("o1", "a", 1), ref3("o1", "a", 2), ref3("o1", "b", 2),
		ref3("o2", "a", 1), ref3("o2", "a", 2), ref3("o2", "b", 1), ref3("o2", "b", 2)}
	if diff := cmp.Diff(want, walked); diff != "" {
		t.Errorf("VersionsNotUnder walk (-want +got):\n%s", diff)
	}
}

func testConcurrentWrites(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	const writers, each = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for range writers {
		wg.Go(func() {
			for range each {
				errs <- putNext(ctx, st)
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
	vs, err := st.ListVersions(ctx, "org1", "hot")
	if err != nil || len(vs) != writers*each || vs[len(vs)-1] != writers*each {
		t.Errorf("versions after %d writes = %v, %v", writers*each, vs, err)
	}
}

// putNext writes the next version of org1/hot, retrying on conflicts as
// the service does.
func putNext(ctx context.Context, st secrets.Store) error {
	for range 200 {
		n := 1
		if cur, err := st.Secret(ctx, "org1", "hot"); err == nil {
			n = cur.LatestVersion + 1
		}
		s, v := secret("org1", "hot", n)
		err := st.PutVersion(ctx, s, v, 0, event("org1", "x"))
		if !errors.Is(err, secrets.ErrVersionConflict) {
			return err
		}
	}
	return errors.New("too many conflicts")
}

func testEvents(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	evs, err := st.Events(ctx, "", 10)
	if err != nil || len(evs) != 0 {
		t.Fatalf("events of an empty store = %v, %v", evs, err)
	}
	put(t, st, "org1", "db", 1, 0)
	read := event("org1", secrets.EventSecretRead)
	read.Data = secrets.EventData{Secret: "db", Version: 1,
		Purpose: "deploy", Reason: "r", KeyID: "k",
		APIKeyID: "key_1", OwnerID: "u1", Count: 2}
	if err := st.AppendEvent(ctx, read); err != nil {
		t.Fatal(err)
	}
	s, v := secret("org1", "db", 5) // a conflict records nothing
	_ = st.PutVersion(ctx, s, v, 0, event("org1", "conflict"))
	if err := st.SetDeleted(ctx, "org1", "db", base,
		event("org1", secrets.EventSecretDeleted)); err != nil {
		t.Fatal(err)
	}
	all, err := st.Events(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range all {
		types = append(types, e.Type)
	}
	want := []string{secrets.EventSecretWritten, secrets.EventSecretRead,
		secrets.EventSecretDeleted}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Fatalf("event types (-want +got):\n%s", diff)
	}
	read.Cursor = all[1].Cursor
	if diff := cmp.Diff(read, all[1]); diff != "" {
		t.Errorf("read event round trip (-want +got):\n%s", diff)
	}
	rest, err := st.Events(ctx, all[0].Cursor, 1)
	if err != nil || len(rest) != 1 || rest[0].Type != secrets.EventSecretRead {
		t.Errorf("Events after the first, limit 1 = %+v, %v", rest, err)
	}
	tail, err := st.Events(ctx, all[2].Cursor, 10)
	if err != nil || len(tail) != 0 {
		t.Errorf("Events after the last = %+v, %v", tail, err)
	}
}

func ref3(org, name string, v int) secrets.VersionRef {
	return secrets.VersionRef{OrganizationID: org, Name: name, Version: v}
}

// testEventsNotSkipped reads the outbox with a cursor while writers
// append to it: a reader that follows the cursor must see every event,
// even where the database hands out positions before commit.
func testEventsNotSkipped(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	const writers, each = 4, 15
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				ev := event("org1", "x")
				ev.ID = fmt.Sprintf("sev_%d_%d", w, i)
				if err := st.AppendEvent(ctx, ev); err != nil {
					t.Error(err)
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[string]bool{}
	cursor := ""
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		evs, err := st.Events(ctx, cursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if seen[e.ID] {
				t.Fatalf("event %s returned twice", e.ID)
			}
			seen[e.ID] = true
			cursor = e.Cursor
		}
		if finished && len(evs) == 0 {
			break
		}
	}
	if len(seen) != writers*each {
		t.Errorf("a reader following the cursor saw %d of %d events", len(seen), writers*each)
	}
}

func testPruneEvents(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	for i := range 5 {
		ev := event("org1", "x")
		ev.ID = fmt.Sprintf("sev_%d", i)
		if err := st.AppendEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	all, err := st.Events(ctx, "", 10)
	if err != nil || len(all) != 5 {
		t.Fatalf("Events = %d, %v", len(all), err)
	}
	n, err := st.PruneEvents(ctx, all[2].Cursor)
	if err != nil || n != 3 {
		t.Errorf("PruneEvents through the third = %d, %v; want 3", n, err)
	}
	rest, err := st.Events(ctx, "", 10)
	if err != nil || len(rest) != 2 || rest[0].ID != "sev_3" || rest[0].Cursor != all[3].Cursor {
		t.Errorf("after pruning: %+v, %v; want sev_3 and sev_4 with their cursors", rest, err)
	}
	if n, err := st.PruneEvents(ctx, all[1].Cursor); err != nil || n != 0 {
		t.Errorf("pruning again below the mark = %d, %v", n, err)
	}
	if _, err := st.PruneEvents(ctx, "not-a-cursor"); err == nil {
		t.Error("a malformed cursor was accepted")
	}
}

func testSetMetadata(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	put(t, st, "org1", "db", 1, 0)
	meta := secrets.Metadata{Owner: "platform", Labels: map[string]string{"tier": "1"}}
	later := base.Add(time.Hour)
	if err := st.SetMetadata(ctx, "org1", "db", meta, later, event("org1", "update")); err != nil {
		t.Fatal(err)
	}
	got, err := st.Secret(ctx, "org1", "db")
	if err != nil || got.LatestVersion != 1 || !got.UpdatedAt.Equal(later) {
		t.Fatalf("after SetMetadata: %+v, %v", got, err)
	}
	if diff := cmp.Diff(meta, got.Metadata); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	err = st.SetMetadata(ctx, "org2", "db", meta, later, event("org2", "update"))
	wantErr(t, "another organization's secret", err, secrets.ErrNotFound)
	if err := st.SetDeleted(ctx, "org1", "db", later, event("org1", "x")); err != nil {
		t.Fatal(err)
	}
	err = st.SetMetadata(ctx, "org1", "db", meta, later, event("org1", "update"))
	wantErr(t, "a deleted secret", err, secrets.ErrDeleted)
}
