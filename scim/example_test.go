package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gatehouse/gatehouse/scim"
)

// Example mounts the SCIM endpoint for one organization, provisions and
// deactivates a user the way Okta does, and consumes the lifecycle events.
func Example() {
	ctx := context.Background()
	store := scim.NewMemoryStore()
	svc, err := scim.New(scim.Config{Store: store})
	if err != nil {
		panic(err)
	}
	dir, _ := svc.CreateDirectory(ctx, "org_acme", "Okta")
	_, secret, _ := svc.IssueToken(ctx, "org_acme", dir.ID, "okta")
	fmt.Println("token prints as", secret)

	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", svc.Handler())
	send := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret.Reveal())
		req.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec
	}
	rec := send("POST", "/scim/v2/Users", `{"userName":"jdoe@acme.example","active":true}`)
	fmt.Println("create:", rec.Code)
	id := strings.TrimPrefix(rec.Header().Get("Location"), "http://example.com/scim/v2/Users/")
	rec = send("PATCH", "/scim/v2/Users/"+id,
		`{"Operations":[{"op":"replace","value":{"active":false}}]}`)
	fmt.Println("deactivate:", rec.Code)

	c := &scim.Consumer{Name: "app", Store: store, Cursors: store,
		Handle: func(ctx context.Context, e scim.Event) error {
			u := e.Payload.(scim.UserEvent)
			fmt.Println(e.Type, u.UserName, "active:", u.Active)
			return nil
		}}
	if _, err := c.Poll(ctx); err != nil {
		panic(err)
	}
	// Output:
	// token prints as [REDACTED]
	// create: 201
	// deactivate: 200
	// scim.user.created jdoe@acme.example active: true
	// scim.user.updated jdoe@acme.example active: false
	// scim.user.deactivated jdoe@acme.example active: false
}

// ExampleSecret shows that a token's secret prints, logs and marshals
// redacted; only Reveal gives it, to hand to the identity provider once.
func ExampleSecret() {
	ctx := context.Background()
	svc, _ := scim.New(scim.Config{Store: scim.NewMemoryStore()})
	dir, _ := svc.CreateDirectory(ctx, "org_acme", "Entra ID")
	tok, secret, _ := svc.IssueToken(ctx, "org_acme", dir.ID, "entra")

	js, _ := json.Marshal(map[string]any{"token": secret})
	fmt.Println(secret, string(js))
	fmt.Println(strings.HasPrefix(secret.Reveal(), "ghscim_"), tok.Hint == "..."+secret.Reveal()[len(secret.Reveal())-4:])
	// Output:
	// [REDACTED] {"token":"[REDACTED]"}
	// true true
}
