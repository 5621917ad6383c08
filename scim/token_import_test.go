package scim_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/scim"
)

func TestImportToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, err := scim.New(scim.Config{Store: scim.NewMemoryStore()})
	if err != nil {
		t.Fatal(err)
	}
	dir, err := svc.CreateDirectory(ctx, "org_a", "Okta")
	if err != nil {
		t.Fatal(err)
	}
	good := "ghscim_" + strings.Repeat("Zx9_", 11)
	for _, weak := range []string{"", "secret", "ghscim_short", strings.Repeat("a", 60), "ghscim_" + strings.Repeat("a", 40) + " x"} {
		if _, err := svc.ImportToken(ctx, "org_a", dir.ID, "weak", weak); !errors.Is(err, scim.ErrWeakToken) {
			t.Errorf("ImportToken(%q) err = %v, want ErrWeakToken", weak, err)
		}
	}
	if _, err := svc.ImportToken(ctx, "org_b", dir.ID, "other", good); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("ImportToken into another organization's directory: %v", err)
	}
	if _, err := svc.ImportToken(ctx, "org_a", dir.ID, "deploy", good); err != nil {
		t.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", svc.Handler())
	for token, want := range map[string]int{good: 200, good + "x": 401} {
		req := httptest.NewRequest("GET", "/scim/v2/Users", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("GET /Users with an imported token variant: %d, want %d", rec.Code, want)
		}
	}
}
