package audit

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/backoff"
)

// Secret is a credential (a signing key, an API token) that prints as
// "[REDACTED]" in fmt, log/slog and JSON.
type Secret string

// String returns "[REDACTED]".
func (Secret) String() string { return "[REDACTED]" }

// GoString returns "[REDACTED]", for %#v.
func (Secret) GoString() string { return "[REDACTED]" }

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue("[REDACTED]") }

// MarshalJSON encodes the secret as "[REDACTED]".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"[REDACTED]"`), nil }

// Format is the wire format of an [HTTPSink].
type Format int

const (
	// JSONLines posts application/x-ndjson, one {"organization",
	// "index", "event"} object per line, as [FileSink] writes them.
	JSONLines Format = iota
	// SplunkHEC posts to Splunk's HTTP Event Collector (the
	// /services/collector/event endpoint) with "Authorization: Splunk
	// <Token>".
	SplunkHEC
	// Datadog posts to Datadog's log intake (/api/v2/logs) with the
	// DD-API-KEY header set to Token.
	Datadog
)

// SignatureHeader carries the HMAC signature of a JSONLines request:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." and the body>".
const SignatureHeader = "X-Gatehouse-Signature"

// BatchHeader names the events a request carries, as
// "<organization>/<first index>-<last index>", the same on every retry,
// so that a receiver can drop a batch it already has: delivery is at
// least once.
const BatchHeader = "X-Gatehouse-Batch"

// HTTPSinkConfig configures an [HTTPSink].
type HTTPSinkConfig struct {
	// URL is the endpoint. It must be https unless InsecureAllowHTTP.
	URL string
	// Format is the wire format; the zero value is JSONLines.
	Format Format
	// SigningKey, when set, signs each request (see [SignatureHeader]).
	SigningKey Secret
	// Token is the Splunk HEC token or the Datadog API key.
	Token Secret
	// Source names the events' source in Splunk and Datadog; empty
	// means "gatehouse".
	Source string
	// MaxAttempts bounds the tries of one request; 0 means 5. After
	// them Write fails, and the [Stream] tries again later.
	MaxAttempts int
	// MinBackoff is the first pause between tries, doubled each time up
	// to 10 s, with full jitter; 0 means 200 ms.
	MinBackoff time.Duration
	// Client sends the requests; nil means a client with a 30 s timeout.
	Client *http.Client
	// InsecureAllowHTTP allows a plain http URL, for tests and for
	// collectors on the same host.
	InsecureAllowHTTP bool
	// Clock returns the current time, for signatures; nil means time.Now.
	Clock func() time.Time
}

// HTTPSink delivers events to an HTTP endpoint, retrying failed requests
// (network errors, 408, 429 and 5xx) with exponential backoff and
// jitter. It is safe for concurrent use.
type HTTPSink struct {
	cfg HTTPSinkConfig
}

// datadogMaxEntries is the most log entries Datadog takes per request.
const datadogMaxEntries = 1000

// NewHTTPSink validates cfg and returns the sink.
func NewHTTPSink(cfg HTTPSinkConfig) (*HTTPSink, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("audit: HTTP sink URL %q is not an absolute http(s) URL", cfg.URL)
	}
	if u.Scheme == "http" && !cfg.InsecureAllowHTTP {
		return nil, errors.New("audit: HTTP sink URL must be https (set InsecureAllowHTTP to allow http)")
	}
	if (cfg.Format == SplunkHEC || cfg.Format == Datadog) && cfg.Token == "" {
		return nil, errors.New("audit: the Splunk and Datadog formats need a Token")
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 200 * time.Millisecond
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Source == "" {
		cfg.Source = "gatehouse"
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &HTTPSink{cfg: cfg}, nil
}

// Write implements [Sink].
func (s *HTTPSink) Write(ctx context.Context, org string, entries []Entry) error {
	for len(entries) > 0 {
		n := len(entries)
		if s.cfg.Format == Datadog {
			n = min(n, datadogMaxEntries)
		}
		body, err := s.encode(org, entries[:n])
		if err != nil {
			return err
		}
		batch := fmt.Sprintf("%s/%d-%d", org, entries[0].Index, entries[n-1].Index)
		if err := s.post(ctx, body, batch); err != nil {
			return err
		}
		entries = entries[n:]
	}
	return nil
}

func (s *HTTPSink) encode(org string, entries []Entry) ([]byte, error) {
	if err := decodeAll(entries); err != nil {
		return nil, err
	}
	orgJSON, _ := json.Marshal(org)
	var b bytes.Buffer
	switch s.cfg.Format {
	case SplunkHEC:
		for _, e := range entries {
			writeSplunk(&b, orgJSON, s.cfg.Source, e)
		}
	case Datadog:
		b.WriteByte('[')
		for i, e := range entries {
			if i > 0 {
				b.WriteByte(',')
			}
			writeDatadog(&b, org, s.cfg.Source, e)
		}
		b.WriteByte(']')
	default:
		for _, e := range entries {
			b.Write(fileLine(orgJSON, e))
		}
	}
	return b.Bytes(), nil
}

// writeSplunk writes one HEC event object: the time in epoch seconds, the
// source and sourcetype, the organization as an indexed field, and the
// canonical event.
func writeSplunk(b *bytes.Buffer, orgJSON []byte, source string, e Entry) {
	src, _ := json.Marshal(source)
	t := float64(e.Event.Time.UnixMicro()) / 1e6
	fmt.Fprintf(b, `{"time":%s,"source":%s,"sourcetype":"gatehouse:audit","fields":{"organization":%s,"index":%d},"event":`,
		strconv.FormatFloat(t, 'f', 6, 64), src, orgJSON, e.Index)
	b.Write(e.Data)
	b.WriteString("}\n")
}

// writeDatadog writes one log entry of the v2 intake: reserved attributes
// (ddsource, ddtags, service, message, date) and the event as "audit".
func writeDatadog(b *bytes.Buffer, org, source string, e Entry) {
	entry := struct {
		Source  string          `json:"ddsource"`
		Tags    string          `json:"ddtags"`
		Service string          `json:"service"`
		Message string          `json:"message"`
		Date    int64           `json:"date"`
		Audit   json.RawMessage `json:"audit"`
	}{source, "organization:" + org, source,
		e.Event.Action + " by " + e.Event.Actor.Type + " " + e.Event.Actor.ID,
		e.Event.Time.UnixMilli(), e.Data}
	line, _ := json.Marshal(entry)
	b.Write(line)
}

func (s *HTTPSink) post(ctx context.Context, body []byte, batch string) error {
	var last error
	for attempt := 0; attempt < s.cfg.MaxAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff.Sleep(ctx, s.pause(attempt, last)); err != nil {
				return errors.Join(last, err)
			}
		}
		retry, err := s.try(ctx, body, batch)
		if err == nil {
			return nil
		}
		last = err
		if !retry {
			return err
		}
	}
	return fmt.Errorf("audit: giving up after %d attempts: %w", s.cfg.MaxAttempts, last)
}

// statusError is a response that was not a success.
type statusError struct {
	code       int
	retryAfter time.Duration
}

func (e *statusError) Error() string {
	return fmt.Sprintf("audit: sink answered %d %s", e.code, http.StatusText(e.code))
}

func (s *HTTPSink) try(ctx context.Context, body []byte, batch string) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("audit: building request: %w", err)
	}
	s.setHeaders(req, body)
	req.Header.Set(BatchHeader, batch)
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return ctx.Err() == nil, fmt.Errorf("audit: posting to sink: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	se := &statusError{code: resp.StatusCode}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
		se.retryAfter = min(time.Duration(secs)*time.Second, 30*time.Second)
	}
	c := resp.StatusCode
	return c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500, se
}

func (s *HTTPSink) setHeaders(req *http.Request, body []byte) {
	switch s.cfg.Format {
	case SplunkHEC:
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Splunk "+string(s.cfg.Token))
	case Datadog:
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("DD-API-KEY", string(s.cfg.Token))
	default:
		req.Header.Set("Content-Type", "application/x-ndjson")
	}
	if s.cfg.SigningKey != "" {
		req.Header.Set(SignatureHeader, Sign([]byte(s.cfg.SigningKey), s.cfg.Clock(), body))
	}
}

// pause is the wait before the given attempt: the server's Retry-After
// when it sent one, else exponential backoff with full jitter.
func (s *HTTPSink) pause(attempt int, last error) time.Duration {
	var se *statusError
	if errors.As(last, &se) && se.retryAfter > 0 {
		return se.retryAfter
	}
	return backoff.Jitter(min(attempt-1, 16), s.cfg.MinBackoff, 10*time.Second) + 1
}

// Sign returns the value of [SignatureHeader] for body at time t.
func Sign(key []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(key, ts, body))
}

func mac(key []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ts + "."))
	m.Write(body)
	return m.Sum(nil)
}

// ErrBadSignature is returned by [VerifySignature].
var ErrBadSignature = errors.New("audit: bad request signature")

// VerifySignature checks a [SignatureHeader] value for body, for the
// receivers of an HTTPSink: the HMAC must match and its time be within
// tolerance of now (which bounds replays; a receiver that must refuse
// every replay also remembers the batch indexes it has seen).
func VerifySignature(key []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("%w: malformed header", ErrBadSignature)
	}
	if d := now.Sub(time.Unix(secs, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp outside the tolerance", ErrBadSignature)
	}
	want := mac(key, ts, body)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: no signature matches", ErrBadSignature)
}
