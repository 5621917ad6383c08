package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SlogSink writes each event as a log record, for hosts whose log
// pipeline already reaches their SIEM. It is not a system of record.
type SlogSink struct {
	Logger *slog.Logger
	Level  slog.Level // the zero value is Info
}

// Write implements [Sink].
func (s SlogSink) Write(ctx context.Context, org string, entries []Entry) error {
	for _, e := range entries {
		ev := &e.Event
		s.Logger.LogAttrs(ctx, s.Level, "audit event",
			slog.String("organization", org), slog.Uint64("index", e.Index),
			slog.String("id", ev.ID), slog.String("action", ev.Action), slog.Time("time", ev.Time),
			slog.String("actor_type", ev.Actor.Type), slog.String("actor_id", ev.Actor.ID),
			slog.String("ip", ev.Context.IP), slog.Any("event", json.RawMessage(e.Data)))
	}
	return nil
}

// SyncPolicy tells a [FileSink] when to fsync.
type SyncPolicy int

const (
	// SyncEveryWrite fsyncs after each batch, before Write returns, so
	// that a delivered cursor means a durable line. The default.
	SyncEveryWrite SyncPolicy = iota
	// SyncOnRotate fsyncs only when a file is closed; a crash may lose
	// the lines of the last moments, which the Stream does not resend.
	SyncOnRotate
)

// FileSinkConfig configures a [FileSink].
type FileSinkConfig struct {
	// Path is the file being written, such as /var/log/audit.jsonl.
	// Rotated files are renamed to Path with the time of rotation
	// inserted before the extension. Required.
	Path string
	// MaxSize rotates the file before it would grow past this many
	// bytes; 0 means 100 MiB.
	MaxSize int64
	// MaxAge rotates a file this long after it was opened; 0 means 24 h.
	MaxAge time.Duration
	// Sync is the fsync policy.
	Sync SyncPolicy
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
}

// FileSink writes events as JSON Lines, one {"organization", "index",
// "event"} object per line with the event in its canonical encoding,
// rotating by size and age. It is safe for concurrent use.
type FileSink struct {
	cfg    FileSinkConfig
	mu     sync.Mutex
	f      *os.File
	size   int64
	opened time.Time
}

// NewFileSink opens (appending to) or creates cfg.Path.
func NewFileSink(cfg FileSinkConfig) (*FileSink, error) {
	if cfg.Path == "" {
		return nil, fmt.Errorf("audit: FileSinkConfig.Path is empty")
	}
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = 100 << 20
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 24 * time.Hour
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	s := &FileSink{cfg: cfg}
	if err := s.open(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *FileSink) open() error {
	f, err := os.OpenFile(s.cfg.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit: opening %s: %w", s.cfg.Path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("audit: opening %s: %w", s.cfg.Path, err)
	}
	s.f, s.size, s.opened = f, st.Size(), s.cfg.Clock()
	return nil
}

// Write implements [Sink].
func (s *FileSink) Write(ctx context.Context, org string, entries []Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return fmt.Errorf("audit: file sink %s is closed", s.cfg.Path)
	}
	if s.size > 0 && s.cfg.Clock().Sub(s.opened) >= s.cfg.MaxAge {
		if err := s.rotate(); err != nil {
			return err
		}
	}
	orgJSON, _ := json.Marshal(org)
	var buf []byte
	for _, e := range entries {
		line := fileLine(orgJSON, e)
		if s.size+int64(len(buf)+len(line)) > s.cfg.MaxSize && s.size+int64(len(buf)) > 0 {
			if err := s.writeOut(buf); err != nil {
				return err
			}
			if err := s.rotate(); err != nil {
				return err
			}
			buf = buf[:0]
		}
		buf = append(buf, line...)
	}
	return s.writeOut(buf)
}

// fileLine returns {"organization":<org>,"index":N,"event":<data>} and a
// newline.
func fileLine(orgJSON []byte, e Entry) []byte {
	line := make([]byte, 0, len(e.Data)+len(orgJSON)+48)
	line = append(append(line, `{"organization":`...), orgJSON...)
	line = append(append(line, `,"index":`...), strconv.FormatUint(e.Index, 10)...)
	line = append(append(line, `,"event":`...), e.Data...)
	return append(line, "}\n"...)
}

// writeOut appends b to the current file and syncs it as the policy says.
func (s *FileSink) writeOut(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	n, err := s.f.Write(b)
	s.size += int64(n)
	if err == nil && s.cfg.Sync == SyncEveryWrite {
		err = s.f.Sync()
	}
	if err != nil {
		return fmt.Errorf("audit: writing %s: %w", s.cfg.Path, err)
	}
	return nil
}

// rotate closes the current file under a name with the time and opens a
// new one.
func (s *FileSink) rotate() error {
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("audit: syncing %s: %w", s.cfg.Path, err)
	}
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("audit: closing %s: %w", s.cfg.Path, err)
	}
	s.f = nil
	if err := os.Rename(s.cfg.Path, s.rotatedName()); err != nil {
		return fmt.Errorf("audit: rotating %s: %w", s.cfg.Path, err)
	}
	return s.open()
}

func (s *FileSink) rotatedName() string {
	ext := filepath.Ext(s.cfg.Path)
	stem := strings.TrimSuffix(s.cfg.Path, ext)
	stamp := s.cfg.Clock().UTC().Format("20060102T150405.000000000Z")
	name := stem + "-" + stamp + ext
	for i := 1; fileExists(name); i++ {
		name = fmt.Sprintf("%s-%s.%d%s", stem, stamp, i, ext)
	}
	return name
}

func fileExists(name string) bool {
	_, err := os.Lstat(name)
	return err == nil
}

// Close syncs and closes the current file.
func (s *FileSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Sync()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.f = nil
	return err
}
