package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/audit"
	"golang.org/x/mod/sumdb/note"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testEvent(org string, i int) audit.Event {
	return audit.Event{
		OrganizationID: org, Action: "doc.read", Time: t0.Add(time.Duration(i) * time.Minute),
		Actor:   audit.Actor{Type: "user", ID: fmt.Sprintf("user_%d", i%3)},
		Targets: []audit.Target{{Type: "doc", ID: fmt.Sprintf("doc_%d", i)}},
		Context: audit.Context{IP: "192.0.2.1"},
	}
}

func recordN(t testing.TB, s *audit.Service, org string, from, to int, edit func(i int, e *audit.Event)) {
	t.Helper()
	for i := from; i < to; i++ {
		e := testEvent(org, i)
		if edit != nil {
			edit(i, &e)
		}
		if err := s.Record(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

func export(t testing.TB, s *audit.Service, org string, opts audit.ExportOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := s.Export(context.Background(), &b, org, opts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func verifier(t testing.TB, s *audit.Service) note.Verifier {
	t.Helper()
	v, err := audit.NewVerifier(s.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// lines edits an export line by line; lines[0] is the header.
func editLines(data []byte, edit func(lines []string) []string) []byte {
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	return []byte(strings.Join(edit(lines), "\n") + "\n")
}

func kinds(r *audit.Report) []audit.ProblemKind {
	var out []audit.ProblemKind
	for _, p := range r.Problems {
		out = append(out, p.Kind)
	}
	return out
}

func hasKind(r *audit.Report, k audit.ProblemKind) bool {
	for _, p := range r.Problems {
		if p.Kind == k {
			return true
		}
	}
	return false
}

// TestVerifyDetectsTampering edits an honest export of 20 events in every
// way the verifier must notice.
func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t, audit.Config{})
	recordN(t, s, "org_1", 0, 10, nil)
	kept, err := s.Checkpoint(ctx, "org_1")
	if err != nil {
		t.Fatal(err)
	}
	recordN(t, s, "org_1", 10, 20, nil)
	honest := export(t, s, "org_1", audit.ExportOptions{})
	otherKey := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32))
	other, _ := newService(t, audit.Config{Signer: otherKey})
	recordN(t, other, "org_1", 0, 20, nil)
	stranger, _ := newService(t, audit.Config{})
	recordN(t, stranger, "org_2", 0, 10, nil)
	strangerKept, _ := stranger.Checkpoint(ctx, "org_2")

	tests := []struct {
		name   string
		export []byte
		key    note.Verifier
		kept   []byte
		want   audit.ProblemKind
	}{
		{"modified event", editLines(honest, func(l []string) []string {
			l[8] = strings.Replace(l[8], "192.0.2.1", "192.0.2.66", 1)
			return l
		}), nil, nil, audit.Modified},
		{"modified actor", bytes.Replace(honest, []byte(`"id":"user_2"`), []byte(`"id":"user_0"`), 1),
			nil, nil, audit.Modified},
		{"deleted event", editLines(honest, func(l []string) []string {
			return append(l[:5:5], l[6:]...)
		}), nil, nil, audit.Missing},
		{"deleted and renumbered", editLines(honest, func(l []string) []string {
			return l[:len(l)-1]
		}), nil, nil, audit.Missing},
		{"inserted copy", editLines(honest, func(l []string) []string {
			return append(l[:6:6], append([]string{l[5]}, l[6:]...)...)
		}), nil, nil, audit.Inserted},
		{"inserted foreign event", editLines(honest, func(l []string) []string {
			x := strings.Replace(l[3], `"org":"org_1"`, `"org":"org_9"`, 1)
			return append(l[:4:4], append([]string{x}, l[4:]...)...)
		}), nil, nil, audit.Inserted},
		{"reordered events", editLines(honest, func(l []string) []string {
			l[4], l[5] = l[5], l[4]
			return l
		}), nil, nil, audit.Reordered},
		{"reordered with indexes rewritten", editLines(honest, func(l []string) []string {
			a, b := l[4][strings.Index(l[4], `,"event"`):], l[5][strings.Index(l[5], `,"event"`):]
			l[4] = `{"index":3` + b
			l[5] = `{"index":4` + a
			return l
		}), nil, nil, audit.Modified},
		{"forged checkpoint root", bytes.Replace(honest, []byte(`\n20\n`), []byte(`\n19\n`), 1),
			nil, nil, audit.BadCheckpoint},
		{"signed by another key", export(t, other, "org_1", audit.ExportOptions{}), nil, nil, audit.BadCheckpoint},
		{"garbage line", editLines(honest, func(l []string) []string {
			return append(l, "not json")
		}), nil, nil, audit.Malformed},
		{"huge line", editLines(honest, func(l []string) []string {
			return append(l[:3:3], append([]string{strings.Repeat("x", 3<<20)}, l[3:]...)...)
		}), nil, nil, audit.Malformed},
		{"not an export", []byte("hello\n"), nil, nil, audit.Malformed},
		{"empty", nil, nil, nil, audit.Malformed},
		{"kept checkpoint of another organization", honest, nil, strangerKept, audit.BadCheckpoint},
		{"kept checkpoint forged", honest, nil, bytes.Replace(kept, []byte("\n10\n"), []byte("\n11\n"), 1),
			audit.BadCheckpoint},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key := tc.key
			if key == nil {
				key = verifier(t, s)
			}
			rep, err := audit.Verify(bytes.NewReader(tc.export), key, tc.kept)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() || !hasKind(rep, tc.want) {
				t.Errorf("problems %v, want %s", kinds(rep), tc.want)
			}
		})
	}
	t.Run("honest export verifies", func(t *testing.T) {
		rep, err := audit.Verify(bytes.NewReader(honest), verifier(t, s), kept)
		if err != nil || !rep.OK() || rep.Events != 20 || rep.Kept == nil {
			t.Errorf("honest export: %v, %v, %d events", err, rep.Problems, rep.Events)
		}
	})
}

// TestVerifyAgainstKeptCheckpoint plays an attacker who holds the signing
// key and rewrites or truncates the log: only the customer's kept
// checkpoint can expose it.
func TestVerifyAgainstKeptCheckpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t, audit.Config{})
	recordN(t, s, "org_1", 0, 10, nil)
	kept, _ := s.Checkpoint(ctx, "org_1")
	rewrite := func(t *testing.T, n int, edit func(i int, e *audit.Event)) []byte {
		forger, _ := newService(t, audit.Config{})
		recordN(t, forger, "org_1", 0, n, edit)
		return export(t, forger, "org_1", audit.ExportOptions{})
	}
	tests := []struct {
		name   string
		export []byte
		want   audit.ProblemKind
	}{
		{"rewritten event before the kept checkpoint", rewrite(t, 15, func(i int, e *audit.Event) {
			if i == 3 {
				e.Actor.ID = "someone_else"
			}
		}), audit.Forked},
		{"truncated below the kept checkpoint", rewrite(t, 7, nil), audit.Truncated},
		{"rewritten at the kept size", rewrite(t, 10, func(i int, e *audit.Event) {
			if i == 9 {
				e.Action = "doc.deleted"
			}
		}), audit.Forked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := audit.Verify(bytes.NewReader(tc.export), verifier(t, s), kept)
			if err != nil {
				t.Fatal(err)
			}
			if !hasKind(rep, tc.want) {
				t.Errorf("problems %v, want %s", kinds(rep), tc.want)
			}
		})
	}
}

func TestVerifyAfterRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t, audit.Config{})
	recordN(t, s, "org_1", 0, 3, nil)
	early, _ := s.Checkpoint(ctx, "org_1")
	recordN(t, s, "org_1", 3, 10, nil)
	kept, _ := s.Checkpoint(ctx, "org_1")
	recordN(t, s, "org_1", 10, 13, nil)
	if start, err := s.Prune(ctx, "org_1", t0.Add(5*time.Minute)); err != nil || start != 5 {
		t.Fatalf("Prune = %d, %v", start, err)
	}
	v := verifier(t, s)
	plain := export(t, s, "org_1", audit.ExportOptions{})
	for _, tc := range []struct {
		name   string
		export []byte
		kept   []byte
		want   []audit.ProblemKind
	}{
		{"no kept checkpoint", plain, nil, nil},
		{"kept checkpoint within the export", plain, kept, nil},
		{"kept checkpoint before the export", plain, early, []audit.ProblemKind{audit.Unverifiable}},
		{"with a consistency proof", export(t, s, "org_1", audit.ExportOptions{ConsistencyFrom: 3}), early, nil},
		{"left hashes altered", bytes.Replace(plain, []byte(`"left":["`), []byte(`"left":["AAAA`), 1), nil,
			[]audit.ProblemKind{audit.Modified}},
	} {
		rep, err := audit.Verify(bytes.NewReader(tc.export), v, tc.kept)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(kinds(rep)) != fmt.Sprint(tc.want) {
			t.Errorf("%s: problems %v, want %v", tc.name, rep.Problems, tc.want)
		}
		if rep.Start != 5 {
			t.Errorf("%s: start %d, want 5", tc.name, rep.Start)
		}
	}
}

// tamperedStore changes what the database returns for one event, as an
// attacker with write access to the database would.
type tamperedStore struct {
	*audit.MemoryStore
	index uint64
}

func (s tamperedStore) Leaves(ctx context.Context, org string, from uint64, limit int) ([]audit.Entry, error) {
	es, err := s.MemoryStore.Leaves(ctx, org, from, limit)
	for i := range es {
		if es[i].Index == s.index {
			es[i].Data = bytes.Replace(es[i].Data, []byte("doc.read"), []byte("doc.seen"), 1)
		}
	}
	return es, err
}

func TestVerifyDetectsTamperedDatabase(t *testing.T) {
	t.Parallel()
	st := audit.NewMemoryStore()
	s, _ := newService(t, audit.Config{Store: tamperedStore{st, 4}})
	recordN(t, s, "org_1", 0, 9, nil)
	rep, err := audit.Verify(bytes.NewReader(export(t, s, "org_1", audit.ExportOptions{})), verifier(t, s), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !hasKind(rep, audit.Modified) {
		t.Errorf("problems %v, want modified", rep.Problems)
	}
}

func TestInclusionProofRefusesWrongEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st := newService(t, audit.Config{})
	recordN(t, s, "org_1", 0, 11, nil)
	cp, err := s.ParseCheckpoint("org_1", must(s.Checkpoint(ctx, "org_1")))
	if err != nil {
		t.Fatal(err)
	}
	leaves, _ := st.Leaves(ctx, "org_1", 0, 20)
	p := must(s.InclusionProof(ctx, "org_1", 6, cp.Size))
	if err := audit.VerifyInclusion(cp, 6, leaves[6].Data, p); err != nil {
		t.Fatalf("honest proof: %v", err)
	}
	for name, check := range map[string]func() error{
		"other event":     func() error { return audit.VerifyInclusion(cp, 6, leaves[5].Data, p) },
		"other index":     func() error { return audit.VerifyInclusion(cp, 5, leaves[6].Data, p) },
		"shortened proof": func() error { return audit.VerifyInclusion(cp, 6, leaves[6].Data, p[1:]) },
	} {
		if check() == nil {
			t.Errorf("%s: proof accepted", name)
		}
	}
	if _, err := s.InclusionProof(ctx, "org_1", 3, cp.Size+1); err == nil {
		t.Error("a proof for a tree larger than the log was made")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestVerifyRangeExport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t, audit.Config{})
	recordN(t, s, "org_1", 0, 10, nil)
	kept10, _ := s.Checkpoint(ctx, "org_1")
	recordN(t, s, "org_1", 10, 16, nil)
	kept16, _ := s.Checkpoint(ctx, "org_1")
	recordN(t, s, "org_1", 16, 20, nil)
	rng := export(t, s, "org_1", audit.ExportOptions{From: 5, To: 12})
	v := verifier(t, s)
	for _, tc := range []struct {
		name   string
		export []byte
		kept   []byte
		want   []audit.ProblemKind
	}{
		{"honest range", rng, nil, nil},
		{"kept checkpoint inside the range", rng, kept10, nil},
		{"kept checkpoint after the range", rng, kept16, []audit.ProblemKind{audit.Unverifiable}},
		{"kept checkpoint with a proof", export(t, s, "org_1",
			audit.ExportOptions{From: 5, To: 12, ConsistencyFrom: 16}), kept16, nil},
		{"modified in range", bytes.Replace(rng, []byte(`"doc_7"`), []byte(`"doc_8"`), 1), nil,
			[]audit.ProblemKind{audit.Modified}},
		{"last event of the range cut", editLines(rng, func(l []string) []string { return l[:len(l)-1] }),
			nil, []audit.ProblemKind{audit.Missing}},
		{"right hashes altered", bytes.Replace(rng, []byte(`"right":["`), []byte(`"right":["AAAA`), 1),
			nil, []audit.ProblemKind{audit.Modified}},
		{"end beyond the log", bytes.Replace(rng, []byte(`"end":12`), []byte(`"end":99`), 1), nil,
			[]audit.ProblemKind{audit.Malformed}},
	} {
		rep, err := audit.Verify(bytes.NewReader(tc.export), v, tc.kept)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(kinds(rep)) != fmt.Sprint(tc.want) {
			t.Errorf("%s: problems %v, want %v", tc.name, rep.Problems, tc.want)
		}
	}
	if rep, _ := audit.Verify(bytes.NewReader(rng), v, nil); rep.Events != 7 || rep.Start != 5 {
		t.Errorf("range export holds %d events from %d, want 7 from 5", rep.Events, rep.Start)
	}
}

func TestVerifyTimeRangeExport(t *testing.T) {
	t.Parallel()
	s, _ := newService(t, audit.Config{})
	recordN(t, s, "org_1", 0, 30, nil)
	v := verifier(t, s)
	for _, tc := range []struct {
		name         string
		since, until time.Time
		events       uint64
	}{
		{"a window", t0.Add(10 * time.Minute), t0.Add(20 * time.Minute), 10},
		{"open end", t0.Add(25 * time.Minute), time.Time{}, 5},
		{"nothing in range", t0.Add(time.Hour), time.Time{}, 0},
	} {
		exp := export(t, s, "org_1", audit.ExportOptions{Since: tc.since, Until: tc.until})
		rep, err := audit.Verify(bytes.NewReader(exp), v, nil)
		if err != nil || !rep.OK() || rep.Events != tc.events {
			t.Errorf("%s: %v %v, %d events; want %d", tc.name, err, rep.Problems, rep.Events, tc.events)
		}
	}
}

// TestVerifyLocatesAChangedEvent changes one event in the database of a
// 3000-event log: the hints of the export name the 1024 events that hold
// it, while an altered hint alone is told apart from altered events.
func TestVerifyLocatesAChangedEvent(t *testing.T) {
	t.Parallel()
	build := func(st audit.Store) *audit.Service {
		s, _ := newService(t, audit.Config{Store: st})
		batch := make([]audit.Event, 0, 1000)
		for i := range 3000 {
			batch = append(batch, testEvent("org_1", i))
			if len(batch) == cap(batch) {
				if err := s.RecordBatch(context.Background(), batch); err != nil {
					t.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		return s
	}
	honest := build(audit.NewMemoryStore())
	honestExp := export(t, honest, "org_1", audit.ExportOptions{})
	if n := bytes.Count(honestExp, []byte(`{"subtree":`)); n != 2 {
		t.Fatalf("%d hint lines, want 2", n)
	}
	rep, _ := audit.Verify(bytes.NewReader(honestExp), verifier(t, honest), nil)
	if !rep.OK() || rep.Events != 3000 {
		t.Fatalf("honest export with hints: %v, %d events", rep.Problems, rep.Events)
	}

	tampered := build(tamperedStore{audit.NewMemoryStore(), 1500})
	rep, _ = audit.Verify(bytes.NewReader(export(t, tampered, "org_1", audit.ExportOptions{})), verifier(t, tampered), nil)
	located := false
	for _, p := range rep.Problems {
		located = located || p.Kind == audit.Modified && strings.Contains(p.Message, "events 1024 to 2047")
	}
	if !located {
		t.Errorf("problems %v do not locate event 1500", rep.Problems)
	}

	lines := strings.Split(string(honestExp), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, `{"subtree":{"level":10,"index":0}`) {
			lines[i] = `{"subtree":{"level":10,"index":0},"hash":"` + strings.Repeat("A", 43) + `="}`
		}
	}
	rep, _ = audit.Verify(strings.NewReader(strings.Join(lines, "\n")), verifier(t, honest), nil)
	if fmt.Sprint(kinds(rep)) != "[malformed]" {
		t.Errorf("an altered hint alone gave %v, want one malformed", rep.Problems)
	}
}
