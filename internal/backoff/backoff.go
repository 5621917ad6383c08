package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Jitter returns a random pause in [0, limit), where limit is base
// doubled attempt times and at most ceiling ("full jitter"). Callers add
// the floor they want.
func Jitter(attempt int, base, ceiling time.Duration) time.Duration {
	limit := ceiling
	if attempt < 62 {
		if d := base << attempt; d > 0 && d < ceiling {
			limit = d
		}
	}
	return time.Duration(rand.Int64N(int64(limit)))
}

// Sleep waits for d, or until ctx ends, when it returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
