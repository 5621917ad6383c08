package audit_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse/audit"
)

// flakyStore fails its first failures appends, as a database that is
// down for a while would.
type flakyStore struct {
	*audit.MemoryStore
	failures atomic.Int32
}

func (s *flakyStore) Append(ctx context.Context, org string, es []audit.Entry) (audit.Tree, error) {
	if s.failures.Add(-1) >= 0 {
		return audit.Tree{}, errors.New("connection refused")
	}
	return s.MemoryStore.Append(ctx, org, es)
}

// blockedStore holds every append until release is closed, and says when
// one has started.
type blockedStore struct {
	*audit.MemoryStore
	entered chan struct{}
	release chan struct{}
}

func (s *blockedStore) Append(ctx context.Context, org string, es []audit.Entry) (audit.Tree, error) {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	select {
	case <-s.release:
	case <-ctx.Done():
		return audit.Tree{}, ctx.Err()
	}
	return s.MemoryStore.Append(ctx, org, es)
}

func seqOf(t *testing.T, e audit.Event) int {
	var n int
	fmt.Sscan(fmt.Sprint(e.Metadata["seq"]), &n)
	return n
}

func TestRecorderRecordIsDurableAndShared(t *testing.T) {
	t.Parallel()
	s, st := newService(t, audit.Config{})
	rec := s.NewRecorder(audit.RecorderConfig{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 50 {
				e := testEvent("org_1", w*50+i)
				if err := rec.Record(context.Background(), e); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if head, _ := st.Head(context.Background(), "org_1"); head.Tree.Size != 400 {
		t.Errorf("size %d after 400 acknowledged records", head.Tree.Size)
	}
	if err := rec.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := rec.Record(context.Background(), testEvent("org_1", 0)); !errors.Is(err, audit.ErrClosed) {
		t.Errorf("Record after Close = %v, want ErrClosed", err)
	}
}

func TestRecorderRetriesAFailingStoreInOrder(t *testing.T) {
	t.Parallel()
	st := &flakyStore{MemoryStore: audit.NewMemoryStore()}
	st.failures.Store(4)
	s, _ := newService(t, audit.Config{Store: st})
	rec := s.NewRecorder(audit.RecorderConfig{BatchSize: 7})
	for i := range 60 {
		e := testEvent("org_1", i)
		e.Metadata = map[string]any{"seq": i}
		if err := rec.Enqueue(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ := st.Leaves(context.Background(), "org_1", 0, 100)
	defer rec.Close(context.Background())
	if len(got) != 60 {
		t.Fatalf("%d events written, want 60", len(got))
	}
	for i, e := range got {
		if seqOf(t, e.Event) != i {
			t.Fatalf("event at %d has seq %d: order lost", i, seqOf(t, e.Event))
		}
	}
}

// fillBuffer stops the store, lets the worker take one event and fills
// a buffer of two behind it.
func fillBuffer(t *testing.T, cfg audit.RecorderConfig) (*audit.Recorder, *blockedStore) {
	st := &blockedStore{MemoryStore: audit.NewMemoryStore(), entered: make(chan struct{}, 1),
		release: make(chan struct{})}
	s, _ := newService(t, audit.Config{Store: st})
	cfg.Buffer, cfg.BatchSize = 2, 1
	rec := s.NewRecorder(cfg)
	ctx := context.Background()
	if err := rec.Enqueue(ctx, testEvent("org_1", 0)); err != nil {
		t.Fatal(err)
	}
	<-st.entered
	for i := 1; i <= 2; i++ {
		if err := rec.Enqueue(ctx, testEvent("org_1", i)); err != nil {
			t.Fatal(err)
		}
	}
	return rec, st
}

func TestRecorderBackpressure(t *testing.T) {
	t.Parallel()
	rec, st := fillBuffer(t, audit.RecorderConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := rec.Enqueue(ctx, testEvent("org_1", 3)); !errors.Is(err, context.Canceled) {
		t.Errorf("Enqueue into a full buffer = %v, want the context's error", err)
	}
	if rec.Dropped() != 0 {
		t.Errorf("dropped %d without opting in", rec.Dropped())
	}
	close(st.release)
	if err := rec.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if head, _ := st.Head(context.Background(), "org_1"); head.Tree.Size != 3 {
		t.Errorf("size %d, want the 3 buffered events", head.Tree.Size)
	}
}

func TestRecorderDropsOnlyWhenAskedAndCounts(t *testing.T) {
	t.Parallel()
	rec, st := fillBuffer(t, audit.RecorderConfig{DropWhenFull: true})
	for i := range 3 {
		if err := rec.Enqueue(context.Background(), testEvent("org_1", 3+i)); !errors.Is(err, audit.ErrDropped) {
			t.Errorf("Enqueue into a full buffer = %v, want ErrDropped", err)
		}
	}
	if rec.Dropped() != 3 {
		t.Errorf("Dropped = %d, want 3", rec.Dropped())
	}
	close(st.release)
	rec.Close(context.Background())
}

func TestRecorderRefusesInvalidEventsAtOnce(t *testing.T) {
	t.Parallel()
	s, _ := newService(t, audit.Config{})
	rec := s.NewRecorder(audit.RecorderConfig{})
	defer rec.Close(context.Background())
	e := testEvent("org_1", 0)
	e.Actor.ID = ""
	var fe *audit.FieldError
	if err := rec.Enqueue(context.Background(), e); !errors.As(err, &fe) || fe.Field != "actor.id" {
		t.Errorf("Enqueue = %v, want a field error for actor.id", err)
	}
}

func TestRecorderCloseGivesUpWithCount(t *testing.T) {
	t.Parallel()
	st := &flakyStore{MemoryStore: audit.NewMemoryStore()}
	st.failures.Store(1 << 30)
	s, _ := newService(t, audit.Config{Store: st})
	rec := s.NewRecorder(audit.RecorderConfig{})
	for i := range 5 {
		rec.Enqueue(context.Background(), testEvent("org_1", i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := rec.Close(ctx); err == nil {
		t.Error("Close with the store down and no time left succeeded")
	}
}

// TestRecorderCloseFreesBlockedCallers closes a Recorder whose store is
// stuck and whose buffer is full, with a caller waiting for space.
func TestRecorderCloseFreesBlockedCallers(t *testing.T) {
	t.Parallel()
	rec, _ := fillBuffer(t, audit.RecorderConfig{})
	blocked := make(chan error)
	go func() { blocked <- rec.Enqueue(context.Background(), testEvent("org_1", 9)) }()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := rec.Close(ctx); err == nil {
		t.Error("Close with the store stuck and no time left succeeded")
	}
	if err := <-blocked; !errors.Is(err, audit.ErrClosed) {
		t.Errorf("the waiting caller got %v, want ErrClosed", err)
	}
}
