package secrets

import (
	"strconv"
	"testing"
)

// TestEventLogPruneAcrossChunks prunes past chunk boundaries and checks
// that positions and contents survive.
func TestEventLogPruneAcrossChunks(t *testing.T) {
	t.Parallel()
	var l eventLog
	const total = 3*eventChunk + 10
	for i := range total {
		l.append(Event{ID: strconv.Itoa(i)})
	}
	for _, through := range []int{5, eventChunk + 3, 2*eventChunk + 700, 2*eventChunk + 700} {
		l.prune(through)
		got := l.slice(l.base, l.n)
		if len(got) != total-through || got[0].ID != strconv.Itoa(through) ||
			got[len(got)-1].ID != strconv.Itoa(total-1) {
			t.Fatalf("after pruning through %d: %d events from %s", through, len(got), got[0].ID)
		}
	}
	if len(l.chunks) != 2 || l.dropped != 2 {
		t.Errorf("chunks kept %d, dropped %d; want 2 and 2", len(l.chunks), l.dropped)
	}
	if n := l.prune(total + 100); n != total-(2*eventChunk+700) || l.base != total {
		t.Errorf("pruning past the end removed %d, base %d", n, l.base)
	}
	l.append(Event{ID: "new"})
	if got := l.slice(l.base, l.n); len(got) != 1 || got[0].ID != "new" {
		t.Errorf("after pruning everything and appending: %+v", got)
	}
}
