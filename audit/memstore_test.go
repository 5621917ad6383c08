package audit_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/gatehouse/gatehouse/audit/audittest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	audittest.TestStore(t, func(*testing.T) audit.Store { return audit.NewMemoryStore() })
}
