package secretstest

import (
	"context"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/secrets"
)

// CountingProvider wraps a [secrets.KeyProvider] and counts the calls
// that reach it, for tests of caching. Failing, when set, makes every
// Wrap and Unwrap fail with it, as a KMS outage would.
type CountingProvider struct {
	secrets.KeyProvider
	Wraps, Unwraps atomic.Int64
	Failing        error
}

// Wrap counts the call and passes it on.
func (p *CountingProvider) Wrap(ctx context.Context, keyID string, dk, ad []byte) ([]byte, error) {
	p.Wraps.Add(1)
	if p.Failing != nil {
		return nil, p.Failing
	}
	return p.KeyProvider.Wrap(ctx, keyID, dk, ad)
}

// Unwrap counts the call and passes it on.
func (p *CountingProvider) Unwrap(ctx context.Context, keyID string, wrapped,
	ad []byte) ([]byte, error) {
	p.Unwraps.Add(1)
	if p.Failing != nil {
		return nil, p.Failing
	}
	return p.KeyProvider.Unwrap(ctx, keyID, wrapped, ad)
}
