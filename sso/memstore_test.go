package sso_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	ssotest.TestStore(t, func(*testing.T) sso.Store { return sso.NewMemoryStore() })
}
