package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/backoff"
)

// ErrDropped is returned by [Recorder.Enqueue] when the buffer is full
// and [RecorderConfig.DropWhenFull] is set: the event was not recorded.
var ErrDropped = errors.New("audit: buffer full, event dropped")

// ErrClosed is returned by a [Recorder] that has been closed.
var ErrClosed = errors.New("audit: recorder closed")

// RecorderConfig configures a [Recorder]. The zero value is usable.
type RecorderConfig struct {
	// Buffer is how many events may wait to be written; 0 means 10000.
	Buffer int
	// BatchSize bounds the events written in one transaction; 0 means
	// 1000.
	BatchSize int
	// DropWhenFull makes [Recorder.Enqueue] drop an event instead of
	// waiting when the buffer is full. Every drop is counted (see
	// [Recorder.Dropped]) and logged. By default Enqueue waits, with the
	// caller's context: an audit log that silently loses events is
	// worse than a slow one.
	DropWhenFull bool
}

// Recorder writes events to the Store in batches, from one goroutine, so
// that many callers share each transaction. [Recorder.Record] waits until
// its event is durable; [Recorder.Enqueue] returns once the event is in
// the bounded buffer. When the Store fails, the Recorder keeps the batch
// and tries again with exponential backoff and jitter, in order; callers
// then wait for buffer space (backpressure). It is safe for concurrent
// use.
type Recorder struct {
	svc     *Service
	cfg     RecorderConfig
	queue   chan item
	mu      sync.RWMutex // held for reading while sending to queue
	closed  bool
	closing chan struct{} // closed when Close begins, to free blocked senders
	once    sync.Once
	stop    context.CancelFunc
	ctx     context.Context
	done    chan struct{}
	dropped atomic.Uint64
	lost    atomic.Uint64 // events given up on when stopped
}

type item struct {
	entry Entry
	ack   chan error // nil for Enqueue
}

// NewRecorder starts a Recorder; call Close to stop it.
func (s *Service) NewRecorder(cfg RecorderConfig) *Recorder {
	if cfg.Buffer <= 0 {
		cfg.Buffer = 10000
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 1000
	}
	ctx, stop := context.WithCancel(context.Background())
	r := &Recorder{svc: s, cfg: cfg, queue: make(chan item, cfg.Buffer), ctx: ctx, stop: stop,
		done: make(chan struct{}), closing: make(chan struct{})}
	go r.run()
	return r
}

// Record validates e and returns once it is durable in the Store, like
// [Service.Record], but shares the transaction with other events recorded
// at the same time. If ctx ends first, Record returns its error and the
// event may still be written.
func (r *Recorder) Record(ctx context.Context, e Event) error {
	ack := make(chan error, 1)
	if err := r.send(ctx, e, ack, false); err != nil {
		return err
	}
	select {
	case err := <-ack:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Enqueue validates e and puts it in the buffer, waiting for space with
// ctx unless [RecorderConfig.DropWhenFull] is set. The event is durable
// after a later [Recorder.Flush] or [Recorder.Close] returns nil.
func (r *Recorder) Enqueue(ctx context.Context, e Event) error {
	return r.send(ctx, e, nil, r.cfg.DropWhenFull)
}

func (r *Recorder) send(ctx context.Context, e Event, ack chan error, drop bool) error {
	en, err := r.svc.prepare(ctx, e)
	if err != nil {
		return err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return ErrClosed
	}
	it := item{entry: en, ack: ack}
	if drop {
		select {
		case r.queue <- it:
			return nil
		default:
			n := r.dropped.Add(1)
			r.svc.cfg.Logger.WarnContext(ctx, "audit: buffer full, event dropped",
				"action", e.Action, "organization", e.OrganizationID, "dropped_total", n)
			return ErrDropped
		}
	}
	select {
	case r.queue <- it:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("audit: waiting for buffer space: %w", ctx.Err())
	case <-r.closing:
		return ErrClosed
	}
}

// Dropped returns how many events Enqueue has dropped since the Recorder
// started.
func (r *Recorder) Dropped() uint64 { return r.dropped.Load() }

// Flush returns once every event enqueued before it is durable.
func (r *Recorder) Flush(ctx context.Context) error {
	ack := make(chan error, 1)
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		return ErrClosed
	}
	select {
	case r.queue <- item{ack: ack}:
		r.mu.RUnlock()
	case <-ctx.Done():
		r.mu.RUnlock()
		return ctx.Err()
	case <-r.closing:
		r.mu.RUnlock()
		return ErrClosed
	}
	select {
	case err := <-ack:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops taking events (callers waiting for buffer space get
// ErrClosed) and writes those in the buffer. If ctx ends first, it stops
// retrying and returns an error; the events not yet written are lost,
// and the error says how many.
func (r *Recorder) Close(ctx context.Context) error {
	r.once.Do(func() { close(r.closing) }) // callers waiting for space give up
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.queue)
	}
	r.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		r.stop()
		<-r.done
		return fmt.Errorf("audit: closing recorder: %d events not written: %w",
			r.lost.Load(), ctx.Err())
	}
}

func (r *Recorder) run() {
	defer close(r.done)
	defer r.stop()
	for first := range r.queue {
		batch := []item{first}
	drain:
		for len(batch) < r.cfg.BatchSize {
			select {
			case it, ok := <-r.queue:
				if !ok {
					break drain
				}
				batch = append(batch, it)
			default:
				break drain
			}
		}
		r.write(batch)
	}
}

// write appends the batch, one organization at a time in order of first
// appearance, retrying each until it succeeds or the Recorder is stopped,
// and then answers the waiting callers.
func (r *Recorder) write(batch []item) {
	byOrg := map[string][]Entry{}
	var orgs []string
	for _, it := range batch {
		if it.entry.Data == nil {
			continue // a Flush marker
		}
		org := it.entry.Event.OrganizationID
		if _, ok := byOrg[org]; !ok {
			orgs = append(orgs, org)
		}
		byOrg[org] = append(byOrg[org], it.entry)
	}
	failed := map[string]error{}
	for _, org := range orgs {
		if err := r.appendRetrying(org, byOrg[org]); err != nil {
			failed[org] = err
		}
	}
	for _, it := range batch {
		if it.ack != nil {
			it.ack <- failed[it.entry.Event.OrganizationID]
		}
	}
}

func (r *Recorder) appendRetrying(org string, entries []Entry) error {
	for attempt := 0; ; attempt++ {
		_, err := r.svc.cfg.Store.Append(r.ctx, org, entries)
		if err == nil {
			return nil
		}
		r.svc.cfg.Logger.Error("audit: writing batch failed; retrying",
			"organization", org, "events", len(entries), "attempt", attempt+1, "error", err)
		t := time.NewTimer(retryPause(attempt))
		select {
		case <-t.C:
		case <-r.ctx.Done():
			t.Stop()
			r.lost.Add(uint64(len(entries)))
			return fmt.Errorf("audit: recorder stopped before %d events of %s were written: %w",
				len(entries), org, err)
		}
	}
}

// retryPause returns a pause that doubles with each attempt, from 10 ms up
// to 5 s, with full jitter.
func retryPause(attempt int) time.Duration {
	return backoff.Jitter(min(attempt, 9), 10*time.Millisecond, 5*time.Second) + time.Millisecond
}
