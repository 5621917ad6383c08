package audit

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"
)

// SchemaVersion is the version of the event envelope that this package
// writes, and the only one it reads.
const SchemaVersion = 1

// Limits on what an event may hold. An event over any of them is refused
// before anything is written.
const (
	// MaxStringLen bounds any identifier, name or context value, in bytes.
	MaxStringLen = 1024
	// MaxTargets bounds the targets of an event.
	MaxTargets = 32
	// MaxMetadata bounds the keys of each metadata map.
	MaxMetadata = 64
	// MaxEncodedSize bounds the canonical encoding of a whole event.
	MaxEncodedSize = 64 << 10
)

// Event is one entry of an organization's audit log: who (Actor) did what
// (Action) to what (Targets), when (Time), from where (Context).
type Event struct {
	// ID is a time-sortable identifier with the prefix "evt". Record
	// assigns it when empty. It is also the event's idempotency key: an
	// event whose ID the log already holds is not recorded again, so a
	// host that redelivers events gives them IDs from [EventID].
	ID string `json:"id"`
	// OrganizationID is the host's opaque ID of the organization whose
	// log the event belongs to.
	OrganizationID string `json:"organization_id"`
	// Action names what happened, such as "user.signed_in": lower-case
	// letters, digits, '_', '-' and '.'.
	Action string `json:"action"`
	// Time is when it happened. Record sets it from the clock when zero
	// and keeps it at microsecond precision, in UTC.
	Time time.Time `json:"time"`
	// Actor is who did it.
	Actor Actor `json:"actor"`
	// Targets are what it was done to, possibly none.
	Targets []Target `json:"targets,omitempty"`
	// Context is where the request came from.
	Context Context `json:"context"`
	// Metadata holds further facts as JSON values (strings, numbers,
	// booleans, null, arrays and objects of them).
	Metadata map[string]any `json:"metadata,omitempty"`
	// SchemaVersion is the envelope version; Record sets it to
	// [SchemaVersion].
	SchemaVersion int `json:"schema_version"`
}

// Actor is the person, service or system that caused an event.
type Actor struct {
	Type     string         `json:"type"` // such as "user", "api_key", "system"
	ID       string         `json:"id"`
	Name     string         `json:"name,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// Target is something an event acted on.
type Target struct {
	Type     string         `json:"type"` // such as "user", "connection"
	ID       string         `json:"id"`
	Name     string         `json:"name,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// Context tells where the request behind an event came from; IP, when
// set, must parse as an IP address. See [RequestContext.FromRequest].
type Context struct {
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// FieldError is the refusal of an event because of one field. Field is a
// path such as "actor.type" or "metadata.plan".
type FieldError struct {
	Field  string
	Reason string
}

// Error returns "audit: invalid event: <field>: <reason>".
func (e *FieldError) Error() string {
	return "audit: invalid event: " + e.Field + ": " + e.Reason
}

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// validate checks the envelope rules that hold for every action.
func (e *Event) validate() error {
	if err := checkOrg(e.OrganizationID); err != nil {
		return err
	}
	if err := checkAction(e.Action); err != nil {
		return err
	}
	a := &e.Actor
	if err := checkParty("actor", a.Type, a.ID, a.Name, a.Metadata); err != nil {
		return err
	}
	if len(e.Targets) > MaxTargets {
		return fieldErr("targets", "more than %d targets", MaxTargets)
	}
	for i, t := range e.Targets {
		field := fmt.Sprintf("targets[%d]", i)
		if err := checkParty(field, t.Type, t.ID, t.Name, t.Metadata); err != nil {
			return err
		}
	}
	for field, v := range map[string]string{"context.ip": e.Context.IP,
		"context.user_agent": e.Context.UserAgent, "context.request_id": e.Context.RequestID} {
		if err := checkString(field, v); err != nil {
			return err
		}
	}
	if ip := e.Context.IP; ip != "" {
		if _, err := netip.ParseAddr(ip); err != nil {
			return fieldErr("context.ip", "%q is not an IP address", truncate(ip, 64))
		}
	}
	return checkMetadata("metadata", e.Metadata)
}

func checkOrg(org string) error {
	if org == "" {
		return fieldErr("organization_id", "is empty")
	}
	if len(org) > 128 {
		return fieldErr("organization_id", "longer than 128 bytes")
	}
	for _, r := range org {
		if r <= ' ' || r == 0x7f || r > 0x7e {
			return fieldErr("organization_id", "holds a space, control or non-ASCII character")
		}
	}
	return nil
}

func checkAction(a string) error {
	if a == "" {
		return fieldErr("action", "is empty")
	}
	if len(a) > 128 {
		return fieldErr("action", "longer than 128 bytes")
	}
	for _, r := range a {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)
		if !ok {
			return fieldErr("action", "holds %q; use lower-case letters, digits, "+
				"'.', '_' and '-'", r)
		}
	}
	return nil
}

func checkParty(field, typ, id, name string, md map[string]any) error {
	if typ == "" {
		return fieldErr(field+".type", "is empty")
	}
	if id == "" {
		return fieldErr(field+".id", "is empty")
	}
	for sub, v := range map[string]string{".type": typ, ".id": id, ".name": name} {
		if err := checkString(field+sub, v); err != nil {
			return err
		}
	}
	return checkMetadata(field+".metadata", md)
}

func checkString(field, s string) error {
	if len(s) > MaxStringLen {
		return fieldErr(field, "longer than %d bytes", MaxStringLen)
	}
	if !utf8.ValidString(s) {
		return fieldErr(field, "is not valid UTF-8")
	}
	return nil
}

func checkMetadata(field string, md map[string]any) error {
	if len(md) > MaxMetadata {
		return fieldErr(field, "more than %d keys", MaxMetadata)
	}
	for k, v := range md {
		if err := checkString(field, k); err != nil {
			return fieldErr(field, "a key is longer than %d bytes or not UTF-8", MaxStringLen)
		}
		if err := checkValue(field+"."+k, v, 0); err != nil {
			return err
		}
	}
	return nil
}
