package sso

import (
	"context"
	"errors"
	"fmt"
)

// Resealer is a [Sealer] that can tell when a sealed value is under an
// older key than its newest, and seal it again under the newest. The
// secrets package's Sealer fits it.
type Resealer interface {
	Sealer
	NeedsReseal(ctx context.Context, sealed []byte) (bool, error)
	Reseal(ctx context.Context, sealed, associatedData []byte) ([]byte, error)
}

// resealPage is how many connections ResealClientSecrets reads at a time.
const resealPage = 100

// ResealClientSecrets seals the OIDC client secrets of org's connections
// again under the Sealer's newest key, where they are under an older one,
// and returns how many it resealed. After rotating the key behind the
// Sealer, a host runs it for each organization before it retires the old
// key; a secret that can no longer be opened would stop its connection's
// logins. It needs Config.Sealer to be a [Resealer]. A secret that fails
// to reseal is reported in the joined error and the others go on.
//
// Like an update through the admin API, it replaces the connection as it
// read it: an admin's change that lands between the read and the write
// is lost, so run it when admins are not editing connections.
func (s *Service) ResealClientSecrets(ctx context.Context, org string) (int, error) {
	rs, ok := s.cfg.Sealer.(Resealer)
	if !ok {
		return 0, errors.New("sso: Config.Sealer cannot reseal (it is not a Resealer)")
	}
	var n int
	var errs []error
	for after := ""; ; {
		page, err := s.cfg.Store.ListConnections(ctx, org, after, resealPage)
		if err != nil {
			return n, errors.Join(append(errs, fmt.Errorf("sso: listing connections: %w", err))...)
		}
		for _, c := range page {
			done, err := s.resealOne(ctx, rs, c)
			if err != nil {
				errs = append(errs, fmt.Errorf("sso: resealing the client secret of %s: %w", c.ID, err))
			} else if done {
				n++
			}
		}
		if len(page) < resealPage {
			return n, errors.Join(errs...)
		}
		after = page[len(page)-1].ID
	}
}

// resealOne reseals c's client secret if it is under an older key.
func (s *Service) resealOne(ctx context.Context, rs Resealer, c *Connection) (bool, error) {
	if c.OIDC == nil || len(c.OIDC.SealedClientSecret) == 0 {
		return false, nil
	}
	stale, err := rs.NeedsReseal(ctx, c.OIDC.SealedClientSecret)
	if err != nil || !stale {
		return false, err
	}
	sealed, err := rs.Reseal(ctx, c.OIDC.SealedClientSecret, sealingContext(c))
	if err != nil {
		return false, err
	}
	c.OIDC.SealedClientSecret = sealed
	if err := s.cfg.Store.UpdateConnection(ctx, c); err != nil {
		return false, err
	}
	return true, nil
}
