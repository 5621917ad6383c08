package backoff

import (
	"context"
	"testing"
	"time"
)

func TestJitterBounds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		attempt     int
		base, limit time.Duration
	}{
		{0, time.Millisecond, time.Millisecond},
		{3, time.Millisecond, 8 * time.Millisecond},
		{20, time.Millisecond, 250 * time.Millisecond},  // capped
		{100, time.Millisecond, 250 * time.Millisecond}, // no overflow
	} {
		for range 200 {
			if d := Jitter(tc.attempt, tc.base, 250*time.Millisecond); d < 0 || d >= tc.limit {
				t.Fatalf("Jitter(%d) = %v, want in [0, %v)", tc.attempt, d, tc.limit)
			}
		}
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); err != context.Canceled {
		t.Errorf("Sleep with a cancelled context = %v", err)
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep = %v", err)
	}
}
