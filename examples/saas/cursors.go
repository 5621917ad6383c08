package main

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gatehouse/gatehouse/audit"
)

// The demo keeps, for each event source, the cursor of the last event it
// handled, so that a restart resumes where it stopped: each event is
// handled at least once.
const cursorsTable = `CREATE TABLE IF NOT EXISTS demo_cursors (
	source TEXT PRIMARY KEY,
	cursor TEXT NOT NULL
)`

// forward hands the events of source that follow the stored cursor to the
// audit log, in order, and stores the cursor of the last one recorded: a
// failed write leaves the cursor before the event, which comes again.
func forward[E any](ctx context.Context, a *app, source string,
	read func(ctx context.Context, after string, limit int) ([]E, error),
	cursor func(E) string, toAudit func(E) audit.Event) {
	a.consume(ctx, source, func(ctx context.Context, after string) (string, error) {
		events, err := read(ctx, after, 100)
		for _, e := range events {
			// The source and position name the event, so that one delivered
			// again (after a crash before the cursor was saved) is recorded once.
			ev := toAudit(e)
			ev.ID = audit.EventID(ev.Time, source+"/"+cursor(e))
			if err := a.audit.record(ctx, nil, ev); err != nil {
				return after, err
			}
			after = cursor(e)
		}
		return after, err
	})
}

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
