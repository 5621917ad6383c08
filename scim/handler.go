package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// contentType is the media type of SCIM messages.
const contentType = "application/scim+json"

// Handler returns the SCIM endpoint. It may be mounted under any prefix,
// with or without http.StripPrefix: it recognizes the SCIM endpoints by
// the end of the request path (/Users, /Groups/{id}, /.search,
// /ServiceProviderConfig, ...). Every request, discovery included, must
// authenticate to a directory.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(s.serve)
}

// request is one SCIM request after authentication and routing.
type request struct {
	*http.Request
	s    *Service
	dir  *Directory
	base string // the URL the endpoint is mounted at, for meta.location
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			s.log.ErrorContext(r.Context(), "scim: panic while serving", "panic", v, "path",
				r.URL.Path)
			writeError(w, errorf(500, "", "internal error"))
		}
	}()
	dir, err := s.authenticate(r)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="SCIM"`)
		s.writeErr(w, r, err)
		return
	}
	rt, tail := splitRoute(r.URL.Path)
	req := &request{Request: r, s: s, dir: dir, base: s.baseURL(r, tail)}
	if err := s.route(w, req, rt); err != nil {
		s.writeErr(w, r, err)
	}
}

func (s *Service) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	e := asError(err)
	if e.Status >= 500 {
		s.log.ErrorContext(r.Context(), "scim: request failed", "error", err, "method", r.Method,
			"path", r.URL.Path)
	}
	writeError(w, e)
}

func writeError(w http.ResponseWriter, e *Error) {
	writeJSON(w, e.Status, e.body())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", contentType)
	writeJSONBody(w, status, v)
}

// writeJSONBody writes v as JSON with the Content-Type already set.
func writeJSONBody(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"schemas":["` + schemaError + `"],"status":"500","detail":"internal error"}`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// authenticate returns the directory a request acts on. A stored token
// names its directory and organization, which spares a lookup; other
// credentials name a directory that is read from the store.
func (s *Service) authenticate(r *http.Request) (*Directory, error) {
	id, t, err := s.directoryOf(r)
	if err != nil {
		return nil, err
	}
	if t != nil {
		return &Directory{ID: t.DirectoryID, OrganizationID: t.OrganizationID}, nil
	}
	d, err := s.store.Directory(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		return nil, errUnauthorized
	}
	return d, err
}

var errUnauthorized = errorf(http.StatusUnauthorized, "", "missing or invalid credentials")

// directoryOf checks a request's credentials. It returns the stored token
// when one authenticated the request, else the directory's ID.
func (s *Service) directoryOf(r *http.Request) (string, *Token, error) {
	if s.auth != nil {
		id, err := s.auth.Authenticate(r)
		if errors.Is(err, ErrUnauthorized) {
			return "", nil, errUnauthorized
		}
		return id, nil, err
	}
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", nil, errUnauthorized
	}
	tok = strings.TrimSpace(tok)
	if s.fed != nil && looksLikeJWT(tok) {
		id, err := s.fed.verify(r.Context(), tok)
		if err != nil {
			return "", nil, errUnauthorized
		}
		return id, nil, nil
	}
	t, err := s.AuthenticateToken(r.Context(), tok)
	if errors.Is(err, ErrUnauthorized) {
		return "", nil, errUnauthorized
	}
	if err != nil {
		return "", nil, err
	}
	return t.DirectoryID, t, nil
}

// route names the endpoint a path ends with.
type route struct {
	endpoint string // Users, Groups, .search, ServiceProviderConfig, ...
	search   bool   // a POST .search under endpoint ("" at the root)
	id       string
}

var endpoints = map[string]bool{"Users": true, "Groups": true, "ServiceProviderConfig": true,
	"ResourceTypes": true, "Schemas": true, "Bulk": true, ".search": true, "Me": true}

// splitRoute finds the SCIM endpoint at the end of path and returns it
// with the part of the path it spans.
func splitRoute(path string) (route, string) {
	segs := strings.Split(strings.TrimSuffix(path, "/"), "/")
	n := len(segs)
	last := segs[n-1]
	if n >= 2 && last == ".search" && (segs[n-2] == "Users" || segs[n-2] == "Groups") {
		return route{endpoint: segs[n-2], search: true}, "/" + segs[n-2] + "/.search"
	}
	if endpoints[last] {
		return route{endpoint: last, search: last == ".search"}, "/" + last
	}
	if n >= 2 && endpoints[segs[n-2]] && segs[n-2] != ".search" {
		id, err := url.PathUnescape(last)
		if err != nil {
			id = last
		}
		return route{endpoint: segs[n-2], id: id}, "/" + segs[n-2] + "/" + last
	}
	return route{}, ""
}

// baseURL returns the URL the endpoint is mounted at: Config.BaseURL, or
// the original request path without the SCIM tail.
func (s *Service) baseURL(r *http.Request, tail string) string {
	if s.base != "" {
		return s.base
	}
	path := r.URL.Path
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil && u.Path != "" {
		path = u.Path // before http.StripPrefix
	}
	path = strings.TrimSuffix(strings.TrimSuffix(path, "/"), tail)
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	return scheme + "://" + r.Host + path
}

func (s *Service) route(w http.ResponseWriter, r *request, rt route) error {
	switch rt.endpoint {
	case "Users", "Groups":
		return s.serveResources(w, r, rt)
	case ".search":
		if r.Method != http.MethodPost {
			return errorf(http.StatusMethodNotAllowed, "", "use POST for /.search")
		}
		return s.serveRootSearch(w, r)
	case "ServiceProviderConfig", "ResourceTypes", "Schemas":
		return s.serveDiscovery(w, r, rt)
	case "Bulk":
		return s.serveBulk(w, r)
	case "Me":
		return errorf(501, "", "/Me is not supported")
	}
	return errorf(404, "", "no such SCIM endpoint")
}

func (s *Service) serveResources(w http.ResponseWriter, r *request, rt route) error {
	res := s.schemas.user
	if rt.endpoint == "Groups" {
		res = s.schemas.group
	}
	switch {
	case rt.search && r.Method == http.MethodPost:
		return s.serveSearch(w, r, res)
	case rt.search:
		return errorf(http.StatusMethodNotAllowed, "", "use POST for .search")
	case rt.id == "" && r.Method == http.MethodGet:
		sr, err := listParams(r.URL.Query())
		if err != nil {
			return err
		}
		return s.serveList(w, r, res, sr)
	case rt.id == "" && r.Method == http.MethodPost:
		return s.serveCreate(w, r, res)
	case rt.id != "" && r.Method == http.MethodGet:
		return s.serveGet(w, r, res, rt.id)
	case rt.id != "" && r.Method == http.MethodPut:
		return s.serveReplace(w, r, res, rt.id)
	case rt.id != "" && r.Method == http.MethodPatch:
		return s.servePatch(w, r, res, rt.id)
	case rt.id != "" && r.Method == http.MethodDelete:
		return s.serveDelete(w, r, res, rt.id)
	}
	return errorf(http.StatusMethodNotAllowed, "", "method %s not allowed here", r.Method)
}

// decode reads a JSON request body of at most MaxBodyBytes into v.
func (r *request) decode(v any) error {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.Contains(strings.ToLower(ct), "json") {
		return errorf(http.StatusUnsupportedMediaType, "", "send %s", contentType)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, r.s.maxBody+1))
	if err != nil {
		return errorf(400, ScimTypeInvalidSyntax, "reading the body: %v", err)
	}
	if int64(len(body)) > r.s.maxBody {
		return errorf(http.StatusRequestEntityTooLarge, ScimTypeTooMany,
			"the body is larger than %d bytes", r.s.maxBody)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return errorf(400, ScimTypeInvalidSyntax, "the body is not valid JSON: %v", err)
	}
	if dec.More() {
		return errorf(400, ScimTypeInvalidSyntax, "the body has data after the JSON value")
	}
	return nil
}

func (r *request) ctx() context.Context { return r.Context() }
