package audit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/audit"
)

// memSink keeps what it receives and fails while down is set.
type memSink struct {
	mu   sync.Mutex
	down bool
	got  map[string][]uint64
}

func (s *memSink) Write(ctx context.Context, org string, es []audit.Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return errors.New("sink unavailable")
	}
	for _, e := range es {
		if e.Event.OrganizationID != org {
			return fmt.Errorf("event of %s delivered as %s", e.Event.OrganizationID, org)
		}
		s.got[org] = append(s.got[org], e.Index)
	}
	return nil
}

func TestStreamCatchesUpAfterAnOutage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t, audit.Config{})
	sink := &memSink{got: map[string][]uint64{}}
	st, err := s.NewStream(audit.StreamConfig{Name: "siem", Sink: sink, BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	recordN(t, s, "org_1", 0, 5, nil)
	if err := st.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	sink.down = true
	recordN(t, s, "org_1", 5, 15, nil)
	recordN(t, s, "org_2", 0, 3, nil)
	for range 3 {
		if err := st.Sync(ctx); err == nil {
			t.Fatal("Sync into a sink that is down succeeded")
		}
	}
	sink.down = false
	// A new Stream of the same name, as after a restart, resumes from
	// the cursor kept in the Store.
	st2, _ := s.NewStream(audit.StreamConfig{Name: "siem", Sink: sink})
	if err := st2.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for org, n := range map[string]int{"org_1": 15, "org_2": 3} {
		got := sink.got[org]
		if len(got) != n {
			t.Fatalf("%s: %d events delivered, want %d: %v", org, len(got), n, got)
		}
		for i, idx := range got {
			if idx != uint64(i) {
				t.Fatalf("%s: delivered %v, want 0..%d in order", org, got, n-1)
			}
		}
	}
}

func TestFileSinkRotatesAndSyncs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := t0
	path := filepath.Join(dir, "audit.jsonl")
	fs, err := audit.NewFileSink(audit.FileSinkConfig{Path: path, MaxSize: 2000, MaxAge: time.Hour,
		Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := newService(t, audit.Config{})
	st, _ := s.NewStream(audit.StreamConfig{Name: "file", Sink: fs, BatchSize: 3})
	recordN(t, s, "org_1", 0, 12, nil)
	if err := st.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour) // past MaxAge: the next write rotates
	recordN(t, s, "org_1", 12, 13, nil)
	if err := st.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	fs.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "audit*.jsonl"))
	if len(files) < 3 {
		t.Fatalf("files %v: want rotation by size and by age", files)
	}
	var indexes []uint64
	for _, f := range files {
		info, _ := os.Stat(f)
		if info.Size() > 2000 {
			t.Errorf("%s has %d bytes, over MaxSize", f, info.Size())
		}
		indexes = append(indexes, readFileLines(t, f)...)
	}
	if len(indexes) != 13 {
		t.Errorf("%d lines across files, want 13", len(indexes))
	}
	if got := readFileLines(t, path); len(got) != 1 || got[0] != 12 {
		t.Errorf("current file holds %v, want the event written after the age rotation", got)
	}
}

func readFileLines(t *testing.T, path string) []uint64 {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l struct {
			Organization string
			Index        uint64
			Event        json.RawMessage
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.Organization != "org_1" {
			t.Fatalf("%s: bad line %s: %v", path, sc.Text(), err)
		}
		if _, err := audit.UnmarshalCanonical(l.Event); err != nil {
			t.Fatalf("%s: event does not decode: %v", path, err)
		}
		out = append(out, l.Index)
	}
	return out
}

func TestSlogSink(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s, _ := newService(t, audit.Config{})
	st, _ := s.NewStream(audit.StreamConfig{Name: "log",
		Sink: audit.SlogSink{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}})
	recordN(t, s, "org_1", 0, 2, nil)
	if err := st.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var rec struct {
		Msg, Action, Organization string
		Event                     map[string]any
	}
	if len(lines) != 2 || json.Unmarshal([]byte(lines[1]), &rec) != nil ||
		rec.Action != "doc.read" || rec.Organization != "org_1" || rec.Event["org"] != "org_1" {
		t.Errorf("log lines:\n%s", buf.String())
	}
}

// hookServer is an HTTPS receiver of signed JSON Lines that fails the
// first failures requests.
type hookServer struct {
	mu       sync.Mutex
	failures int
	key      []byte
	got      []uint64
	bad      []string
	batches  []string
}

func (h *hookServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := audit.VerifySignature(h.key, r.Header.Get(audit.SignatureHeader), body, time.Now(), time.Minute); err != nil {
		h.bad = append(h.bad, err.Error())
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if h.failures > 0 {
		h.failures--
		w.Header().Set("Retry-After", "0")
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	h.batches = append(h.batches, r.Header.Get(audit.BatchHeader))
	for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
		var l struct{ Index uint64 }
		json.Unmarshal([]byte(line), &l)
		h.got = append(h.got, l.Index)
	}
}

func TestHTTPSinkSignsAndRetries(t *testing.T) {
	t.Parallel()
	hook := &hookServer{failures: 2, key: []byte("shared secret")}
	srv := httptest.NewTLSServer(hook)
	defer srv.Close()
	sink, err := audit.NewHTTPSink(audit.HTTPSinkConfig{URL: srv.URL, SigningKey: "shared secret",
		Client: srv.Client(), MinBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := newService(t, audit.Config{})
	st, _ := s.NewStream(audit.StreamConfig{Name: "hook", Sink: sink, BatchSize: 4})
	recordN(t, s, "org_1", 0, 10, nil)
	if err := st.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(hook.bad) > 0 || fmt.Sprint(hook.got) != "[0 1 2 3 4 5 6 7 8 9]" {
		t.Errorf("received %v, signature failures %v", hook.got, hook.bad)
	}
	if fmt.Sprint(hook.batches) != "[org_1/0-3 org_1/4-7 org_1/8-9]" {
		t.Errorf("batch headers %v", hook.batches)
	}

	wrongKey, _ := audit.NewHTTPSink(audit.HTTPSinkConfig{URL: srv.URL, SigningKey: "guess",
		Client: srv.Client(), MinBackoff: time.Millisecond})
	recordN(t, s, "org_1", 10, 11, nil)
	if err := wrongKey.Write(context.Background(), "org_1", []audit.Entry{{Index: 10, Data: []byte(`{}`),
		Event: audit.Event{ID: "x"}}}); err == nil {
		t.Error("a request signed with the wrong key was accepted")
	}
}

func TestHTTPSinkConfigIsSafeByDefault(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]audit.HTTPSinkConfig{
		"plain http":            {URL: "http://collector.example/hook"},
		"relative URL":          {URL: "/hook"},
		"splunk without token":  {URL: "https://splunk.example", Format: audit.SplunkHEC},
		"datadog without token": {URL: "https://dd.example", Format: audit.Datadog},
	} {
		if _, err := audit.NewHTTPSink(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	cfg := audit.HTTPSinkConfig{URL: "https://x.example", Token: "hec-token-123", SigningKey: "k3y"}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("cfg", "token", cfg.Token)
	out := fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, buf.String())
	if strings.Contains(out, "hec-token-123") || strings.Contains(out, "k3y") {
		t.Errorf("a secret was printed: %s", out)
	}
}

func TestVerifySignatureRefusesForgeries(t *testing.T) {
	t.Parallel()
	key, body, now := []byte("k"), []byte("payload"), time.Unix(1_800_000_000, 0)
	good := audit.Sign(key, now, body)
	for name, tc := range map[string]struct {
		header string
		body   []byte
		at     time.Time
	}{
		"other body":      {good, []byte("payload!"), now},
		"replayed later":  {good, body, now.Add(10 * time.Minute)},
		"from the future": {audit.Sign(key, now.Add(10*time.Minute), body), body, now},
		"other key":       {audit.Sign([]byte("x"), now, body), body, now},
		"no signature":    {"t=1800000000", body, now},
		"garbage":         {"v1=zz,t=abc", body, now},
		"empty":           {"", body, now},
	} {
		if err := audit.VerifySignature(key, tc.header, tc.body, tc.at, 5*time.Minute); !errors.Is(err, audit.ErrBadSignature) {
			t.Errorf("%s: %v, want ErrBadSignature", name, err)
		}
	}
	if err := audit.VerifySignature(key, good, body, now, 5*time.Minute); err != nil {
		t.Errorf("good signature: %v", err)
	}
}

func FuzzVerifySignature(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	f.Add(audit.Sign([]byte("k"), now, []byte("b")), []byte("b"))
	f.Add("t=1,v1=00,v1=", []byte{})
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := audit.VerifySignature([]byte("k"), header, body, now, time.Minute)
		if err == nil && header != audit.Sign([]byte("k"), now, body) && !strings.Contains(header, "v1=") {
			t.Errorf("accepted %q", header)
		}
	})
}

func TestStreamRunDeliversUntilCancelled(t *testing.T) {
	t.Parallel()
	s, _ := newService(t, audit.Config{})
	sink := &memSink{got: map[string][]uint64{}}
	st, _ := s.NewStream(audit.StreamConfig{Name: "run", Sink: sink, Interval: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- st.Run(ctx) }()
	recordN(t, s, "org_1", 0, 6, nil)
	deadline := time.Now().Add(10 * time.Second)
	for {
		sink.mu.Lock()
		n := len(sink.got["org_1"])
		sink.mu.Unlock()
		if n == 6 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if fmt.Sprint(sink.got["org_1"]) != "[0 1 2 3 4 5]" {
		t.Errorf("delivered %v", sink.got["org_1"])
	}
}
