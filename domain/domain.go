package domain

import (
	"errors"
	"time"
)

// Status is where a domain stands in its verification lifecycle.
type Status string

// The statuses of a domain. Only a verified domain captures users.
const (
	// StatusPending means added, and waiting for its owner to publish the
	// challenge record and ask for verification.
	StatusPending Status = "pending"
	// StatusVerified means the organization proved control of the domain.
	StatusVerified Status = "verified"
	// StatusLapsed means re-verification failed too many times in a row.
	StatusLapsed Status = "lapsed"
)

// Domain is an email domain that an organization claims.
//
// Name is the normalized form (lowercase ASCII, internationalized labels
// in punycode; see [Normalize]). The challenge token stays the same once
// verified: the organization keeps the TXT record in place so that
// re-verification keeps passing.
type Domain struct {
	ID                string
	OrganizationID    string
	Name              string
	Status            Status
	IncludeSubdomains bool // capture users of subdomains of Name too

	ChallengeToken     string
	ChallengeExpiresAt time.Time // the deadline to verify a pending domain

	VerifiedAt          time.Time // when control was last proved
	LastCheckedAt       time.Time // when the record was last looked up
	ConsecutiveFailures int       // failed re-verifications since the last success
	LastError           string    // why the last lookup failed, for the admin

	CreatedAt time.Time
	UpdatedAt time.Time

	// Revision counts the domain's stored updates. A Store refuses an
	// update whose Revision is not the stored one, with [ErrStale].
	Revision int64
}

// ChallengeExpired reports whether a pending domain's challenge can no
// longer be used to verify it at time now.
func (d Domain) ChallengeExpired(now time.Time) bool {
	return !d.ChallengeExpiresAt.IsZero() && !now.Before(d.ChallengeExpiresAt)
}

// Errors a Store returns, and the service passes on. Callers branch on
// them with errors.Is.
var (
	// ErrNotFound means there is no such domain in this organization.
	ErrNotFound = errors.New("domain: not found")
	// ErrDuplicate means the organization has already added this domain.
	ErrDuplicate = errors.New("domain: the organization has already added this domain")
	// ErrClaimed means another organization holds the domain verified.
	ErrClaimed = errors.New("domain: another organization has verified this domain")
	// ErrStale means the domain changed since it was read; read it again.
	ErrStale = errors.New("domain: the domain was changed concurrently")
)

// EventType names what happened to a domain.
type EventType string

// The event types. Each state change of a domain is recorded as one of
// these, in the same transaction as the change.
const (
	// EventAdded records that an organization claimed a domain.
	EventAdded EventType = "domain.added"
	// EventVerified records that an organization proved control.
	EventVerified EventType = "domain.verified"
	// EventVerificationFailed records a failed verification or
	// re-verification, with the reason.
	EventVerificationFailed EventType = "domain.verification_failed"
	// EventLapsed records that a domain stopped capturing users after
	// repeated failures.
	EventLapsed EventType = "domain.lapsed"
	// EventRemoved records that an organization removed a domain.
	EventRemoved EventType = "domain.removed"
)

// Event records a change of a domain. Events are read in order with
// [Service.Events] (or [Store.Events]) and a cursor.
type Event struct {
	// Cursor is the event's position in the store's log: pass it to Events
	// to read what came after. The store sets it.
	Cursor         string
	ID             string
	Type           EventType
	OrganizationID string
	Time           time.Time
	Data           EventData
}

// EventData is the payload of an [Event].
type EventData struct {
	DomainID string `json:"domain_id"`
	Domain   string `json:"domain"`
	// Reason says why verification failed or the domain lapsed.
	Reason string `json:"reason,omitempty"`
	// Failures is the count of consecutive failed checks, for
	// verification_failed and lapsed events.
	Failures int `json:"failures,omitempty"`
}
