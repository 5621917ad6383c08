package secrets

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SignWebhook signs payload with the webhook secret stored under name in
// the organization, for the sender side of [SignWebhook]. While the
// latest version is younger than overlap, the previous version signs
// too, so receivers that have not picked up the new secret yet keep
// verifying: rotate the secret with [Service.Put], tell receivers, and
// after overlap only the new one signs. Each version read is an access
// event with the purpose "sign webhook".
func (s *Service) SignWebhook(ctx context.Context, org, name string, payload []byte,
	overlap time.Duration) (string, error) {
	const purpose = "sign webhook"
	latest, err := s.Get(ctx, org, name, GetOptions{Purpose: purpose})
	if err != nil {
		return "", err
	}
	keys := []Value{latest.Value}
	now := s.now()
	if latest.Version > 1 && now.Sub(latest.CreatedAt) < overlap {
		prev, err := s.Get(ctx, org, name, GetOptions{Version: latest.Version - 1, Purpose: purpose})
		switch {
		case err == nil:
			keys = append(keys, prev.Value)
		case !errors.Is(err, ErrNotFound): // a pruned previous version just does not sign
			return "", err
		}
	}
	hdr, err := SignWebhook(payload, now, keys...)
	if err != nil {
		return "", fmt.Errorf("secrets: signing with %q: %w", name, err)
	}
	return hdr, nil
}
