package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http/httptest"
	"net/netip"

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

// An auditor checks an export with the host's published verifier key;
// the command auditverify does the same from the shell.
func ExampleVerify() {
	ctx := context.Background()
	svc, _ := audit.New(audit.Config{
		Store:  audit.NewMemoryStore(),
		Signer: ed25519.NewKeyFromSeed(make([]byte, 32)),
	})
	for _, who := range []string{"user_ada", "user_bob"} {
		svc.Record(ctx, audit.Event{OrganizationID: "org_acme", Action: "user.signed_in",
			Actor: audit.Actor{Type: "user", ID: who}})
	}
	var export bytes.Buffer
	svc.Export(ctx, &export, "org_acme", audit.ExportOptions{})

	v, _ := audit.NewVerifier(svc.VerifierKey())
	tampered := bytes.Replace(export.Bytes(), []byte("user_bob"), []byte("user_eve"), 1)
	for _, data := range [][]byte{export.Bytes(), tampered} {
		rep, _ := audit.Verify(bytes.NewReader(data), v, nil)
		fmt.Println(rep.OK(), rep.Events, len(rep.Problems))
	}
	// Output:
	// true 2 0
	// false 2 1
}

// Credentials in configuration print redacted.
func ExampleSecret() {
	cfg := audit.HTTPSinkConfig{URL: "https://splunk.example.com:8088/services/collector/event",
		Format: audit.SplunkHEC, Token: "0f1e2d3c-hec-token"}
	fmt.Println(cfg.Token)
	fmt.Printf("%v\n", cfg.Token)
	// Output:
	// [REDACTED]
	// [REDACTED]
}

// Behind a load balancer at 10.0.0.0/8, the client is the last address
// the balancer appended; what the client itself sent is ignored.
func ExampleRequestContext_FromRequest() {
	rc := audit.RequestContext{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	r := httptest.NewRequest("GET", "/login", nil)
	r.RemoteAddr = "10.0.3.7:41000"
	r.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.50")
	r.Header.Set("User-Agent", "Mozilla/5.0")
	c := rc.FromRequest(r)
	fmt.Println(c.IP, c.UserAgent)
	// Output: 203.0.113.50 Mozilla/5.0
}
