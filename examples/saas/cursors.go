package main

import (
	"context"
	"database/sql"
	"errors"
)

// The demo keeps, for each event source, the cursor of the last event it
// handled, so that a restart resumes where it stopped: each event is
// handled at least once.
const cursorsTable = `CREATE TABLE IF NOT EXISTS demo_cursors (
	source TEXT PRIMARY KEY,
	cursor TEXT NOT NULL
)`

// consume reads the stored cursor of source, lets handle process what
// follows it, and stores the cursor handle returns.
func (a *app) consume(ctx context.Context, source string,
	handle func(ctx context.Context, after string) (string, error)) {
	var after string
	q := `SELECT cursor FROM demo_cursors WHERE source = ?`
	err := a.db.QueryRowContext(ctx, q, source).Scan(&after)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		a.log.Warn("reading the event cursor", "source", source, "err", err)
		return
	}
	next, err := handle(ctx, after)
	if err != nil {
		a.log.Warn("reading events", "source", source, "err", err)
	}
	if next == after {
		return
	}
	_, err = a.db.ExecContext(ctx, `INSERT INTO demo_cursors (source, cursor) VALUES (?, ?)
		ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor`, source, next)
	if err != nil {
		a.log.Warn("storing the event cursor", "source", source, "err", err)
	}
}
