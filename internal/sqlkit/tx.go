package sqlkit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/backoff"
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
		if werr := backoff.Sleep(ctx, pause(attempt)); werr != nil {
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

// pause returns the wait before the next attempt: up to 2, 4, 8, ...
// milliseconds, capped at 250 ms, with full jitter.
func pause(attempt int) time.Duration {
	return backoff.Jitter(attempt, time.Millisecond, 250*time.Millisecond) + 1
}
