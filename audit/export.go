package audit

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/transparency-dev/merkle/compact"
)

// ExportFormat is the value of the "format" member of an export header.
const ExportFormat = "gatehouse.audit.export/v1"

// exportPage is how many events an export reads from the Store at once.
const exportPage = 1000

// ExportHeader is the first line of a JSON Lines export; doc.go
// specifies it.
type ExportHeader struct {
	Format       string       `json:"format"`
	Organization string       `json:"organization"`
	Checkpoint   string       `json:"checkpoint"`
	Start        uint64       `json:"start"`
	End          uint64       `json:"end"`
	Left         [][]byte     `json:"left"`
	Right        [][]byte     `json:"right"`
	Consistency  *Consistency `json:"consistency,omitempty"`
}

// Consistency is a consistency proof from an older tree size to the
// size of the export's checkpoint.
type Consistency struct {
	Size  uint64   `json:"size"`
	Proof [][]byte `json:"proof"`
}

// ExportOptions adjust [Service.Export].
type ExportOptions struct {
	// From and To, when set, limit the export to the events with
	// From <= index < To (To 0 means all). The export stays verifiable:
	// the header carries the hashes of the subtrees around the range.
	From, To uint64
	// Since and Until, when set, narrow the range to the smallest one
	// that holds every event with Since <= Time < Until. Events whose
	// time is out of order with their index may come along; the range is
	// what is proven.
	Since, Until time.Time
	// ConsistencyFrom, when not zero, adds a consistency proof from this
	// tree size (of a checkpoint the customer kept) to the export's.
	ConsistencyFrom uint64
}

// Export writes org's log, from the oldest event still held up to a
// checkpoint signed now (or the range opts selects), as JSON Lines that
// [Verify] checks. It reads the Store in pages, so memory does not grow
// with the log.
func (s *Service) Export(ctx context.Context, w io.Writer, org string, opts ExportOptions) error {
	hdr, err := s.exportHeader(ctx, org, opts)
	if err != nil {
		return err
	}
	size := hdr.End
	bw := bufio.NewWriterSize(w, 64<<10)
	line, _ := json.Marshal(hdr)
	bw.Write(append(line, '\n'))
	buf := make([]byte, 0, 1024)
	for next := hdr.Start; next < size; {
		page, err := s.cfg.Store.Leaves(ctx, org, next, int(min(exportPage, size-next)))
		if err != nil {
			return fmt.Errorf("audit: exporting %s: %w", org, err)
		}
		if len(page) == 0 {
			return fmt.Errorf("audit: exporting %s: the log ends at %d, before its checkpoint's %d", org, next, size)
		}
		for _, e := range page {
			buf = appendExportLine(buf[:0], e.Index, e.Data)
			if buf, err = s.appendHint(ctx, org, buf, e.Index, hdr.Start); err != nil {
				return err
			}
			if _, err := bw.Write(buf); err != nil {
				return fmt.Errorf("audit: writing export: %w", err)
			}
			next = e.Index + 1
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("audit: writing export: %w", err)
	}
	return nil
}

// HintLevel is the level of the subtrees whose hashes an export gives as
// hints: one line per 1024 events, {"subtree":{"level":10,"index":K},
// "hash":"<base64>"}, after the last event of subtree K. The hashes come
// from the Store as recorded when the events were appended. They are not
// signed, so they prove nothing; when the signed root does not match,
// they tell which events changed.
const HintLevel = 10

// appendHint appends the hint line of the subtree that event index
// completes, if it completes one that lies wholly in the export.
func (s *Service) appendHint(ctx context.Context, org string, b []byte, index, start uint64) ([]byte, error) {
	const block = 1 << HintLevel
	if (index+1)%block != 0 || index+1 < start+block {
		return b, nil
	}
	id := NodeID{Level: HintLevel, Index: index >> HintLevel}
	hs, err := s.cfg.Store.Nodes(ctx, org, []NodeID{id})
	if errors.Is(err, ErrNotFound) {
		return b, nil // a hint is a courtesy; the proof does not need it
	}
	if err != nil {
		return nil, fmt.Errorf("audit: reading subtree %d of %s: %w", id.Index, org, err)
	}
	b = fmt.Appendf(b, `{"subtree":{"level":%d,"index":%d},"hash":"%s"}`+"\n", id.Level, id.Index, encodeHash(hs[0]))
	return b, nil
}

func appendExportLine(b []byte, index uint64, data []byte) []byte {
	b = append(b, `{"index":`...)
	b = strconv.AppendUint(b, index, 10)
	b = append(b, `,"event":`...)
	b = append(b, data...)
	return append(b, "}\n"...)
}

func (s *Service) exportHeader(ctx context.Context, org string, opts ExportOptions) (*ExportHeader, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	msg, err := s.Checkpoint(ctx, org)
	if err != nil {
		return nil, err
	}
	cp, err := s.ParseCheckpoint(org, msg)
	if err != nil {
		return nil, err
	}
	head, err := s.cfg.Store.Head(ctx, org)
	if err != nil {
		return nil, fmt.Errorf("audit: reading head of %s: %w", org, err)
	}
	start, end, err := s.exportRange(ctx, org, opts, head.Start, cp.Size)
	if err != nil {
		return nil, err
	}
	hdr := &ExportHeader{Format: ExportFormat, Organization: org, Checkpoint: string(msg),
		Start: start, End: end}
	if hdr.Left, err = s.rangeHashes(ctx, org, 0, start); err != nil {
		return nil, err
	}
	if hdr.Right, err = s.rangeHashes(ctx, org, end, cp.Size); err != nil {
		return nil, err
	}
	if opts.ConsistencyFrom > 0 && opts.ConsistencyFrom <= cp.Size {
		p, err := s.ConsistencyProof(ctx, org, opts.ConsistencyFrom, cp.Size)
		if err != nil {
			return nil, err
		}
		hdr.Consistency = &Consistency{Size: opts.ConsistencyFrom, Proof: p}
	}
	return hdr, nil
}

// exportRange returns the index range [start, end) that opts selects
// within the retained events of a tree of the given size.
func (s *Service) exportRange(ctx context.Context, org string, opts ExportOptions,
	retained, size uint64) (uint64, uint64, error) {
	end := size
	if opts.To > 0 {
		end = min(opts.To, size)
	}
	start := max(retained, opts.From)
	if !opts.Since.IsZero() || !opts.Until.IsZero() {
		from, to, err := s.cfg.Store.Span(ctx, org, opts.Since, opts.Until)
		if err != nil {
			return 0, 0, fmt.Errorf("audit: finding the events of %s in the time range: %w", org, err)
		}
		if from == to {
			from, to = start, start
		}
		start, end = max(start, from), min(end, to)
	}
	return min(start, end), end, nil
}

// rangeHashes returns the hashes of the perfect subtrees that cover the
// leaves [begin, end), left to right.
func (s *Service) rangeHashes(ctx context.Context, org string, begin, end uint64) ([][]byte, error) {
	hs, err := s.cfg.Store.Nodes(ctx, org, nodeIDs(compact.RangeNodes(begin, end, nil)))
	if err != nil {
		return nil, fmt.Errorf("audit: reading the subtrees [%d, %d) of %s: %w", begin, end, org, err)
	}
	return hs, nil
}

// csvHeader names the columns of [Service.ExportCSV].
var csvHeader = []string{"index", "id", "time", "action", "actor_type", "actor_id", "actor_name",
	"targets", "ip", "user_agent", "request_id", "metadata"}

// ExportCSV writes the events of org that q selects, newest first, as
// CSV with a header row. Targets and metadata are JSON in their cells.
// q.Limit is the page size; every matching event is written.
func (s *Service) ExportCSV(ctx context.Context, w io.Writer, org string, q Query) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("audit: writing CSV: %w", err)
	}
	q.Limit = exportPage
	for {
		page, err := s.Query(ctx, org, q)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := cw.Write(csvRow(e)); err != nil {
				return fmt.Errorf("audit: writing CSV: %w", err)
			}
		}
		if len(page) < q.Limit {
			break
		}
		last := page[len(page)-1]
		q.After = &Position{Time: last.Event.Time, Index: last.Index}
	}
	cw.Flush()
	return cw.Error()
}

func csvRow(e Entry) []string {
	ev := e.Event
	targets, _ := json.Marshal(ev.Targets)
	md, _ := json.Marshal(ev.Metadata)
	return []string{strconv.FormatUint(e.Index, 10), csvSafe(ev.ID), ev.Time.Format(timeFormat),
		csvSafe(ev.Action), csvSafe(ev.Actor.Type), csvSafe(ev.Actor.ID), csvSafe(ev.Actor.Name),
		string(targets), csvSafe(ev.Context.IP), csvSafe(ev.Context.UserAgent),
		csvSafe(ev.Context.RequestID), string(md)}
}

// csvSafe defuses cells that spreadsheets would run as formulas.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

// encodeHashes is used in reports.
func encodeHash(h []byte) string { return base64.StdEncoding.EncodeToString(h) }
