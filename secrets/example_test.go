package secrets_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gatehouse/gatehouse/secrets"
)

func Example() {
	ctx := context.Background()
	// In production: secrets.KeyRingFromEnv("GATEHOUSE_MASTER_KEYS").
	ring, err := secrets.ParseKeyRing("1:" + secrets.GenerateMasterKey())
	if err != nil {
		log.Fatal(err)
	}
	svc, err := secrets.New(secrets.Config{Store: secrets.NewMemoryStore(), Keys: ring})
	if err != nil {
		log.Fatal(err)
	}

	ctx = secrets.WithActor(ctx, secrets.Actor{Type: "user", ID: "alice"})
	meta := &secrets.Metadata{Owner: "payments", Description: "Stripe API key"}
	if _, err := svc.Put(ctx, "org_1", "stripe", secrets.NewStringValue("sk_live_123"), meta); err != nil {
		log.Fatal(err)
	}
	r, err := svc.Get(ctx, "org_1", "stripe", secrets.GetOptions{Purpose: "charge"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Name, r.Version, r.Value)                // a Value prints redacted
	fmt.Println(string(r.Value.Reveal()) == "sk_live_123") // Reveal gives the bytes
	// Output:
	// stripe 1 [REDACTED]
	// true
}

func ExampleSealer() {
	ctx := context.Background()
	ring, _ := secrets.ParseKeyRing(secrets.GenerateMasterKey())
	sealer, _ := secrets.NewSealer(ring)

	ad := []byte("org_1/conn_42") // where the blob belongs
	blob, _ := sealer.Seal(ctx, []byte("oidc-client-secret"), ad)
	pt, err := sealer.Open(ctx, blob, ad)
	fmt.Println(string(pt), err)
	_, err = sealer.Open(ctx, blob, []byte("org_2/conn_42"))
	fmt.Println(err)
	// Output:
	// oidc-client-secret <nil>
	// secrets: cannot open: wrong key or altered data
}
