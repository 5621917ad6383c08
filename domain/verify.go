package domain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Verify looks up the domain's challenge record now.
//
// For a pending or lapsed domain, a record whose value matches proves
// control: the domain becomes verified, unless another organization holds
// it verified ([ErrClaimed]), and an [EventVerified] is recorded. A failed
// lookup is recorded as an [EventVerificationFailed] and returned; its
// error wraps [ErrRecordNotFound], [ErrRecordMismatch],
// [ErrDNSServerFailure] or [ErrDNSTimeout]. A challenge past its deadline
// is refused with [ErrChallengeExpired] without a lookup.
//
// For a verified domain, Verify is an immediate re-verification, as
// [Service.Recheck] does: a failure counts towards lapsing.
//
// Verify returns the domain as it stands after the attempt, with the
// error when the attempt failed.
func (s *Service) Verify(ctx context.Context, organizationID, id string) (Domain, error) {
	d, err := s.store.Get(ctx, organizationID, id)
	if err != nil {
		return Domain{}, fmt.Errorf("domain: loading %s: %w", id, err)
	}
	if d.Status == StatusVerified {
		return s.recheckOne(ctx, d)
	}
	if d.ChallengeExpired(s.now()) {
		expired := d.ChallengeExpiresAt.UTC().Format(time.RFC3339)
		return d, fmt.Errorf("%w (it expired at %s)", ErrChallengeExpired, expired)
	}

	lookupErr := s.lookup(ctx, d)
	if ctx.Err() != nil {
		return d, ctx.Err()
	}
	now := s.now()
	d.LastCheckedAt, d.UpdatedAt = now, now
	if lookupErr != nil {
		d.LastError = lookupErr.Error()
		if err := s.store.Update(ctx, d, s.event(EventVerificationFailed, d, d.LastError)); err != nil {
			return d, fmt.Errorf("domain: recording the failed verification of %s: %w", d.Name, err)
		}
		d.Revision++
		return d, lookupErr
	}

	d.Status, d.VerifiedAt, d.ConsecutiveFailures, d.LastError = StatusVerified, now, 0, ""
	if err := s.store.Update(ctx, d, s.event(EventVerified, d, "")); err != nil {
		return Domain{}, fmt.Errorf("domain: verifying %s: %w", d.Name, err)
	}
	d.Revision++
	s.log.InfoContext(ctx, "domain verified", "organization", d.OrganizationID, "domain", d.Name)
	return d, nil
}

// lookup checks that a TXT record at the challenge name holds the value.
func (s *Service) lookup(ctx context.Context, d Domain) error {
	c := s.Challenge(d)
	values, err := s.resolver.LookupTXT(ctx, c.RecordName)
	if err != nil {
		return err
	}
	for _, v := range values {
		if strings.TrimSpace(v) == c.RecordValue {
			return nil
		}
	}
	return fmt.Errorf("%w: %s has %d TXT records, none of them %q",
		ErrRecordMismatch, c.RecordName, len(values), c.RecordValue)
}

// RecheckReport counts what a call of [Service.Recheck] did.
type RecheckReport struct {
	Checked int // verified domains looked up
	Passed  int // whose record was still in place
	Failed  int // whose lookup failed, the lapsed ones included
	Lapsed  int // that lapsed on this call
	// Errors holds the store errors met, if any; the domains concerned are
	// checked again on the next call.
	Errors []error
}

// Recheck re-verifies up to limit verified domains (100 when limit is
// zero) whose last check is older than Config.RecheckInterval, oldest
// first. A host runs it on a schedule, from one instance or several.
//
// A passing check resets the domain's failure count. A failing one, of
// any kind (a missing record, a wrong value, SERVFAIL or a timeout),
// records an [EventVerificationFailed]; after Config.LapseAfter failures
// in a row the domain lapses, records an [EventLapsed] and stops
// capturing users until it is verified again. Transient DNS failures
// count, since a domain whose ownership can no longer be shown should not
// keep routing users; LapseAfter and RecheckInterval set how long that
// takes.
func (s *Service) Recheck(ctx context.Context, limit int) (RecheckReport, error) {
	var r RecheckReport
	limit = min(or(max(limit, 0), 100), 1000)
	due, err := s.store.DueForCheck(ctx, s.now().Add(-s.cfg.RecheckInterval), limit)
	if err != nil {
		return r, fmt.Errorf("domain: listing domains due for re-verification: %w", err)
	}
	for _, d := range due {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		after, err := s.recheckOne(ctx, d)
		var storeErr *storeError
		switch {
		case errors.As(err, &storeErr):
			r.Errors = append(r.Errors, err)
			continue
		case ctx.Err() != nil:
			return r, ctx.Err()
		}
		r.Checked++
		if err == nil {
			r.Passed++
			continue
		}
		r.Failed++
		if after.Status == StatusLapsed {
			r.Lapsed++
		}
	}
	return r, nil
}

// storeError marks a failure to store the outcome of a check, as opposed
// to the check's own failure.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// recheckOne looks a verified domain's record up and stores the outcome.
func (s *Service) recheckOne(ctx context.Context, d Domain) (Domain, error) {
	lookupErr := s.lookup(ctx, d)
	if ctx.Err() != nil {
		return d, ctx.Err()
	}
	now := s.now()
	d.LastCheckedAt, d.UpdatedAt = now, now
	var events []Event
	if lookupErr == nil {
		d.ConsecutiveFailures, d.LastError = 0, ""
	} else {
		d.ConsecutiveFailures++
		d.LastError = lookupErr.Error()
		events = append(events, s.event(EventVerificationFailed, d, d.LastError))
		if d.ConsecutiveFailures >= s.cfg.LapseAfter {
			d.Status = StatusLapsed
			events = append(events, s.event(EventLapsed, d, d.LastError))
			s.log.WarnContext(ctx, "domain lapsed", "organization", d.OrganizationID, "domain", d.Name,
				"failures", d.ConsecutiveFailures)
		}
	}
	if err := s.store.Update(ctx, d, events...); err != nil {
		return d, &storeError{fmt.Errorf("domain: recording the re-verification of %s: %w", d.Name, err)}
	}
	d.Revision++
	return d, lookupErr
}
