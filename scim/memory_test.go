package scim_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/scim"
	"github.com/gatehouse/gatehouse/scim/scimtest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	scimtest.TestStore(t, func(t *testing.T) scim.Store { return scim.NewMemoryStore() })
}
