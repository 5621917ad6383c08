package sso

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// MetadataRetry is how long a connection whose scheduled metadata refresh
// failed waits before any instance tries it again.
const MetadataRetry = 10 * time.Minute

// refreshBatch is how many connections [Service.RunMetadataRefresh]
// refreshes per call of [Service.RefreshDue].
const refreshBatch = 100

// RefreshReport says what one call of [Service.RefreshDue] did.
type RefreshReport struct {
	// Refreshed are the connections whose metadata was fetched and stored,
	// as stored.
	Refreshed []*Connection
	// Failed are the connections whose refresh failed; each keeps its last
	// good metadata.
	Failed []RefreshFailure
	// Skipped counts the due connections left alone because another call,
	// on this instance or another, refreshes them or tried them less than
	// MetadataRetry ago.
	Skipped int
}

// RefreshFailure is a connection whose metadata could not be refreshed,
// and why.
type RefreshFailure struct {
	Connection *Connection
	Err        error
}

// RefreshDue refreshes the IdP metadata of up to limit SAML connections,
// of every organization, whose metadata from a URL is older than
// Config.MetadataRefresh (see [Service.RefreshMetadata]), least recently
// fetched first. A connection whose refresh fails keeps its last good
// metadata and gets an entry with [ReasonMetadataRefresh] in its log of
// attempts, so that its admins see it. The error is only for a failure to
// list the connections due.
//
// Several instances may call RefreshDue at once: each connection is
// claimed in the Store's replay cache before it is fetched, so one
// instance fetches it and the others skip it; a claim whose refresh failed
// holds for MetadataRetry, which paces the retries of a failing URL.
//
// A connection whose refresh keeps failing stays at the head of the due
// list; when more than limit of them fail, the others wait until the
// failing ones are fixed or removed. Looking past them would take a cursor
// on (fetch time, ID) in [Store.MetadataDue].
func (s *Service) RefreshDue(ctx context.Context, limit int) (*RefreshReport, error) {
	now := s.now()
	due, err := s.cfg.Store.MetadataDue(ctx, now.Add(-s.cfg.MetadataRefresh), limit)
	if err != nil {
		return nil, fmt.Errorf("sso: listing connections due for a metadata refresh: %w", err)
	}
	rep := &RefreshReport{}
	for _, c := range due {
		if ctx.Err() != nil {
			break
		}
		s.refreshOne(ctx, c, now, rep)
	}
	return rep, nil
}

// refreshOne claims c, refreshes it and adds the outcome to rep.
func (s *Service) refreshOne(ctx context.Context, c *Connection, now time.Time, rep *RefreshReport) {
	err := s.cfg.Store.Remember(ctx, refreshClaim(c), now.Add(MetadataRetry), now)
	switch {
	case errors.Is(err, ErrReplay):
		rep.Skipped++
		return
	case err != nil:
		err = fmt.Errorf("sso: claiming the metadata refresh of %s: %w", c.ID, err)
	default:
		d, rerr := s.refresh(ctx, c)
		if rerr == nil {
			rep.Refreshed = append(rep.Refreshed, d)
			return
		}
		err = rerr
	}
	rep.Failed = append(rep.Failed, RefreshFailure{Connection: c, Err: err})
	if ctx.Err() == nil { // a host shutting down is not the IdP's failure
		s.recordRefreshFailure(ctx, c, now, err)
	}
}

// recordRefreshFailure adds a failed refresh to c's log of attempts.
func (s *Service) recordRefreshFailure(ctx context.Context, c *Connection, now time.Time,
	err error) {
	a := &Attempt{ID: newAttemptID(now), OrganizationID: c.OrganizationID, ConnectionID: c.ID,
		Time: now, Reason: ReasonMetadataRefresh, Detail: truncateDetail(err.Error())}
	if rerr := s.cfg.Store.RecordAttempt(ctx, a); rerr != nil {
		s.cfg.Logger.WarnContext(ctx, "sso: recording a failed metadata refresh", "error", rerr)
	}
}

// refreshClaim is the replay-cache key that claims the refresh of c's
// metadata as fetched at its MetadataFetchedAt: once that changes, the
// next refresh has a new key.
func refreshClaim(c *Connection) string {
	return "saml-metadata:" + c.ID + ":" + strconv.FormatInt(c.SAML.MetadataFetchedAt.UnixMicro(), 10)
}

// RunMetadataRefresh calls [Service.RefreshDue] at once and then every
// interval, until ctx ends, and returns ctx's error. Each round refreshes
// every connection due, in batches, and logs the failures. It is safe to
// run on every instance of the host; a host with many SAML connections
// keeps interval well under Config.MetadataRefresh, such as an hour.
func (s *Service) RunMetadataRefresh(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("sso: metadata refresh interval %v is not positive", interval)
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		s.refreshRound(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// refreshRound refreshes batches of due connections for as long as whole
// batches succeed, so that a round ends when no connection is left due or
// the rest failed or were skipped.
func (s *Service) refreshRound(ctx context.Context) {
	for ctx.Err() == nil {
		rep, err := s.RefreshDue(ctx, refreshBatch)
		if err != nil {
			s.cfg.Logger.WarnContext(ctx, "sso: scheduled metadata refresh", "error", err)
			return
		}
		for _, f := range rep.Failed {
			s.cfg.Logger.WarnContext(ctx, "sso: keeping the last good IdP metadata",
				"organization", f.Connection.OrganizationID, "connection", f.Connection.ID,
				"error", f.Err)
		}
		if len(rep.Refreshed) < refreshBatch {
			return
		}
	}
}
