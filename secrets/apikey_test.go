package secrets_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/secrets"
	"github.com/google/go-cmp/cmp"
)

// lookupCounter counts the hash lookups that reach the store.
type lookupCounter struct {
	*secrets.MemoryStore
	lookups, touches atomic.Int64
}

func (s *lookupCounter) APIKeyByHash(ctx context.Context, h []byte) (secrets.APIKey, error) {
	s.lookups.Add(1)
	return s.MemoryStore.APIKeyByHash(ctx, h)
}

func (s *lookupCounter) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	s.touches.Add(1)
	return s.MemoryStore.TouchAPIKey(ctx, id, at)
}

var (
	alice = secrets.Owner{Type: secrets.OwnerUser, ID: "alice"}
	robot = secrets.Owner{Type: secrets.OwnerServiceAccount, ID: "robot"}
)

type keyFixture struct {
	svc   *secrets.Service
	store *lookupCounter
	clock *clock
}

func newKeyFixture(t testing.TB, prefix string) *keyFixture {
	t.Helper()
	f := &keyFixture{store: &lookupCounter{MemoryStore: secrets.NewMemoryStore()},
		clock: newClock()}
	svc, err := secrets.New(secrets.Config{Store: f.store,
		Keys:  mustRing(t, secrets.GenerateMasterKey()),
		Clock: f.clock.Now, APIKeyPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

func (f *keyFixture) issue(t testing.TB, org string, owner secrets.Owner,
	scopes ...string) secrets.Issued {
	t.Helper()
	is, err := f.svc.IssueAPIKey(context.Background(), org, secrets.IssueRequest{
		Owner: owner, Name: "ci", Scopes: scopes, ExpiresAt: f.clock.Now().Add(30 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return is
}

func TestIssueAndVerify(t *testing.T) {
	t.Parallel()
	f := newKeyFixture(t, "acme")
	is := f.issue(t, "org1", robot, "deploy", "read")
	tok := string(is.Token.Reveal())
	if !regexp.MustCompile(`^acme_[0-9A-Za-z]{38}$`).MatchString(tok) {
		t.Errorf("token %q does not have the documented shape", tok)
	}
	scanner := regexp.MustCompile(f.svc.TokenPattern())
	if found := scanner.FindString("API_KEY=" + tok + "\n"); found != tok {
		t.Errorf("TokenPattern %s finds %q in a config line, want the token", scanner, found)
	}
	if scanner.MatchString("acme_" + tok[5:len(tok)-1]) {
		t.Errorf("TokenPattern %s matches a token one character short", scanner)
	}
	hintEnd := is.Key.Hint[len(is.Key.Hint)-4:]
	if strings.Contains(is.Key.Hint, tok[5:30]) || !strings.HasSuffix(tok, hintEnd) {
		t.Errorf("hint %q", is.Key.Hint)
	}
	k, err := f.svc.VerifyAPIKey(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	wantScopes := []string{"deploy", "read"}
	if k.OrganizationID != "org1" || k.Owner != robot || !cmp.Equal(k.Scopes, wantScopes) {
		t.Errorf("verified key = %+v", k)
	}
	stored, _ := f.store.APIKey(context.Background(), "org1", k.ID)
	if strings.Contains(string(stored.Hash), tok) || len(stored.Hash) != 32 {
		t.Error("the store holds the token rather than its hash")
	}
	if other := f.issue(t, "org1", robot); other.Token.Equal(is.Token) {
		t.Error("two issued tokens are equal")
	}
}

func TestVerifyRejectsGarbageWithoutLookup(t *testing.T) {
	t.Parallel()
	f := newKeyFixture(t, "acme")
	good := string(f.issue(t, "org1", alice).Token.Reveal())
	other := newKeyFixture(t, "othr")
	foreign := string(other.issue(t, "org1", alice).Token.Reveal())
	flipLast := good[:len(good)-1] + string(rune(good[len(good)-1])^1)
	flipBody := good[:10] + string(rune(good[10])^1) + good[11:]
	tests := []struct{ name, token string }{
		{"empty", ""},
		{"prefix only", "acme_"},
		{"wrong prefix", "acmf" + good[4:]},
		{"another service's prefix", foreign},
		{"upper-case prefix", "ACME" + good[4:]},
		{"bad checksum", flipLast},
		{"altered random part", flipBody},
		{"one character short", good[:len(good)-1]},
		{"one character long", good + "0"},
		{"non-base62 character", good[:12] + "-" + good[13:]},
		{"white space inside", good[:12] + " " + good[13:]},
		{"bearer scheme left in", "Bearer " + good},
		{"non-ASCII", good[:12] + "é" + good[14:]},
	}
	for _, tt := range tests {
		_, err := f.svc.VerifyAPIKey(context.Background(), tt.token)
		if !errors.Is(err, secrets.ErrInvalidToken) {
			t.Errorf("%s: err = %v, want ErrInvalidToken", tt.name, err)
		}
	}
	if n := f.store.lookups.Load(); n != 0 {
		t.Errorf("malformed tokens caused %d store lookups, want 0", n)
	}
}

func TestVerifyUnknownExpiredRevoked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newKeyFixture(t, "acme")
	// A well-formed token that was never issued: passes the checksum, so
	// it costs one lookup, and fails as invalid.
	twin := newKeyFixture(t, "acme")
	_, err := f.svc.VerifyAPIKey(ctx, string(twin.issue(t, "org1", alice).Token.Reveal()))
	wantIs(t, "never issued", err, secrets.ErrInvalidToken)

	expiring, err := f.svc.IssueAPIKey(ctx, "org1",
		secrets.IssueRequest{Owner: alice, Name: "short",
			ExpiresAt: f.clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	revoked := f.issue(t, "org1", alice)
	if err := f.svc.RevokeAPIKey(ctx, "org1", revoked.Key.ID, "leaked in a log"); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.VerifyAPIKey(ctx, string(revoked.Token.Reveal()))
	wantIs(t, "revoked", err, secrets.ErrKeyRevoked)
	if _, err := f.svc.VerifyAPIKey(ctx, string(expiring.Token.Reveal())); err != nil {
		t.Errorf("before expiry: %v", err)
	}
	f.clock.Advance(time.Hour)
	_, err = f.svc.VerifyAPIKey(ctx, string(expiring.Token.Reveal()))
	wantIs(t, "expired", err, secrets.ErrKeyExpired)

	for name, req := range map[string]secrets.IssueRequest{
		"past expiry":   {Owner: alice, Name: "x", ExpiresAt: f.clock.Now().Add(-time.Second)},
		"no owner":      {Name: "x"},
		"bad owner":     {Owner: secrets.Owner{Type: "group", ID: "g"}, Name: "x"},
		"no name":       {Owner: alice},
		"empty scope":   {Owner: alice, Name: "x", Scopes: []string{""}},
		"control scope": {Owner: alice, Name: "x", Scopes: []string{"a\x00b"}},
	} {
		if _, err := f.svc.IssueAPIKey(ctx, "org1", req); err == nil {
			t.Errorf("issuing with %s succeeded", name)
		}
	}
}

func TestLastUsedWithoutAWritePerRequest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newKeyFixture(t, "acme")
	is := f.issue(t, "org1", alice)
	for range 50 {
		if _, err := f.svc.VerifyAPIKey(ctx, string(is.Token.Reveal())); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.store.touches.Load(); n != 1 {
		t.Errorf("50 verifications within a minute wrote last-used %d times, want 1", n)
	}
	f.clock.Advance(2 * time.Minute)
	k, _ := f.svc.VerifyAPIKey(ctx, string(is.Token.Reveal()))
	stored, _ := f.svc.APIKey(ctx, "org1", is.Key.ID)
	if n := f.store.touches.Load(); n != 2 || !stored.LastUsedAt.Equal(f.clock.Now()) ||
		!k.LastUsedAt.Equal(f.clock.Now()) {
		t.Errorf("after two minutes: %d writes, last used %v", n, stored.LastUsedAt)
	}
}

func TestRotateWithOverlap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newKeyFixture(t, "acme")
	old := f.issue(t, "org1", robot, "deploy")
	next, err := f.svc.RotateAPIKey(ctx, "org1", old.Key.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if next.Key.RotatedFrom != old.Key.ID || !cmp.Equal(next.Key.Scopes, old.Key.Scopes) ||
		next.Key.Owner != robot || next.Token.Equal(old.Token) {
		t.Errorf("replacement = %+v", next.Key)
	}
	for _, tok := range []secrets.Value{old.Token, next.Token} {
		if _, err := f.svc.VerifyAPIKey(ctx, string(tok.Reveal())); err != nil {
			t.Errorf("during the overlap: %v", err)
		}
	}
	f.clock.Advance(time.Hour)
	_, err = f.svc.VerifyAPIKey(ctx, string(old.Token.Reveal()))
	wantIs(t, "old key after the overlap", err, secrets.ErrKeyExpired)
	if _, err := f.svc.VerifyAPIKey(ctx, string(next.Token.Reveal())); err != nil {
		t.Errorf("new key after the overlap: %v", err)
	}
	_, err = f.svc.RotateAPIKey(ctx, "org1", old.Key.ID, time.Hour)
	wantIs(t, "rotating an expired key", err, secrets.ErrKeyExpired)
	_, err = f.svc.RotateAPIKey(ctx, "org2", next.Key.ID, time.Hour)
	wantIs(t, "rotating another org's key", err, secrets.ErrNotFound)
}

func TestRevokeOwnerKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newKeyFixture(t, "acme")
	a1, a2 := f.issue(t, "org1", alice), f.issue(t, "org1", alice)
	elsewhere := f.issue(t, "org2", alice)
	bot := f.issue(t, "org1", robot)
	n, err := f.svc.RevokeOwnerAPIKeys(ctx, "org1", alice, "user deactivated by SCIM")
	if err != nil || n != 2 {
		t.Fatalf("RevokeOwnerAPIKeys = %d, %v; want 2", n, err)
	}
	for _, is := range []secrets.Issued{a1, a2} {
		_, err := f.svc.VerifyAPIKey(ctx, string(is.Token.Reveal()))
		wantIs(t, "offboarded user's key", err, secrets.ErrKeyRevoked)
	}
	for _, is := range []secrets.Issued{elsewhere, bot} {
		if _, err := f.svc.VerifyAPIKey(ctx, string(is.Token.Reveal())); err != nil {
			t.Errorf("a key of another org or owner: %v", err)
		}
	}
	wantIs(t, "revoking another org's key",
		f.svc.RevokeAPIKey(ctx, "org2", bot.Key.ID, ""), secrets.ErrNotFound)
	evs, _ := f.svc.Events(ctx, "", 100)
	last := evs[len(evs)-1]
	if last.Type != secrets.EventAPIKeyRevoked || last.Data.Count != 2 || last.Data.OwnerID != "alice" {
		t.Errorf("revocation event = %+v", last)
	}
}

func TestIssuedTokenPrintsRedacted(t *testing.T) {
	t.Parallel()
	f := newKeyFixture(t, "acme")
	is := f.issue(t, "org1", alice)
	tok := string(is.Token.Reveal())
	for _, s := range []string{fmtAll(is), fmtAll(is.Key)} {
		if strings.Contains(s, tok) {
			t.Errorf("printed form shows the token: %s", s)
		}
	}
}

// FuzzVerifyAPIKey feeds arbitrary strings to the token check: no
// panic, and nothing verifies but the issued token.
func FuzzVerifyAPIKey(f *testing.F) {
	kf := newKeyFixture(f, "acme")
	good := string(kf.issue(f, "org1", alice).Token.Reveal())
	f.Add(good)
	f.Add(good[:len(good)-1] + "x")
	f.Add("acme_")
	f.Add("acme_" + strings.Repeat("0", 38))
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		k, err := kf.svc.VerifyAPIKey(context.Background(), tok)
		if err == nil && tok != good {
			t.Errorf("%q verified as %s", tok, k.ID)
		}
		if err != nil && !errors.Is(err, secrets.ErrInvalidToken) {
			t.Errorf("%q: unexpected error %v", tok, err)
		}
	})
}
