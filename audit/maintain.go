package audit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Retention is how long an organization's events are kept; 0 keeps them
// forever.
type Retention func(org string) time.Duration

// CheckpointAll signs a checkpoint of every organization's log that grew
// since its last one, and returns the first error after trying them all.
func (s *Service) CheckpointAll(ctx context.Context) error {
	orgs, err := s.cfg.Store.Organizations(ctx)
	if err != nil {
		return fmt.Errorf("audit: listing organizations: %w", err)
	}
	var errs []error
	for _, org := range orgs {
		if _, err := s.Checkpoint(ctx, org); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ApplyRetention prunes every organization's log by its policy: the
// events at the start of the log older than the organization's
// retention. The tree's hashes stay, so what remains verifies.
func (s *Service) ApplyRetention(ctx context.Context, policy Retention) error {
	orgs, err := s.cfg.Store.Organizations(ctx)
	if err != nil {
		return fmt.Errorf("audit: listing organizations: %w", err)
	}
	now := s.cfg.Clock()
	var errs []error
	for _, org := range orgs {
		keep := policy(org)
		if keep <= 0 {
			continue
		}
		if _, err := s.Prune(ctx, org, now.Add(-keep)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RunCheckpoints calls [Service.CheckpointAll] every interval until ctx
// ends, logging failures, and returns ctx's error. Run it in one
// instance or in all: a checkpoint of an unchanged log is not signed
// again.
func (s *Service) RunCheckpoints(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return errors.New("audit: RunCheckpoints needs a positive interval")
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if err := s.CheckpointAll(ctx); err != nil {
			s.cfg.Logger.ErrorContext(ctx, "audit: scheduled checkpoints failed", "error", err)
		}
	}
}
