package ids

import (
	"sort"
	"testing"
	"time"
)

func TestNewSortsByTime(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var got []string
	for i := range 50 {
		got = append(got, NewAt("dom", base.Add(time.Duration(i)*time.Millisecond)))
	}
	if !sort.StringsAreSorted(got) {
		t.Fatalf("IDs made later do not sort later: %v", got)
	}
	for _, id := range got {
		if !Valid("dom", id) {
			t.Errorf("Valid(%q) = false", id)
		}
	}
}

func TestKnownEncoding(t *testing.T) {
	t.Parallel()
	// 2^48-1 ms, the largest ULID time, encodes as 7ZZZZZZZZZ.
	id := NewAt("x", time.UnixMilli(1<<48-1))
	if got := id[2:12]; got != "7ZZZZZZZZZ" {
		t.Errorf("time part = %q, want 7ZZZZZZZZZ", got)
	}
	if got := NewAt("x", time.UnixMilli(0))[2:12]; got != "0000000000" {
		t.Errorf("time part of zero = %q", got)
	}
}

func TestValidRejects(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"", "dom_", "key_01JD0000000000000000000000", "dom_01JD00000000000000000000I0", "dom_81JD0000000000000000000000", "dom_01JD"} {
		if Valid("dom", id) {
			t.Errorf("Valid(%q) = true", id)
		}
	}
}

func TestDerive(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a := Derive("evt", at, "scim/42")
	if a != Derive("evt", at, "scim/42") || !Valid("evt", a) {
		t.Fatalf("Derive is not stable or not valid: %q", a)
	}
	if a == Derive("evt", at, "scim/43") || a == Derive("evt", at.Add(time.Millisecond), "scim/42") {
		t.Error("other keys or times give the same ID")
	}
	if a[4:14] != NewAt("evt", at)[4:14] {
		t.Errorf("time part of %q differs from NewAt's", a)
	}
}
