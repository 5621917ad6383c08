package domaintest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/internal/ids"
)

// TestStore checks that the stores newStore returns meet the contract of
// [domain.Store]. It calls newStore for each subtest and expects an empty
// store each time. Times are compared at microsecond precision.
func TestStore(t *testing.T, newStore func(t *testing.T) domain.Store) {
	t.Helper()
	tests := []struct {
		name string
		f    func(t *testing.T, s domain.Store)
	}{
		{"CreateGet", testCreateGet},
		{"Isolation", testIsolation},
		{"Duplicate", testDuplicate},
		{"List", testList},
		{"Update", testUpdate},
		{"OneVerifiedOwner", testOneVerifiedOwner},
		{"FindVerified", testFindVerified},
		{"DueForCheck", testDueForCheck},
		{"Delete", testDelete},
		{"Events", testEvents},
		{"FailedWriteAppendsNoEvent", testFailedWriteAppendsNoEvent},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"ConcurrentVerify", testConcurrentVerify},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.f(t, newStore(t))
		})
	}
}

var ctx = context.Background()

// base is the time the suite's records are made at.
var base = time.Date(2026, 12, 3, 9, 30, 15, 123456000, time.UTC)

func newDomain(org, name string) domain.Domain {
	return domain.Domain{
		ID:                 ids.NewAt("dom", base),
		OrganizationID:     org,
		Name:               name,
		Status:             domain.StatusPending,
		ChallengeToken:     "tok-" + name,
		ChallengeExpiresAt: base.Add(7 * 24 * time.Hour),
		CreatedAt:          base,
		UpdatedAt:          base,
	}
}

func event(t domain.EventType, d domain.Domain) domain.Event {
	return domain.Event{
		ID: ids.NewAt("evt", base), Type: t, OrganizationID: d.OrganizationID, Time: base,
		Data: domain.EventData{DomainID: d.ID, Domain: d.Name, Reason: "why", Failures: d.ConsecutiveFailures},
	}
}

func create(t *testing.T, s domain.Store, org, name string) domain.Domain {
	t.Helper()
	d := newDomain(org, name)
	if err := s.Create(ctx, d, event(domain.EventAdded, d)); err != nil {
		t.Fatalf("Create(%s, %s): %v", org, name, err)
	}
	d.Revision = 1
	return d
}

// update stores d and returns it at its new revision.
func update(t *testing.T, s domain.Store, d domain.Domain, events ...domain.Event) domain.Domain {
	t.Helper()
	if err := s.Update(ctx, d, events...); err != nil {
		t.Fatalf("Update(%s): %v", d.Name, err)
	}
	d.Revision++
	return d
}

func verify(t *testing.T, s domain.Store, d domain.Domain) domain.Domain {
	t.Helper()
	d.Status, d.VerifiedAt = domain.StatusVerified, base.Add(time.Minute)
	return update(t, s, d, event(domain.EventVerified, d))
}

func get(t *testing.T, s domain.Store, org, id string) domain.Domain {
	t.Helper()
	d, err := s.Get(ctx, org, id)
	if err != nil {
		t.Fatalf("Get(%s, %s): %v", org, id, err)
	}
	return d
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err = %v, want %v", what, err, want)
	}
}

func testCreateGet(t *testing.T, s domain.Store) {
	d := newDomain("org_a", "example.com")
	d.IncludeSubdomains = true
	d.LastError = "earlier failure"
	d.ConsecutiveFailures = 2
	d.LastCheckedAt = base.Add(time.Hour)
	if err := s.Create(ctx, d, event(domain.EventAdded, d)); err != nil {
		t.Fatal(err)
	}
	d.Revision = 1
	if diff := cmp.Diff(d, get(t, s, "org_a", d.ID)); diff != "" {
		t.Errorf("Get after Create (-want +got):\n%s", diff)
	}
	_, err := s.Get(ctx, "org_a", "dom_missing")
	wantErr(t, "Get of a missing ID", err, domain.ErrNotFound)
}

func testIsolation(t *testing.T, s domain.Store) {
	a := create(t, s, "org_a", "example.com")
	_, err := s.Get(ctx, "org_b", a.ID)
	wantErr(t, "Get through another organization", err, domain.ErrNotFound)

	other := a
	other.OrganizationID = "org_b"
	other.IncludeSubdomains = true
	wantErr(t, "Update through another organization", s.Update(ctx, other), domain.ErrNotFound)
	wantErr(t, "Delete through another organization", s.Delete(ctx, "org_b", a.ID, event(domain.EventRemoved, other)), domain.ErrNotFound)

	list, err := s.List(ctx, "org_b", "", 10)
	if err != nil || len(list) != 0 {
		t.Errorf("List of org_b = %v, %v; want nothing", list, err)
	}
	if got := get(t, s, "org_a", a.ID); got.IncludeSubdomains || got.Revision != 1 {
		t.Errorf("org_a's domain changed through org_b: %+v", got)
	}
}

func testDuplicate(t *testing.T, s domain.Store) {
	create(t, s, "org_a", "example.com")
	d := newDomain("org_a", "example.com")
	wantErr(t, "second Create of a name", s.Create(ctx, d, event(domain.EventAdded, d)), domain.ErrDuplicate)
	create(t, s, "org_b", "example.com") // another organization may claim it too
}

func testList(t *testing.T, s domain.Store) {
	var want []string
	for i := range 7 {
		want = append(want, create(t, s, "org_a", fmt.Sprintf("d%d.example.com", i)).ID)
	}
	create(t, s, "org_b", "other.example")
	var got []string
	after := ""
	for page := 0; page < 10; page++ {
		list, err := s.List(ctx, "org_a", after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > 3 {
			t.Fatalf("List returned %d domains, limit 3", len(list))
		}
		if len(list) == 0 {
			break
		}
		for _, d := range list {
			got = append(got, d.ID)
		}
		after = list[len(list)-1].ID
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged List (-want +got):\n%s", diff)
	}
}

func testUpdate(t *testing.T, s domain.Store) {
	d := create(t, s, "org_a", "example.com")
	d.LastError, d.ConsecutiveFailures = "lookup failed", 1
	d.LastCheckedAt = base.Add(2 * time.Hour)
	d = update(t, s, d)
	if diff := cmp.Diff(d, get(t, s, "org_a", d.ID)); diff != "" {
		t.Errorf("Get after Update (-want +got):\n%s", diff)
	}

	stale := d
	stale.Revision--
	stale.IncludeSubdomains = true
	wantErr(t, "Update at an old revision", s.Update(ctx, stale), domain.ErrStale)
	if got := get(t, s, "org_a", d.ID); got.IncludeSubdomains {
		t.Error("a stale Update was applied")
	}
	missing := newDomain("org_a", "missing.example")
	wantErr(t, "Update of a missing domain", s.Update(ctx, missing), domain.ErrNotFound)
}

func testOneVerifiedOwner(t *testing.T, s domain.Store) {
	a := create(t, s, "org_a", "example.com")
	b := create(t, s, "org_b", "example.com")
	a = verify(t, s, a)

	b.Status = domain.StatusVerified
	wantErr(t, "verifying a name another organization holds", s.Update(ctx, b), domain.ErrClaimed)
	b.Status = domain.StatusPending
	b.LastError = "still pending" // a pending claim may still change
	b = update(t, s, b)

	a.Status = domain.StatusLapsed
	update(t, s, a)
	verify(t, s, b) // a lapsed holder no longer blocks another organization
	if got, err := s.FindVerified(ctx, []string{"example.com"}); err != nil || len(got) != 1 || got[0].OrganizationID != "org_b" {
		t.Errorf("FindVerified after the hand-over = %v, %v; want org_b's domain", got, err)
	}
}

func testFindVerified(t *testing.T, s domain.Store) {
	v1 := verify(t, s, create(t, s, "org_a", "example.com"))
	v2 := verify(t, s, create(t, s, "org_b", "eu.example.org"))
	create(t, s, "org_c", "pending.example.net")
	lapsed := verify(t, s, create(t, s, "org_c", "lapsed.example.net"))
	lapsed.Status = domain.StatusLapsed
	update(t, s, lapsed)

	got, err := s.FindVerified(ctx, []string{"example.com", "eu.example.org", "example.org",
		"pending.example.net", "lapsed.example.net", "unknown.example"})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]domain.Domain{}
	for _, d := range got {
		byName[d.Name] = d
	}
	want := map[string]domain.Domain{"example.com": v1, "eu.example.org": v2}
	if diff := cmp.Diff(want, byName); diff != "" {
		t.Errorf("FindVerified (-want +got):\n%s", diff)
	}
	if got, err := s.FindVerified(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("FindVerified(nil) = %v, %v", got, err)
	}
}

func testDueForCheck(t *testing.T, s domain.Store) {
	never := verify(t, s, create(t, s, "org_a", "never.example"))
	old := create(t, s, "org_b", "old.example")
	old.LastCheckedAt = base.Add(-48 * time.Hour)
	old = verify(t, s, old)
	recent := create(t, s, "org_c", "recent.example")
	recent.LastCheckedAt = base
	verify(t, s, recent)
	create(t, s, "org_d", "pending.example") // not verified: never due

	due, err := s.DueForCheck(ctx, base.Add(-time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{never.ID, old.ID}, idsOf(due)); diff != "" {
		t.Errorf("DueForCheck (-want +got):\n%s", diff)
	}
	if due, _ := s.DueForCheck(ctx, base.Add(-time.Hour), 1); len(due) != 1 || due[0].ID != never.ID {
		t.Errorf("DueForCheck with limit 1 = %v; want the never-checked domain", idsOf(due))
	}
}

func testDelete(t *testing.T, s domain.Store) {
	d := verify(t, s, create(t, s, "org_a", "example.com"))
	if err := s.Delete(ctx, "org_a", d.ID, event(domain.EventRemoved, d)); err != nil {
		t.Fatal(err)
	}
	_, err := s.Get(ctx, "org_a", d.ID)
	wantErr(t, "Get after Delete", err, domain.ErrNotFound)
	if got, _ := s.FindVerified(ctx, []string{"example.com"}); len(got) != 0 {
		t.Errorf("a deleted domain is still found verified: %v", got)
	}
	wantErr(t, "second Delete", s.Delete(ctx, "org_a", d.ID, event(domain.EventRemoved, d)), domain.ErrNotFound)
	create(t, s, "org_a", "example.com") // the name can be added again
}

func testEvents(t *testing.T, s domain.Store) {
	d := create(t, s, "org_a", "example.com")
	d = verify(t, s, d)
	d.ConsecutiveFailures = 3
	update(t, s, d, event(domain.EventVerificationFailed, d), event(domain.EventLapsed, d))
	if err := s.Delete(ctx, "org_a", d.ID, event(domain.EventRemoved, d)); err != nil {
		t.Fatal(err)
	}

	all, err := s.Events(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.EventType{domain.EventAdded, domain.EventVerified, domain.EventVerificationFailed,
		domain.EventLapsed, domain.EventRemoved}
	if diff := cmp.Diff(want, types(all)); diff != "" {
		t.Fatalf("event types (-want +got):\n%s", diff)
	}
	wantFirst := event(domain.EventAdded, newDomain("org_a", "example.com"))
	wantFirst.ID, wantFirst.Cursor, wantFirst.Data.DomainID = all[0].ID, all[0].Cursor, d.ID
	if diff := cmp.Diff(wantFirst, all[0]); diff != "" {
		t.Errorf("first event (-want +got):\n%s", diff)
	}

	// Reading in pages of two from each cursor gives the same sequence.
	var paged []domain.Event
	for cursor := ""; ; {
		page, err := s.Events(ctx, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		cursor = page[len(page)-1].Cursor
	}
	if diff := cmp.Diff(all, paged); diff != "" {
		t.Errorf("paged events (-all +paged):\n%s", diff)
	}
}

func testFailedWriteAppendsNoEvent(t *testing.T, s domain.Store) {
	a := verify(t, s, create(t, s, "org_a", "example.com"))
	b := create(t, s, "org_b", "example.com")
	before, _ := s.Events(ctx, "", 100)

	dup := newDomain("org_a", "example.com")
	_ = s.Create(ctx, dup, event(domain.EventAdded, dup))
	b.Status = domain.StatusVerified
	_ = s.Update(ctx, b, event(domain.EventVerified, b))
	stale := a
	stale.Revision = 99
	_ = s.Update(ctx, stale, event(domain.EventLapsed, a))
	_ = s.Delete(ctx, "org_b", a.ID, event(domain.EventRemoved, a))

	after, _ := s.Events(ctx, "", 100)
	if len(after) != len(before) {
		t.Errorf("refused writes appended %d events", len(after)-len(before))
	}
}

func testConcurrentUpdates(t *testing.T, s domain.Store) {
	d := create(t, s, "org_a", "example.com")
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range n {
		wg.Go(func() {
			c := d
			c.LastError = "writer " + strconv.Itoa(i)
			err := s.Update(ctx, c, event(domain.EventVerificationFailed, c))
			switch {
			case err == nil:
				mu.Lock()
				won++
				mu.Unlock()
			case !errors.Is(err, domain.ErrStale):
				t.Errorf("concurrent Update: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d of %d updates at the same revision succeeded, want 1", won, n)
	}
	if got := get(t, s, "org_a", d.ID); got.Revision != 2 {
		t.Errorf("revision after the race = %d, want 2", got.Revision)
	}
}

func testConcurrentVerify(t *testing.T, s domain.Store) {
	const n = 6
	claims := make([]domain.Domain, n)
	for i := range claims {
		claims[i] = create(t, s, "org_"+strconv.Itoa(i), "contested.example")
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, c := range claims {
		wg.Go(func() {
			c.Status = domain.StatusVerified
			errs[i] = s.Update(ctx, c, event(domain.EventVerified, c))
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, domain.ErrClaimed):
			t.Errorf("concurrent verify: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d organizations verified the same name, want 1", won)
	}
}

func idsOf(ds []domain.Domain) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

func types(es []domain.Event) []domain.EventType {
	var out []domain.EventType
	for _, e := range es {
		out = append(out, e.Type)
	}
	return out
}
