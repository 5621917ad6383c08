package audit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sink receives events that are already durable in the Store: one
// organization's events at a time, in log order. Write must deliver all
// of them or return an error, after which the same events (and perhaps
// more) are given again; a Sink should therefore tolerate repeats, which
// the Index tells apart.
type Sink interface {
	Write(ctx context.Context, org string, entries []Entry) error
}

// StreamConfig configures a [Stream].
type StreamConfig struct {
	// Name identifies the stream's cursors in the Store; give each
	// destination its own, and keep it across restarts. Required.
	Name string
	// Sink receives the events. Required.
	Sink Sink
	// Interval is how often Run looks for new events; 0 means 1 s.
	Interval time.Duration
	// BatchSize bounds the events given to one Write; 0 means 500.
	BatchSize int
}

// Stream copies the log of every organization to a Sink, reading from the
// Store with a cursor per organization that it keeps in the Store after
// each delivered batch. A Sink that fails loses nothing: the Stream tries
// the same events again later, in order, and catches up. Run one Stream
// per name in the deployment; two would deliver events twice.
type Stream struct {
	svc *Service
	cfg StreamConfig
}

// NewStream returns a Stream of s's log; call Run or Sync to deliver.
func (s *Service) NewStream(cfg StreamConfig) (*Stream, error) {
	if cfg.Name == "" || cfg.Sink == nil {
		return nil, errors.New("audit: StreamConfig needs a Name and a Sink")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	return &Stream{svc: s, cfg: cfg}, nil
}

// Run delivers new events every Interval until ctx ends, backing off
// while the Sink fails. It returns ctx's error.
func (st *Stream) Run(ctx context.Context) error {
	failures := 0
	for {
		wait := st.cfg.Interval
		if err := st.Sync(ctx); err != nil {
			st.svc.cfg.Logger.WarnContext(ctx, "audit: stream behind; will retry",
				"stream", st.cfg.Name, "error", err)
			wait = max(wait, retryPause(failures))
			failures++
		} else {
			failures = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Sync delivers every event not yet delivered, organization by
// organization, and returns the first error met (after trying the other
// organizations).
func (st *Stream) Sync(ctx context.Context) error {
	orgs, err := st.svc.cfg.Store.Organizations(ctx)
	if err != nil {
		return fmt.Errorf("audit: stream %s: listing organizations: %w", st.cfg.Name, err)
	}
	var errs []error
	for _, org := range orgs {
		if err := st.syncOrg(ctx, org); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (st *Stream) syncOrg(ctx context.Context, org string) error {
	store := st.svc.cfg.Store
	next, err := store.StreamCursor(ctx, st.cfg.Name, org)
	if err != nil {
		return err
	}
	for {
		page, err := store.Leaves(ctx, org, next, st.cfg.BatchSize)
		if err != nil || len(page) == 0 {
			return err
		}
		if page[0].Index > next {
			st.svc.cfg.Logger.WarnContext(ctx,
				"audit: stream fell behind retention; events skipped",
				"stream", st.cfg.Name, "organization", org, "from", next, "to", page[0].Index)
		}
		if err := decodeAll(page); err != nil {
			return err
		}
		if err := st.cfg.Sink.Write(ctx, org, page); err != nil {
			return fmt.Errorf("audit: stream %s: delivering events of %s from %d: %w",
				st.cfg.Name, org, page[0].Index, err)
		}
		next = page[len(page)-1].Index + 1
		if err := store.SaveStreamCursor(ctx, st.cfg.Name, org, next); err != nil {
			return err
		}
	}
}

// decodeAll fills the Event of entries that a Store gave with Data only.
func decodeAll(es []Entry) error {
	for i := range es {
		if es[i].Event.ID != "" {
			continue
		}
		ev, err := UnmarshalCanonical(es[i].Data)
		if err != nil {
			return fmt.Errorf("audit: event %d: %w", es[i].Index, err)
		}
		es[i].Event = ev
	}
	return nil
}
