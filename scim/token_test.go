package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// fakeClock is a settable clock for tests.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func newTestService(t *testing.T) (*Service, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	s, err := New(Config{Store: NewMemoryStore(), Clock: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	return s, clock
}

func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock := newTestService(t)
	d, _ := s.CreateDirectory(ctx, "org_1", "Okta")
	tok, secret, err := s.IssueToken(ctx, "org_1", d.ID, "okta")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.AuthenticateToken(ctx, secret.Reveal()); err != nil || got.ID != tok.ID {
		t.Fatalf("AuthenticateToken(new) = %v, %v", got, err)
	}

	// Rotation: both work during the grace period, then only the new one.
	tok2, secret2, err := s.RotateToken(ctx, "org_1", d.ID, tok.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range []Secret{secret, secret2} {
		if _, err := s.AuthenticateToken(ctx, sec.Reveal()); err != nil {
			t.Errorf("during rotation: %v", err)
		}
	}
	clock.t = clock.t.Add(time.Hour)
	if _, err := s.AuthenticateToken(ctx, secret.Reveal()); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("old token after the grace period: %v, want ErrUnauthorized", err)
	}
	if err := s.RevokeToken(ctx, "org_1", d.ID, tok2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateToken(ctx, secret2.Reveal()); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("revoked token: %v, want ErrUnauthorized", err)
	}
}

func TestTokenAttacks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestService(t)
	d, _ := s.CreateDirectory(ctx, "org_1", "Okta")
	tok, secret, _ := s.IssueToken(ctx, "org_1", d.ID, "okta")
	other, _ := s.CreateDirectory(ctx, "org_2", "Entra")

	real := secret.Reveal()
	for name, try := range map[string]string{
		"empty":          "",
		"prefix only":    tokenPrefix,
		"flipped char":   real[:len(real)-1] + string(real[len(real)-1]^1),
		"truncated":      real[:len(real)-2],
		"with space":     real + " ",
		"upper-cased":    strings.ToUpper(real),
		"the hash":       fmt.Sprintf("%x", hashToken(real)),
		"very long":      tokenPrefix + strings.Repeat("A", 1<<16),
		"the token's ID": tok.ID,
	} {
		if _, err := s.AuthenticateToken(ctx, try); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: %v, want ErrUnauthorized", name, err)
		}
	}

	// Another organization cannot manage the token.
	if err := s.RevokeToken(ctx, "org_2", d.ID, tok.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke from another organization: %v", err)
	}
	if _, _, err := s.IssueToken(ctx, "org_1", other.ID, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("issuing for another organization's directory: %v", err)
	}
	if _, err := s.Tokens(ctx, "org_2", d.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("listing another organization's tokens: %v", err)
	}
}

func TestSecretRedacted(t *testing.T) {
	t.Parallel()
	sec, _ := newSecret()
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("issued", "token", sec)
	js, _ := json.Marshal(map[string]any{"token": sec})
	for name, out := range map[string]string{
		"String": sec.String(), "fmt": fmt.Sprintf("%v %s %+v", sec, sec, sec),
		"slog": logged.String(), "JSON": string(js),
	} {
		if strings.Contains(out, sec.Reveal()) || !strings.Contains(out, "REDACTED") {
			t.Errorf("%s shows the secret: %s", name, out)
		}
	}
}
