package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/audit"
)

// fakeHEC speaks the part of Splunk's HTTP Event Collector protocol that
// a sender meets: token auth, a body of concatenated event objects, JSON
// status replies with HEC's codes, and 503 "server is busy".
type fakeHEC struct {
	mu     sync.Mutex
	token  string
	busy   int
	events []map[string]any
}

func (h *fakeHEC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reply := func(status, code int, text string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"text": text, "code": code})
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/services/collector/event":
		reply(404, 404, "Not found")
		return
	case r.Header.Get("Authorization") != "Splunk "+h.token:
		reply(401, 4, "Invalid token")
		return
	case h.busy > 0:
		h.busy--
		reply(503, 9, "Server is busy")
		return
	}
	var batch []map[string]any
	dec := json.NewDecoder(r.Body)
	for dec.More() {
		var ev map[string]any
		if err := dec.Decode(&ev); err != nil {
			reply(400, 6, "Invalid data format")
			return
		}
		if _, ok := ev["event"].(map[string]any); !ok {
			reply(400, 12, "Event field is required")
			return
		}
		if _, ok := ev["time"].(float64); !ok {
			reply(400, 6, "Invalid data format")
			return
		}
		batch = append(batch, ev)
	}
	h.events = append(h.events, batch...)
	reply(200, 0, "Success")
}

func TestSplunkHECSink(t *testing.T) {
	t.Parallel()
	hec := &fakeHEC{token: "11111111-2222-3333-4444-555555555555", busy: 1}
	srv := httptest.NewTLSServer(hec)
	defer srv.Close()
	sink, err := audit.NewHTTPSink(audit.HTTPSinkConfig{URL: srv.URL + "/services/collector/event",
		Format: audit.SplunkHEC, Token: audit.Secret(hec.token), Client: srv.Client(), MinBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := newService(t, audit.Config{})
	st, _ := s.NewStream(audit.StreamConfig{Name: "splunk", Sink: sink})
	recordN(t, s, "org_1", 0, 7, nil)
	if err := st.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(hec.events) != 7 {
		t.Fatalf("HEC holds %d events, want 7", len(hec.events))
	}
	ev := hec.events[3]
	fields, _ := ev["fields"].(map[string]any)
	inner, _ := ev["event"].(map[string]any)
	if ev["sourcetype"] != "gatehouse:audit" || fields["organization"] != "org_1" || inner["action"] != "doc.read" ||
		ev["time"].(float64) != float64(t0.Add(3*time.Minute).Unix()) {
		t.Errorf("HEC event = %v", ev)
	}

	bad, _ := audit.NewHTTPSink(audit.HTTPSinkConfig{URL: srv.URL + "/services/collector/event",
		Format: audit.SplunkHEC, Token: "wrong", Client: srv.Client(), MinBackoff: time.Millisecond})
	recordN(t, s, "org_1", 7, 8, nil)
	st2, _ := s.NewStream(audit.StreamConfig{Name: "splunk-bad", Sink: bad})
	if err := st2.Sync(context.Background()); err == nil {
		t.Error("a wrong HEC token was not reported")
	}
}

// fakeDatadog speaks Datadog's v2 log intake: the API key header, a JSON
// array of at most 1000 entries and 5 MB, 202 Accepted.
type fakeDatadog struct {
	mu       sync.Mutex
	key      string
	requests int
	logs     []map[string]any
}

func (d *fakeDatadog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if r.URL.Path != "/api/v2/logs" || r.Method != http.MethodPost {
		http.Error(w, `{"errors":[{"status":"404"}]}`, http.StatusNotFound)
		return
	}
	if r.Header.Get("DD-API-KEY") != d.key {
		http.Error(w, `{"errors":[{"status":"403","title":"Forbidden"}]}`, http.StatusForbidden)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 5<<20+1))
	var logs []map[string]any
	if len(body) > 5<<20 || r.Header.Get("Content-Type") != "application/json" ||
		json.Unmarshal(body, &logs) != nil || len(logs) > 1000 {
		http.Error(w, `{"errors":[{"status":"400"}]}`, http.StatusBadRequest)
		return
	}
	d.requests++
	d.logs = append(d.logs, logs...)
	w.WriteHeader(http.StatusAccepted)
	w.Write([]byte("{}"))
}

func TestDatadogSink(t *testing.T) {
	t.Parallel()
	dd := &fakeDatadog{key: "abcdef0123456789abcdef0123456789"}
	srv := httptest.NewTLSServer(dd)
	defer srv.Close()
	sink, err := audit.NewHTTPSink(audit.HTTPSinkConfig{URL: srv.URL + "/api/v2/logs", Format: audit.Datadog,
		Token: audit.Secret(dd.key), Client: srv.Client(), MinBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := newService(t, audit.Config{})
	batch := make([]audit.Event, 1200)
	for i := range batch {
		batch[i] = testEvent("org_1", i)
	}
	if err := s.RecordBatch(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	st, _ := s.NewStream(audit.StreamConfig{Name: "dd", Sink: sink, BatchSize: 1200})
	if err := st.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(dd.logs) != 1200 || dd.requests != 2 {
		t.Fatalf("%d logs in %d requests, want 1200 in 2", len(dd.logs), dd.requests)
	}
	l := dd.logs[0]
	audit, _ := l["audit"].(map[string]any)
	if l["ddsource"] != "gatehouse" || l["ddtags"] != "organization:org_1" || audit["org"] != "org_1" ||
		!bytes.Contains([]byte(l["message"].(string)), []byte("doc.read by user")) {
		t.Errorf("Datadog entry = %v", l)
	}
}
