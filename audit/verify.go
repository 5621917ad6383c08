package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/note"
)

// ProblemKind classifies what [Verify] found wrong with an export.
type ProblemKind string

// The kinds of problem that [Verify] reports.
const (
	// BadCheckpoint means a checkpoint is malformed, of another log, or its
	// signature does not verify with the key given.
	BadCheckpoint ProblemKind = "bad_checkpoint"
	// Malformed means a line is not what an export holds.
	Malformed ProblemKind = "malformed"
	// Modified means the events do not hash to the signed root although none is
	// missing, extra or out of place: an event's content was changed.
	Modified ProblemKind = "modified"
	// Missing means events are absent, deleted from the export or the log.
	Missing ProblemKind = "missing"
	// Inserted means there are events the signed tree does not hold.
	Inserted ProblemKind = "inserted"
	// Reordered means events are out of their order in the log.
	Reordered ProblemKind = "reordered"
	// Truncated means the log is shorter than a checkpoint the customer kept.
	Truncated ProblemKind = "truncated"
	// Forked means the events covered by the kept checkpoint are not those it
	// signed: the log was rewritten behind it.
	Forked ProblemKind = "forked"
	// Unverifiable means the kept checkpoint could not be compared, because
	// it predates the export's first event and no proof was included.
	Unverifiable ProblemKind = "unverifiable"
)

// Problem is one finding of [Verify].
type Problem struct {
	Kind    ProblemKind
	Line    int // line of the export, from 1; 0 when about the whole export
	Message string
}

// String returns the problem as one line.
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s (line %d): %s", p.Kind, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.Kind, p.Message)
}

// Report is what [Verify] found.
type Report struct {
	Organization string
	Checkpoint   Checkpoint  // the export's, when its signature verified
	Kept         *Checkpoint // the customer's, when one was given and verified
	Start        uint64      // index of the first event exported
	End          uint64      // index after the last event exported
	Events       uint64      // event lines read
	Problems     []Problem
}

// OK reports whether the export verified with no problem.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// maxLine bounds a line of an export.
const maxLine = 1 << 20

// maxProblems bounds the problems reported line by line; the summary
// problems at the end are always reported.
const maxProblems = 20

// Verify reads a JSON Lines export made by [Service.Export] and checks it
// against the signing key v and, when kept is not empty, a signed
// checkpoint that the customer kept from earlier. It returns an error
// only when it cannot read r; what is wrong with the export is in the
// Report. Memory does not grow with the export.
func Verify(r io.Reader, v note.Verifier, kept []byte) (*Report, error) {
	vr := &verifier{rep: &Report{}, in: bufio.NewReaderSize(r, maxLine)}
	vr.visitFn = vr.visit
	hdr, err := vr.header(v)
	if err != nil || hdr == nil {
		return vr.rep, err
	}
	if len(kept) > 0 {
		vr.keep(kept, v, hdr)
	}
	if err := vr.events(); err != nil {
		return vr.rep, err
	}
	vr.finish()
	return vr.rep, nil
}

// badHint is a hint line whose hash disagreed with the events.
type badHint struct {
	line int
	from uint64
}

type verifier struct {
	rep       *Report
	in        *bufio.Reader
	line      int
	rng       *compact.Range
	right     *compact.Range // the subtrees after the exported range
	end       uint64         // the index after the last exported event
	orgField  []byte         // `,"org":"<org>",` as the canonical encoding has it
	keptAt    uint64         // the tree size at which to compare with Kept, or 0
	next      uint64         // the index the next line should hold
	outOf     bool           // some line was out of order
	lined     int            // problems reported line by line
	block     uint64         // index of the last subtree at HintLevel completed
	blockHash []byte         // its hash, until a hint line compares it
	badHints  []badHint      // hints that disagreed with the events
	visitFn   compact.VisitFn
}

func (vr *verifier) problem(kind ProblemKind, line int, format string, args ...any) {
	if line > 0 {
		if vr.lined >= maxProblems {
			return
		}
		vr.lined++
	}
	vr.rep.Problems = append(vr.rep.Problems, Problem{Kind: kind, Line: line, Message: fmt.Sprintf(format, args...)})
}

// readLine returns the next line without its newline, or nil at the end.
// A line longer than maxLine is reported and skipped.
func (vr *verifier) readLine() ([]byte, error) {
	for {
		line, err := vr.in.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if err := vr.skipLine(); err != nil {
				return nil, err
			}
			continue
		}
		if err == io.EOF && len(line) == 0 {
			return nil, nil
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("audit: reading export: %w", err)
		}
		vr.line++
		return bytes.TrimSuffix(line, []byte("\n")), nil
	}
}

// skipLine discards the rest of an overlong line and reports it.
func (vr *verifier) skipLine() error {
	vr.line++
	vr.problem(Malformed, vr.line, "longer than %d bytes", maxLine)
	for {
		_, err := vr.in.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == nil || err == io.EOF:
			return nil
		}
		return fmt.Errorf("audit: reading export: %w", err)
	}
}

// header reads and checks the first line; a nil header means the export
// cannot be checked further and the report says why.
func (vr *verifier) header(v note.Verifier) (*ExportHeader, error) {
	line, err := vr.readLine()
	if err != nil || line == nil {
		if err == nil {
			vr.problem(Malformed, 0, "the export is empty")
		}
		return nil, err
	}
	var hdr ExportHeader
	if err := json.Unmarshal(line, &hdr); err != nil || hdr.Format != ExportFormat {
		vr.problem(Malformed, 1, "the first line is not a %s header", ExportFormat)
		return nil, nil
	}
	vr.rep.Organization, vr.rep.Start = hdr.Organization, hdr.Start
	cp, err := ParseCheckpoint([]byte(hdr.Checkpoint), v)
	if err != nil {
		vr.problem(BadCheckpoint, 1, "the export's checkpoint: %v", err)
		return nil, nil
	}
	vr.rep.Checkpoint = cp
	if !originOf(cp.Origin, hdr.Organization) {
		vr.problem(BadCheckpoint, 1, "the checkpoint is of log %q, not of organization %q", cp.Origin, hdr.Organization)
		return nil, nil
	}
	if !vr.ranges(&hdr, cp) {
		return nil, nil
	}
	org, _ := json.Marshal(hdr.Organization)
	vr.orgField = append(append([]byte(`,"org":`), org...), ',')
	vr.next = hdr.Start
	return &hdr, nil
}

// ranges builds the compact ranges around the exported events from the
// header's hashes.
func (vr *verifier) ranges(hdr *ExportHeader, cp Checkpoint) bool {
	if hdr.Start > hdr.End || hdr.End > cp.Size {
		vr.problem(Malformed, 1, "the range [%d, %d) does not fit a log of %d", hdr.Start, hdr.End, cp.Size)
		return false
	}
	var err error
	if vr.rng, err = factory.NewRange(0, hdr.Start, hdr.Left); err != nil {
		vr.problem(Malformed, 1, "the hashes of the events before %d do not fit: %v", hdr.Start, err)
		return false
	}
	if vr.right, err = factory.NewRange(hdr.End, cp.Size, hdr.Right); err != nil {
		vr.problem(Malformed, 1, "the hashes of the events from %d do not fit: %v", hdr.End, err)
		return false
	}
	vr.end, vr.rep.End = hdr.End, hdr.End
	return true
}

func originOf(origin, org string) bool {
	return len(origin) > len(org) && origin[len(origin)-len(org)-1:] == "/"+org
}

// keep checks the customer's checkpoint against the export's, and
// arranges for the events to be compared with it when they cover it.
func (vr *verifier) keep(msg []byte, v note.Verifier, hdr *ExportHeader) {
	kc, err := ParseCheckpoint(msg, v)
	cp := vr.rep.Checkpoint
	switch {
	case err != nil:
		vr.problem(BadCheckpoint, 0, "the kept checkpoint: %v", err)
		return
	case kc.Origin != cp.Origin:
		vr.problem(BadCheckpoint, 0, "the kept checkpoint is of log %q, the export of %q", kc.Origin, cp.Origin)
		return
	}
	vr.rep.Kept = &kc
	switch {
	case kc.Size > cp.Size:
		vr.problem(Truncated, 0, "the kept checkpoint covers %d events but the log now has %d: "+
			"%d were removed from its end", kc.Size, cp.Size, kc.Size-cp.Size)
	case kc.Size == cp.Size && !sameRoot(kc.Root, cp.Root):
		vr.problem(Forked, 0, "the kept checkpoint and the export's sign different trees of %d events", kc.Size)
	case kc.Size == cp.Size:
		// The same tree: nothing more to compare.
	case kc.Size >= hdr.Start && kc.Size <= hdr.End && kc.Size > 0:
		vr.keptAt = kc.Size
		if kc.Size == hdr.Start {
			vr.compareKept()
		}
	case hdr.Consistency != nil && hdr.Consistency.Size == kc.Size:
		if err := VerifyConsistency(kc, cp, hdr.Consistency.Proof); err != nil {
			vr.problem(Forked, 0, "the log does not extend the kept checkpoint of %d events: %v", kc.Size, err)
		}
	case kc.Size > 0:
		vr.problem(Unverifiable, 0, "the kept checkpoint covers %d events, outside the exported "+
			"range [%d, %d); export again with consistency_from=%d", kc.Size, hdr.Start, hdr.End, kc.Size)
	}
}

func (vr *verifier) compareKept() {
	root, err := vr.rng.GetRootHash(nil)
	if err != nil || !sameRoot(root, vr.rep.Kept.Root) {
		vr.problem(Forked, 0, "the first %d events are not those the kept checkpoint signed: "+
			"the log was changed behind it", vr.rep.Kept.Size)
	}
	vr.keptAt = 0
}

// events hashes every event line into the range and notes lines out of
// place.
func (vr *verifier) events() error {
	for {
		line, err := vr.readLine()
		if err != nil || line == nil {
			return err
		}
		if bytes.HasPrefix(line, []byte(`{"subtree":`)) {
			vr.hint(line)
			continue
		}
		index, data, ok := parseExportLine(line)
		if !ok {
			vr.problem(Malformed, vr.line, "not an event line")
			continue
		}
		vr.rep.Events++
		vr.place(index)
		if !bytes.Contains(data[:min(len(data), 512)], vr.orgField) {
			vr.problem(Inserted, vr.line, "event %d is not of organization %s", index, vr.rep.Organization)
		}
		if err := vr.rng.Append(LeafHash(data), vr.visitFn); err != nil {
			return fmt.Errorf("audit: hashing: %w", err)
		}
		if vr.keptAt != 0 && vr.rng.End() == vr.keptAt {
			vr.compareKept()
		}
	}
}

// visit keeps the hash of each subtree at HintLevel as the events
// complete it, for the hint line that follows.
func (vr *verifier) visit(id compact.NodeID, hash []byte) {
	if id.Level == HintLevel {
		vr.block, vr.blockHash = id.Index, hash
	}
}

// hint compares a subtree hash the exporter recorded with the one the
// events give, to say which events changed. A hint that does not parse
// or does not follow its subtree is ignored: hints prove nothing.
func (vr *verifier) hint(line []byte) {
	var h struct {
		Subtree struct{ Level, Index uint64 }
		Hash    []byte
	}
	if json.Unmarshal(line, &h) != nil || h.Subtree.Level != HintLevel ||
		vr.blockHash == nil || h.Subtree.Index != vr.block {
		return
	}
	if !sameRoot(h.Hash, vr.blockHash) && len(vr.badHints) < maxProblems {
		vr.badHints = append(vr.badHints, badHint{line: vr.line, from: vr.block << HintLevel})
	}
	vr.blockHash = nil
}

// reportHints turns the hints that disagreed into problems: changed
// events when the root does not verify, altered hints when it does.
func (vr *verifier) reportHints(rootOK bool) {
	for _, h := range vr.badHints {
		to := h.from + 1<<HintLevel - 1
		if rootOK {
			vr.problem(Malformed, h.line, "the hint for events %d to %d was altered; the events verify", h.from, to)
			continue
		}
		vr.problem(Modified, h.line, "events %d to %d do not hash to the subtree the log recorded "+
			"when they were appended: one or more of them was changed", h.from, to)
	}
}

// place compares a line's index with the one expected.
func (vr *verifier) place(index uint64) {
	switch {
	case index > vr.next:
		vr.problem(Missing, vr.line, "events %d to %d are missing", vr.next, index-1)
	case index < vr.next:
		vr.outOf = true
		vr.problem(Reordered, vr.line, "event %d comes after event %d", index, vr.next-1)
	}
	vr.next = index + 1
}

func (vr *verifier) finish() {
	cp, got := vr.rep.Checkpoint, vr.rng.End()
	if vr.keptAt != 0 {
		vr.problem(Truncated, 0, "the export ends at %d events, before the kept checkpoint's %d",
			got, vr.keptAt)
	}
	switch {
	case got < vr.end:
		vr.problem(Missing, 0, "the export holds %d events fewer than its header's %d",
			vr.end-got, vr.end-vr.rep.Start)
		return
	case got > vr.end:
		vr.problem(Inserted, 0, "the export holds %d events more than its header's %d",
			got-vr.end, vr.end-vr.rep.Start)
		return
	}
	err := vr.rng.AppendRange(vr.right, nil)
	root, rerr := vr.rng.GetRootHash(nil)
	err = errors.Join(err, rerr)
	if cp.Size == 0 {
		root, err = hasher.EmptyRoot(), nil
	}
	rootOK := err == nil && sameRoot(root, cp.Root)
	vr.reportHints(rootOK)
	if rootOK {
		return
	}
	if vr.outOf {
		vr.problem(Reordered, 0, "the events do not hash to the signed root: they are out of order")
		return
	}
	vr.problem(Modified, 0, "the events do not hash to the signed root of %d events: "+
		"the content of one or more was changed", cp.Size)
}

// parseExportLine splits {"index":N,"event":{...}} as Export writes it,
// falling back to a JSON decoder for lines written otherwise.
func parseExportLine(line []byte) (uint64, []byte, bool) {
	if rest, ok := bytes.CutPrefix(line, []byte(`{"index":`)); ok {
		n := 0
		for n < len(rest) && n < 20 && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		index, err := strconv.ParseUint(string(rest[:n]), 10, 64)
		ev, ok := bytes.CutPrefix(rest[n:], []byte(`,"event":`))
		if ev, ok2 := bytes.CutSuffix(ev, []byte("}")); err == nil && ok && ok2 && len(ev) > 0 && ev[0] == '{' {
			return index, ev, true
		}
	}
	var l struct {
		Index *uint64         `json:"index"`
		Event json.RawMessage `json:"event"`
	}
	if json.Unmarshal(line, &l) != nil || l.Index == nil || len(l.Event) == 0 || l.Event[0] != '{' {
		return 0, nil, false
	}
	return *l.Index, l.Event, true
}

// WriteText writes the report for people, ending with a verdict line.
func (r *Report) WriteText(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "organization: %s\n", r.Organization)
	if r.Checkpoint.Origin != "" {
		fmt.Fprintf(&b, "checkpoint:   %s, %d events, root %s, signed %s\n", r.Checkpoint.Origin,
			r.Checkpoint.Size, encodeHash(r.Checkpoint.Root), r.Checkpoint.Time.Format("2006-01-02T15:04:05Z"))
	}
	if r.Kept != nil {
		fmt.Fprintf(&b, "kept:         %d events, root %s\n", r.Kept.Size, encodeHash(r.Kept.Root))
	}
	fmt.Fprintf(&b, "events:       %d read; the export covers indexes [%d, %d)\n",
		r.Events, r.Start, r.End)
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "PROBLEM %s\n", p)
	}
	switch {
	case !r.OK():
		fmt.Fprintf(&b, "FAILED: %d problem(s)\n", len(r.Problems))
	case r.Start == 0 && r.End == r.Checkpoint.Size:
		b.WriteString("VERIFIED: the export is the complete signed log\n")
	default:
		fmt.Fprintf(&b, "VERIFIED: the export holds exactly events %d to %d of the signed log\n",
			r.Start, r.End-1)
	}
	_, err := w.Write(b.Bytes())
	return err
}
