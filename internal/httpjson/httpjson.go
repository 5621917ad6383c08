package httpjson

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// MaxBody is the largest admin request body accepted, in bytes.
const MaxBody = 1 << 20

// Error is an admin API error: an HTTP status, a stable machine code and a
// sentence for people.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given status and code and a formatted
// message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Write writes v as JSON with the given status.
func Write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError writes err in the error envelope. An *Error in err's chain
// gives the status, code and message; any other error is answered as 500
// internal_error without its text, which may hold details that are not for
// the caller.
func WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusInternalServerError, Code: "internal_error",
			Message: "The server could not complete the request."}
	}
	Write(w, e.Status, struct {
		Error *Error `json:"error"`
	}{e})
}

// Decode reads one JSON object from r's body into v, refusing bodies over
// [MaxBody], unknown fields, trailing data and content types other than
// JSON.
func Decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type",
			"The request body must be application/json, not %q.", ct)
	}
	dec := json.NewDecoder(&limitedReader{r: r.Body, left: MaxBody})
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		return Errorf(http.StatusBadRequest, "invalid_json",
			"The request body holds more than one JSON value.")
	}
	if errors.Is(err, errTooLarge) {
		return Errorf(http.StatusRequestEntityTooLarge, "body_too_large",
			"The request body is larger than %d bytes.", MaxBody)
	}
	if err != nil {
		return Errorf(http.StatusBadRequest, "invalid_json",
			"The request body is not valid JSON for this endpoint: %s.", jsonProblem(err))
	}
	return nil
}

var errTooLarge = errors.New("httpjson: request body too large")

// limitedReader reads at most left bytes and then fails with errTooLarge,
// so that an oversized body is told apart from a truncated one.
type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var probe [1]byte
		if n, _ := l.r.Read(probe[:]); n > 0 {
			return 0, errTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q must be %s", te.Field, te.Type)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the body is empty or cut short"
	}
	// Unknown fields and similar: the decoder's text names the field and
	// holds nothing of the server's.
	return strings.TrimPrefix(err.Error(), "json: ")
}

// EncodeCursor turns a position (any JSON-encodable value) into an opaque
// cursor for a list response.
func EncodeCursor(pos any) string {
	b, _ := json.Marshal(pos)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor made by [EncodeCursor] into pos. An empty
// cursor leaves pos unchanged. A malformed one is a 400 invalid_cursor.
func DecodeCursor(cursor string, pos any) error {
	if cursor == "" {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		err = json.Unmarshal(b, pos)
	}
	if err != nil {
		return Errorf(http.StatusBadRequest, "invalid_cursor", "The cursor is not one this API returned.")
	}
	return nil
}

// Organization asks the host's Config.Organization which organization
// the caller of an admin request administers. A nil function, an error
// or an empty ID refuses the request with 403 forbidden and the sentence
// refusal; the host's error text is not shown, since it may say more
// than the caller should learn. An *Error in the chain (which only
// Gatehouse's own code can make) is answered as it is.
func Organization(r *http.Request, org func(*http.Request) (string, error), refusal string) (string, error) {
	if org == nil {
		return "", Errorf(http.StatusForbidden, "forbidden", "The admin API is not configured.")
	}
	id, err := org(r)
	var own *Error
	if errors.As(err, &own) {
		return "", own
	}
	if err != nil || id == "" {
		return "", Errorf(http.StatusForbidden, "forbidden", "%s", refusal)
	}
	return id, nil
}
