package secrets_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/secrets"
	"github.com/gatehouse/gatehouse/secrets/secretstest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	secretstest.TestStore(t, func(*testing.T) secrets.Store { return secrets.NewMemoryStore() })
}
