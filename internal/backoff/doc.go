// Package backoff holds the retry pauses that the Gatehouse packages
// share: exponential backoff with full jitter, and a sleep that ends with
// its context.
//
//	for attempt := 0; ; attempt++ {
//		if err = try(); err == nil || !retryable(err) {
//			break
//		}
//		if err := backoff.Sleep(ctx, backoff.Jitter(attempt, 10*time.Millisecond, 5*time.Second)); err != nil {
//			return err
//		}
//	}
package backoff
