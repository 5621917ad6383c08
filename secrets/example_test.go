package secrets_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

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
	if _, err := svc.Put(ctx, "org_1", "stripe",
		secrets.NewStringValue("sk_live_123"), meta); err != nil {
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

func ExampleValue() {
	v := secrets.NewStringValue("hunter2")
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
	logger.Info("connecting", "password", v)
	fmt.Printf("%v %x %d\n", v, v, v)
	b, _ := json.Marshal(map[string]any{"password": v})
	fmt.Println(string(b))
	// Output:
	// level=INFO msg=connecting password=[REDACTED]
	// [REDACTED] [REDACTED] [REDACTED]
	// {"password":"[REDACTED]"}
}

func ExampleService_RequireAPIKey() {
	ring, _ := secrets.ParseKeyRing(secrets.GenerateMasterKey())
	svc, _ := secrets.New(secrets.Config{Store: secrets.NewMemoryStore(), Keys: ring, APIKeyPrefix: "acme"})
	issued, _ := svc.IssueAPIKey(context.Background(), "org_1", secrets.IssueRequest{
		Owner: secrets.Owner{Type: secrets.OwnerServiceAccount, ID: "sa_ci"}, Name: "CI deploys",
		Scopes: []string{"deploy"}})

	deploy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, _ := secrets.APIKeyFromContext(r.Context())
		fmt.Fprintf(w, "deploying for %s as %s", k.OrganizationID, k.Owner.ID)
	})
	h := svc.RequireAPIKey(secrets.MiddlewareOptions{Scopes: []string{"deploy"}})(deploy)

	for _, token := range []string{string(issued.Token.Reveal()), "acme_forged"} {
		req := httptest.NewRequest("POST", "/deploy", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// 200 deploying for org_1 as sa_ci
	// 401 {"error":{"code":"invalid_api_key","message":"The request needs a valid API key."}}
}
