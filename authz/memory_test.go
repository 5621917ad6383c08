package authz_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/authz/authztest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	authztest.TestStore(t, func(*testing.T) authz.Store { return authz.NewMemoryStore() })
}

func TestEngineOnMemoryStore(t *testing.T) {
	t.Parallel()
	authztest.TestEngine(t, func(*testing.T) authz.Store { return authz.NewMemoryStore() })
}
