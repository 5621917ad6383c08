package domain_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/domain/domaintest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	domaintest.TestStore(t, func(*testing.T) domain.Store { return domain.NewMemoryStore() })
}
