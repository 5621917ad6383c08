package sqlkit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// MaxAttempts bounds how many times [DB.InTx] runs a transaction that keeps
// meeting transient conflicts. Writers that succeed do not pause, so a
// loser on a hot row can lose several times in a row; with the backoff
// capped at 250 ms, 20 attempts give it up to about four seconds to get
// through before InTx gives up. Eight attempts starved such a writer in
// about one test run in twelve.
const MaxAttempts = 20

// InTx runs fn in a transaction and commits it when fn returns nil. When
// fn or the commit fails with an error for which [IsRetryable] is true, the
// transaction is rolled back and run again after a short randomized pause,
// at most [MaxAttempts] times in all. Any other error rolls the transaction
// back and is returned as it is.
//
// SAFETY: fn may run more than once, so it MUST NOT have effects outside
// the transaction, and it must not keep values it read in an earlier
// attempt.
func (db *DB) InTx(ctx context.Context, fn func(*sql.Tx) error) error {
	var err error
	for attempt := 1; attempt <= MaxAttempts; attempt++ {
		err = db.tryTx(ctx, fn)
		if err == nil || !IsRetryable(err) {
			return err
		}
		if werr := sleep(ctx, backoff(attempt)); werr != nil {
			return errors.Join(err, werr)
		}
	}
	return fmt.Errorf("sqlkit: giving up after %d attempts: %w", MaxAttempts, err)
}

func (db *DB) tryTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// backoff returns a pause that grows with the attempt, with full jitter:
// up to 2, 4, 8, ... milliseconds, capped at 250 ms.
func backoff(attempt int) time.Duration {
	limit := min(time.Millisecond<<attempt, 250*time.Millisecond)
	return time.Duration(rand.Int64N(int64(limit)) + 1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
