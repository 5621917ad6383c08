package audit

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpjson"
)

// Handler returns the admin JSON API over the log of the organization
// that [Config.Organization] names for each request. Mount it under a
// prefix with http.StripPrefix. Routes:
//
//	GET /events       list, newest first: since, until (RFC 3339), action
//	                  (repeatable), actor, target, limit, cursor
//	GET /export       format=jsonl (verifiable; since and until, or from
//	                  and to, select a range; consistency_from=N adds a
//	                  proof from a kept checkpoint) or format=csv (the list
//	                  filters apply)
//	GET /checkpoint   the latest signed checkpoint and the verifier key
//	GET /proof        inclusion (index, size) or consistency (from, size)
//
// The host decides who may read the log: Organization MUST refuse callers
// who do not administer the organization. Without Organization, every
// request is refused.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", s.withOrg(s.serveEvents))
	mux.HandleFunc("GET /export", s.withOrg(s.serveExport))
	mux.HandleFunc("GET /checkpoint", s.withOrg(s.serveCheckpoint))
	mux.HandleFunc("GET /proof", s.withOrg(s.serveProof))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpjson.WriteError(w, httpjson.Errorf(http.StatusNotFound, "not_found",
			"No such audit endpoint."))
	})
	return mux
}

// orgHandler serves a request for the organization named.
type orgHandler func(w http.ResponseWriter, r *http.Request, org string) error

func (s *Service) withOrg(h orgHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		org, err := httpjson.Organization(r, s.cfg.Organization, "You may not read this audit log.")
		if err != nil {
			httpjson.WriteError(w, err)
			return
		}
		if err := h(w, r, org); err != nil {
			s.writeError(w, r, err)
		}
	}
}

func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpjson.Error
	if !errors.As(err, &he) && !errors.Is(err, context.Canceled) {
		s.cfg.Logger.ErrorContext(r.Context(), "audit: admin API", "path", r.URL.Path, "error", err)
	}
	httpjson.WriteError(w, err)
}

// eventJSON is an event as the list endpoint shows it.
type eventJSON struct {
	Index uint64 `json:"index"`
	Event
}

func (s *Service) serveEvents(w http.ResponseWriter, r *http.Request, org string) error {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		return err
	}
	page, err := s.Query(r.Context(), org, q)
	if err != nil {
		return err
	}
	resp := struct {
		Events     []eventJSON `json:"events"`
		NextCursor string      `json:"next_cursor,omitempty"`
	}{Events: make([]eventJSON, len(page))}
	for i, e := range page {
		resp.Events[i] = eventJSON{Index: e.Index, Event: e.Event}
	}
	if len(page) == q.PageSize() {
		last := page[len(page)-1]
		resp.NextCursor = httpjson.EncodeCursor(Position{Time: last.Event.Time, Index: last.Index})
	}
	httpjson.Write(w, http.StatusOK, resp)
	return nil
}

func badParam(name, format string, args ...any) error {
	return httpjson.Errorf(http.StatusBadRequest, "invalid_parameter", "Parameter %q "+format,
		append([]any{name}, args...)...)
}

// ParseQuery reads the list filters of the admin API from URL parameters:
// since and until (RFC 3339), action (repeatable, up to 20), actor,
// target, limit (1 to 1000) and cursor (from a previous page).
func ParseQuery(v url.Values) (Query, error) {
	var q Query
	var err error
	if q.Since, err = timeParam(v, "since"); err != nil {
		return q, err
	}
	if q.Until, err = timeParam(v, "until"); err != nil {
		return q, err
	}
	q.Actions = v["action"]
	if len(q.Actions) > 20 {
		return q, badParam("action", "is given more than 20 times.")
	}
	for _, a := range q.Actions {
		if checkAction(a) != nil {
			return q, badParam("action", "holds %q, which is not an action name.", a)
		}
	}
	q.ActorID, q.TargetID = v.Get("actor"), v.Get("target")
	if len(q.ActorID) > MaxStringLen || len(q.TargetID) > MaxStringLen {
		return q, badParam("actor", "or \"target\" is longer than %d bytes.", MaxStringLen)
	}
	if q.Limit, err = intParam(v, "limit", 100, 1, 1000); err != nil {
		return q, err
	}
	if c := v.Get("cursor"); c != "" {
		var p Position
		if err := httpjson.DecodeCursor(c, &p); err != nil {
			return q, err
		}
		q.After = &p
	}
	return q, nil
}

func timeParam(v url.Values, name string) (time.Time, error) {
	s := v.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, badParam(name, "must be an RFC 3339 time such as 2026-01-02T15:04:05Z.")
	}
	return t, nil
}

func intParam(v url.Values, name string, def, lo, hi int64) (int, error) {
	s := v.Get(name)
	if s == "" {
		return int(def), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, badParam(name, "must be a whole number from %d to %d.", lo, hi)
	}
	return int(n), nil
}

func uintParam(v url.Values, name string) (uint64, error) {
	n, err := strconv.ParseUint(v.Get(name), 10, 63)
	if err != nil {
		return 0, badParam(name, "must be a whole number.")
	}
	return n, nil
}

// exportOptions reads since, until, from, to and consistency_from, each
// optional.
func exportOptions(v url.Values) (ExportOptions, error) {
	var opts ExportOptions
	var err error
	if opts.Since, err = timeParam(v, "since"); err != nil {
		return opts, err
	}
	if opts.Until, err = timeParam(v, "until"); err != nil {
		return opts, err
	}
	for name, dst := range map[string]*uint64{"from": &opts.From, "to": &opts.To,
		"consistency_from": &opts.ConsistencyFrom} {
		if v.Get(name) == "" {
			continue
		}
		n, err := uintParam(v, name)
		if err != nil {
			return opts, err
		}
		*dst = n
	}
	if opts.To > 0 && opts.To <= opts.From {
		return opts, badParam("to", "must be above from.")
	}
	return opts, nil
}

func (s *Service) serveExport(w http.ResponseWriter, r *http.Request, org string) error {
	v := r.URL.Query()
	switch v.Get("format") {
	case "", "jsonl":
		opts, err := exportOptions(v)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/jsonl")
		w.Header().Set("Content-Disposition", `attachment; filename="audit-log.jsonl"`)
		return s.streamed(r, s.Export(r.Context(), w, org, opts))
	case "csv":
		q, err := ParseQuery(v)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="audit-log.csv"`)
		return s.streamed(r, s.ExportCSV(r.Context(), w, org, q))
	}
	return badParam("format", "must be jsonl or csv.")
}

// streamed logs an error met after the response began, which can no
// longer be answered in the error envelope; the client sees a cut-short
// body, which the verifier reports.
func (s *Service) streamed(r *http.Request, err error) error {
	if err != nil {
		s.cfg.Logger.ErrorContext(r.Context(), "audit: export failed mid-stream", "error", err)
	}
	return nil
}

func (s *Service) serveCheckpoint(w http.ResponseWriter, r *http.Request, org string) error {
	msg, err := s.Checkpoint(r.Context(), org)
	if err != nil {
		return err
	}
	cp, err := s.ParseCheckpoint(org, msg)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, map[string]any{
		"checkpoint": string(msg), "size": cp.Size, "root": cp.Root,
		"time": cp.Time, "verifier_key": s.vkey,
	})
	return nil
}

func (s *Service) serveProof(w http.ResponseWriter, r *http.Request, org string) error {
	v := r.URL.Query()
	size, err := uintParam(v, "size")
	if err != nil {
		return err
	}
	head, err := s.cfg.Store.Head(r.Context(), org)
	if err != nil {
		return err
	}
	if size > head.Tree.Size {
		return badParam("size", "is beyond the log's %d events.", head.Tree.Size)
	}
	p, err := s.proofFor(r.Context(), org, v, size)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"proof": p})
	return nil
}

func (s *Service) proofFor(ctx context.Context, org string, v url.Values,
	size uint64) ([][]byte, error) {
	if v.Has("index") {
		index, err := uintParam(v, "index")
		if err != nil {
			return nil, err
		}
		if index >= size {
			return nil, badParam("index", "must be below size.")
		}
		return s.InclusionProof(ctx, org, index, size)
	}
	from, err := uintParam(v, "from")
	if err != nil {
		return nil, err
	}
	if from > size {
		return nil, badParam("from", "must not be above size.")
	}
	return s.ConsistencyProof(ctx, org, from, size)
}
