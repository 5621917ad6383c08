package secretstest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/secrets"
	"github.com/google/go-cmp/cmp"
)

var (
	alice = secrets.Owner{Type: secrets.OwnerUser, ID: "alice"}
	robot = secrets.Owner{Type: secrets.OwnerServiceAccount, ID: "robot"}
)

func apiKey(org, id string, owner secrets.Owner) secrets.APIKey {
	h := sha256.Sum256([]byte(org + "/" + id))
	return secrets.APIKey{ID: id, OrganizationID: org, Owner: owner, Name: "key " + id,
		Scopes: []string{"read", "write"}, Hint: "ghk_...abcd", Hash: h[:], CreatedAt: base,
		ExpiresAt: base.Add(24 * time.Hour)}
}

func create(t *testing.T, st secrets.Store, k secrets.APIKey) {
	t.Helper()
	if err := st.CreateAPIKey(context.Background(), k,
		event(k.OrganizationID, secrets.EventAPIKeyIssued)); err != nil {
		t.Fatalf("CreateAPIKey(%s): %v", k.ID, err)
	}
}

func testAPIKeys(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	k1 := apiKey("org1", "key_1", alice)
	k1.RotatedFrom = "key_0"
	create(t, st, k1)
	create(t, st, apiKey("org1", "key_2", robot))
	create(t, st, apiKey("org1", "key_3", alice))

	got, err := st.APIKeyByHash(ctx, k1.Hash)
	if diff := cmp.Diff(k1, got); err != nil || diff != "" {
		t.Errorf("APIKeyByHash (-want +got), err %v:\n%s", err, diff)
	}
	_, err = st.APIKeyByHash(ctx, make([]byte, 32))
	wantErr(t, "unknown hash", err, secrets.ErrNotFound)
	dup := apiKey("org1", "key_9", alice)
	dup.Hash = k1.Hash
	if err := st.CreateAPIKey(ctx, dup, event("org1", "x")); err == nil {
		t.Error("a second key with the same hash was stored")
	}

	if err := st.TouchAPIKey(ctx, "key_1", base.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.TouchAPIKey(ctx, "key_1",
		base.Add(time.Minute)); err != nil { // earlier: kept later
		t.Fatal(err)
	}
	got, _ = st.APIKey(ctx, "org1", "key_1")
	if !got.LastUsedAt.Equal(base.Add(time.Hour)) {
		t.Errorf("LastUsedAt = %v, want %v", got.LastUsedAt, base.Add(time.Hour))
	}

	ids := func(opts secrets.APIKeyListOptions) []string {
		ks, err := st.ListAPIKeys(ctx, "org1", opts)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range ks {
			out = append(out, k.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		opts secrets.APIKeyListOptions
		want []string
	}{
		{"all", secrets.APIKeyListOptions{Limit: 10}, []string{"key_1", "key_2", "key_3"}},
		{"page", secrets.APIKeyListOptions{After: "key_1", Limit: 1}, []string{"key_2"}},
		{"owner", secrets.APIKeyListOptions{Owner: alice, Limit: 10}, []string{"key_1", "key_3"}},
	} {
		if diff := cmp.Diff(tc.want, ids(tc.opts)); diff != "" {
			t.Errorf("ListAPIKeys %s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func testAPIKeyIsolation(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	create(t, st, apiKey("orgA", "key_a", alice))
	_, err := st.APIKey(ctx, "orgB", "key_a")
	wantErr(t, "orgB reading orgA's key", err, secrets.ErrNotFound)
	wantErr(t, "orgB revoking orgA's key",
		st.RevokeAPIKey(ctx, "orgB", "key_a", base, event("orgB", "x")),
		secrets.ErrNotFound)
	err = st.RotateAPIKey(ctx, "orgB", "key_a", base,
		apiKey("orgB", "key_b", alice), event("orgB", "x"))
	wantErr(t, "orgB rotating orgA's key", err, secrets.ErrNotFound)
	n, err := st.RevokeOwnerAPIKeys(ctx, "orgB", alice, base, event("orgB", "x"))
	if err != nil || n != 0 {
		t.Errorf("orgB revoking alice's keys revoked %d, %v", n, err)
	}
	ks, err := st.ListAPIKeys(ctx, "orgB", secrets.APIKeyListOptions{Limit: 10})
	if err != nil || len(ks) != 0 {
		t.Errorf("orgB lists %d keys, %v", len(ks), err)
	}
	k, err := st.APIKey(ctx, "orgA", "key_a")
	if err != nil || !k.RevokedAt.IsZero() {
		t.Errorf("orgA's key after orgB's attempts: %+v, %v", k, err)
	}
}

func testAPIKeyRotateRevoke(t *testing.T, st secrets.Store) {
	ctx := context.Background()
	old := apiKey("org1", "key_1", alice)
	create(t, st, old)
	next := apiKey("org1", "key_2", alice)
	next.RotatedFrom = "key_1"
	if err := st.RotateAPIKey(ctx, "org1", "key_1", base.Add(time.Hour), next,
		event("org1", "x")); err != nil {
		t.Fatal(err)
	}
	later := apiKey("org1", "key_3", alice)
	if err := st.RotateAPIKey(ctx, "org1", "key_1", base.Add(48*time.Hour), later,
		event("org1", "x")); err != nil {
		t.Fatal(err)
	}
	got, _ := st.APIKey(ctx, "org1", "key_1")
	if !got.ExpiresAt.Equal(base.Add(time.Hour)) {
		t.Errorf("old key expires %v, want the earlier %v", got.ExpiresAt, base.Add(time.Hour))
	}
	if _, err := st.APIKey(ctx, "org1", "key_2"); err != nil {
		t.Errorf("rotated-in key: %v", err)
	}

	before, _ := st.Events(ctx, "", 100)
	if err := st.RevokeAPIKey(ctx, "org1", "key_2", base, event("org1", "revoke")); err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeAPIKey(ctx, "org1", "key_2", base.Add(time.Hour),
		event("org1", "revoke")); err != nil {
		t.Fatal(err)
	}
	got, _ = st.APIKey(ctx, "org1", "key_2")
	if !got.RevokedAt.Equal(base) {
		t.Errorf("RevokedAt = %v, want the first revocation's %v", got.RevokedAt, base)
	}
	err := st.RotateAPIKey(ctx, "org1", "key_2", base,
		apiKey("org1", "key_4", alice), event("org1", "x"))
	wantErr(t, "rotating a revoked key", err, secrets.ErrKeyRevoked)

	create(t, st, apiKey("org1", "key_5", robot))
	n, err := st.RevokeOwnerAPIKeys(ctx, "org1", alice, base, event("org1", "bulk"))
	if err != nil || n != 2 { // key_1 and key_3; key_2 was revoked already
		t.Errorf("RevokeOwnerAPIKeys = %d, %v; want 2", n, err)
	}
	if k, _ := st.APIKey(ctx, "org1", "key_5"); !k.RevokedAt.IsZero() {
		t.Error("another owner's key was revoked")
	}
	after, _ := st.Events(ctx, "", 100)
	var added []string
	for _, e := range after[len(before):] {
		added = append(added, fmt.Sprintf("%s:%d", e.Type, e.Data.Count))
	}
	want := []string{"revoke:0", "secrets.apikey.issued:0", "bulk:2"}
	if diff := cmp.Diff(want, added); diff != "" {
		t.Errorf("events of revocations (-want +got):\n%s", diff)
	}
}
