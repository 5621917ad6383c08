package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

// canonicalEvent fixes the order of the members in the canonical encoding;
// doc.go specifies it.
type canonicalEvent struct {
	SchemaVersion  int            `json:"v"`
	ID             string         `json:"id"`
	OrganizationID string         `json:"org"`
	Action         string         `json:"action"`
	Time           string         `json:"time"`
	Actor          Actor          `json:"actor"`
	Targets        []Target       `json:"targets"`
	Context        Context        `json:"context"`
	Metadata       map[string]any `json:"metadata"`
}

// timeFormat is the canonical form of the event time: UTC, microseconds.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// MarshalCanonical returns the canonical encoding of e, the bytes that the
// Merkle tree commits to (see the package documentation). It does not
// validate e beyond what encoding needs.
func MarshalCanonical(e *Event) ([]byte, error) {
	c := canonicalEvent{
		SchemaVersion: e.SchemaVersion, ID: e.ID, OrganizationID: e.OrganizationID,
		Action: e.Action, Time: e.Time.UTC().Format(timeFormat), Actor: e.Actor,
		Targets: e.Targets, Context: e.Context, Metadata: e.Metadata,
	}
	if c.Targets == nil {
		c.Targets = []Target{}
	}
	if c.Metadata == nil {
		c.Metadata = map[string]any{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("audit: encoding event: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalCanonical decodes the canonical encoding of an event. Numbers
// in metadata decode as [json.Number], so that encoding the event again
// gives the same bytes.
func UnmarshalCanonical(data []byte) (Event, error) {
	var c canonicalEvent
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Event{}, fmt.Errorf("audit: decoding event: %w", err)
	}
	if c.SchemaVersion != SchemaVersion {
		return Event{}, fmt.Errorf("audit: decoding event: schema version %d, want %d",
			c.SchemaVersion, SchemaVersion)
	}
	t, err := time.Parse(timeFormat, c.Time)
	if err != nil {
		return Event{}, fmt.Errorf("audit: decoding event time: %w", err)
	}
	e := Event{ID: c.ID, OrganizationID: c.OrganizationID, Action: c.Action, Time: t,
		Actor: c.Actor, Targets: c.Targets, Context: c.Context, Metadata: c.Metadata,
		SchemaVersion: c.SchemaVersion}
	if len(e.Targets) == 0 {
		e.Targets = nil
	}
	if len(e.Metadata) == 0 {
		e.Metadata = nil
	}
	return e, nil
}

// maxDepth bounds the nesting of metadata values.
const maxDepth = 4

// checkValue accepts the Go values that encode as JSON without surprises.
func checkValue(field string, v any, depth int) error {
	if depth > maxDepth {
		return fieldErr(field, "nested deeper than %d levels", maxDepth)
	}
	switch v := v.(type) {
	case nil, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return nil
	case float32:
		return checkFloat(field, float64(v))
	case float64:
		return checkFloat(field, v)
	case json.Number:
		if _, err := v.Float64(); err != nil {
			return fieldErr(field, "is not a number")
		}
		return nil
	case string:
		if !utf8.ValidString(v) {
			return fieldErr(field, "is not valid UTF-8")
		}
		return nil
	case []any:
		for i, x := range v {
			if err := checkValue(fmt.Sprintf("%s[%d]", field, i), x, depth+1); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		for k, x := range v {
			if err := checkValue(field+"."+k, x, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return fieldErr(field, "has Go type %T; use a string, number, bool, nil, []any or "+
		"map[string]any", v)
}

func checkFloat(field string, f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fieldErr(field, "is NaN or infinite")
	}
	return nil
}
