package audit_test

import (
	"context"
	"crypto/ed25519"
	"fmt"

	"github.com/gatehouse/gatehouse/audit"
)

func Example() {
	ctx := context.Background()
	svc, err := audit.New(audit.Config{
		Store:  audit.NewMemoryStore(),
		Signer: ed25519.NewKeyFromSeed(make([]byte, 32)), // use a key of your own
		Schemas: audit.Schemas{"user.signed_in": {
			ActorTypes: []string{"user"},
			Metadata:   map[string]audit.Kind{"method": audit.String},
		}},
	})
	if err != nil {
		panic(err)
	}
	err = svc.Record(ctx, audit.Event{
		OrganizationID: "org_acme",
		Action:         "user.signed_in",
		Actor:          audit.Actor{Type: "user", ID: "user_ada"},
		Metadata:       map[string]any{"method": 42},
	})
	fmt.Println(err)

	err = svc.Record(ctx, audit.Event{
		OrganizationID: "org_acme",
		Action:         "user.signed_in",
		Actor:          audit.Actor{Type: "user", ID: "user_ada"},
		Metadata:       map[string]any{"method": "saml"},
	})
	fmt.Println(err)

	note, _ := svc.Checkpoint(ctx, "org_acme")
	cp, _ := svc.ParseCheckpoint("org_acme", note)
	fmt.Println(cp.Origin, cp.Size)
	// Output:
	// audit: invalid event: metadata.method: must be a string
	// <nil>
	// gatehouse.audit/org_acme 1
}
