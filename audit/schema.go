package audit

import (
	"encoding/json"
	"slices"
	"sort"
)

// Kind is the JSON type a metadata value must have.
type Kind int

// The kinds a [Schema] can ask of a metadata value.
const (
	// Any accepts any JSON value.
	Any Kind = iota
	// String accepts a string.
	String
	// Number accepts an integer, a float or a json.Number.
	Number
	// Bool accepts true or false.
	Bool
	// Object accepts a map[string]any.
	Object
	// Array accepts a []any.
	Array
)

var kindNames = [...]string{
	"any value", "a string", "a number", "a boolean", "an object", "an array",
}

// String returns the kind as a phrase such as "a string".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "an unknown kind"
	}
	return kindNames[k]
}

// Schema constrains the events of one action. The zero Schema accepts any
// actor, any targets and no metadata.
type Schema struct {
	// ActorTypes lists the actor types allowed; empty allows any.
	ActorTypes []string
	// TargetTypes lists the target types allowed; empty allows any.
	TargetTypes []string
	// MinTargets is the least number of targets an event must have.
	MinTargets int
	// Metadata lists the metadata keys allowed, each with its kind. A key
	// not listed is refused.
	Metadata map[string]Kind
	// Required lists the metadata keys that must be present.
	Required []string
}

// Schemas maps each registered action to its schema.
type Schemas map[string]Schema

// check returns a [*FieldError] naming the first field of e that breaks s.
// Fields are checked in a fixed order so that the error is stable.
func (s Schema) check(e *Event) error {
	if len(s.ActorTypes) > 0 && !slices.Contains(s.ActorTypes, e.Actor.Type) {
		return fieldErr("actor.type", "%q is not allowed for %s (want one of %v)",
			e.Actor.Type, e.Action, s.ActorTypes)
	}
	if len(e.Targets) < s.MinTargets {
		return fieldErr("targets", "%s needs at least %d targets", e.Action, s.MinTargets)
	}
	for i, t := range e.Targets {
		if len(s.TargetTypes) > 0 && !slices.Contains(s.TargetTypes, t.Type) {
			field := "targets[" + itoa(i) + "].type"
			return fieldErr(field, "%q is not allowed for %s (want one of %v)",
				t.Type, e.Action, s.TargetTypes)
		}
	}
	for _, k := range s.Required {
		if _, ok := e.Metadata[k]; !ok {
			return fieldErr("metadata."+k, "is required for %s", e.Action)
		}
	}
	return s.checkMetadata(e)
}

func (s Schema) checkMetadata(e *Event) error {
	keys := make([]string, 0, len(e.Metadata))
	for k := range e.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want, ok := s.Metadata[k]
		if !ok {
			return fieldErr("metadata."+k, "is not a key that %s allows", e.Action)
		}
		if !want.matches(e.Metadata[k]) {
			return fieldErr("metadata."+k, "must be %s", want)
		}
	}
	return nil
}

func (k Kind) matches(v any) bool {
	switch v.(type) {
	case string:
		return k == Any || k == String
	case bool:
		return k == Any || k == Bool
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64,
		float32, float64, json.Number:
		return k == Any || k == Number
	case map[string]any:
		return k == Any || k == Object
	case []any:
		return k == Any || k == Array
	}
	return k == Any
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
