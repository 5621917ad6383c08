package secrets_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/secrets"
	"github.com/gatehouse/gatehouse/secrets/secretstest"
	"github.com/google/go-cmp/cmp"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	svc   *secrets.Service
	store *secrets.MemoryStore
	keys  *secretstest.CountingProvider
	clock *clock
}

func newFixture(t testing.TB, edit func(*secrets.Config)) *fixture {
	t.Helper()
	f := &fixture{store: secrets.NewMemoryStore(), clock: newClock(),
		keys: &secretstest.CountingProvider{KeyProvider: mustRing(t, secrets.GenerateMasterKey())}}
	cfg := secrets.Config{Store: f.store, Keys: f.keys, Clock: f.clock.Now}
	if edit != nil {
		edit(&cfg)
	}
	svc, err := secrets.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

func (f *fixture) put(t testing.TB, org, name, value string) secrets.Info {
	t.Helper()
	info, err := f.svc.Put(context.Background(), org, name, secrets.NewStringValue(value), nil)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func (f *fixture) get(org, name string, version int) (string, error) {
	r, err := f.svc.Get(context.Background(), org, name, secrets.GetOptions{Version: version})
	return string(r.Value.Reveal()), err
}

func noCache(c *secrets.Config) { c.CacheTTL = -1 }

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	ring := mustRing(t, secrets.GenerateMasterKey())
	store := secrets.NewMemoryStore()
	for name, cfg := range map[string]secrets.Config{
		"no store":          {Keys: ring},
		"no keys":           {Store: store},
		"uppercase prefix":  {Store: store, Keys: ring, APIKeyPrefix: "GH"},
		"prefix with _":     {Store: store, Keys: ring, APIKeyPrefix: "gh_x"},
		"one-letter prefix": {Store: store, Keys: ring, APIKeyPrefix: "g"},
		"digit first":       {Store: store, Keys: ring, APIKeyPrefix: "1gh"},
		"negative keep":     {Store: store, Keys: ring, KeepVersions: -1},
		"negative window":   {Store: store, Keys: ring, RecoveryWindow: -time.Hour},
		"negative cache":    {Store: store, Keys: ring, CacheSize: -1},
		"negative touch":    {Store: store, Keys: ring, LastUsedGranularity: -time.Second},
	} {
		if _, err := secrets.New(cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

func TestPutGetVersions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	if info := f.put(t, "org1", "db/password", "one"); info.LatestVersion != 1 {
		t.Errorf("first Put: version %d", info.LatestVersion)
	}
	f.put(t, "org1", "db/password", "two")
	for _, tc := range []struct {
		version int
		want    string
	}{{0, "two"}, {1, "one"}, {2, "two"}} {
		if got, err := f.get("org1", "db/password", tc.version); err != nil || got != tc.want {
			t.Errorf("Get version %d = %q, %v; want %q", tc.version, got, err, tc.want)
		}
	}
	_, err := f.get("org1", "db/password", 3)
	wantIs(t, "missing version", err, secrets.ErrNotFound)
	_, err = f.get("org2", "db/password", 0)
	wantIs(t, "another organization", err, secrets.ErrNotFound)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		v    secrets.Value
		meta *secrets.Metadata
	}{
		"value too large": {secrets.NewValue(make([]byte, secrets.MaxValueSize+1)), nil},
		"too many labels": {secrets.NewStringValue("x"), &secrets.Metadata{Labels: manyLabels(65)}},
		"control label":   {secrets.NewStringValue("x"), &secrets.Metadata{Labels: map[string]string{"a\n": ""}}},
		"huge description": {secrets.NewStringValue("x"),
			&secrets.Metadata{Description: strings.Repeat("d", 2000)}},
		"negative period": {secrets.NewStringValue("x"), &secrets.Metadata{RotationPeriod: -time.Hour}},
	} {
		_, err := f.svc.Put(ctx, "org1", "limits", tc.v, tc.meta)
		wantIs(t, name, err, secrets.ErrInvalidRequest)
	}
	if _, err := f.svc.Describe(ctx, "org1", "limits"); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("a refused Put left a secret: %v", err)
	}
	for _, name := range []string{"", "bad\nname", string(make([]byte, 300))} {
		_, err := f.svc.Put(context.Background(), "org1", name, secrets.NewStringValue("x"), nil)
		wantIs(t, fmt.Sprintf("Put(%q)", name), err, secrets.ErrInvalidName)
	}
}

func manyLabels(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprint("l", i)] = "v"
	}
	return m
}

func wantIs(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err = %v, want %v", what, err, want)
	}
}

// TestCiphertextBoundToRow moves sealed versions between rows, as an
// attacker with write access to the database would, and flips bits.
func TestCiphertextBoundToRow(t *testing.T) {
	t.Parallel()
	for _, cached := range []bool{false, true} {
		t.Run(fmt.Sprintf("cache=%v", cached), func(t *testing.T) {
			t.Parallel()
			testCiphertextBoundToRow(t, cached)
		})
	}
}

func testCiphertextBoundToRow(t *testing.T, cached bool) {
	ctx := context.Background()
	edit := noCache
	if cached {
		edit = nil
	}
	f := newFixture(t, edit)
	f.put(t, "victim", "stripe", "sk_live_victim")
	f.put(t, "victim", "stripe", "sk_live_victim_2")
	f.put(t, "attacker", "stripe", "mine")
	f.put(t, "victim", "other", "other")
	src, err := f.store.Version(ctx, "victim", "stripe", 1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		org, dst string
	}{
		{"copied to another organization", "attacker", "stripe"},
		{"copied to another name", "victim", "other"},
		{"copied to a later version of its secret", "victim", "stripe"},
	}
	for _, tt := range tests {
		v := src
		rec, _ := f.store.Secret(ctx, tt.org, tt.dst)
		rec.LatestVersion++
		v.OrganizationID, v.Name, v.Version = tt.org, tt.dst, rec.LatestVersion
		if err := f.store.PutVersion(ctx, rec, v, 0, secrets.Event{}); err != nil {
			t.Fatalf("%s: planting: %v", tt.name, err)
		}
		got, err := f.get(tt.org, tt.dst, v.Version)
		if !errors.Is(err, secrets.ErrDecrypt) || got != "" {
			t.Errorf("%s: Get = %q, %v; want ErrDecrypt", tt.name, got, err)
		}
	}
	if got, err := f.get("victim", "stripe", 1); err != nil || got != "sk_live_victim" {
		t.Errorf("the original still opens: %q, %v", got, err)
	}
}

// tamperStore alters every version it reads, as an attacker who can
// write to the database would.
type tamperStore struct {
	secrets.Store
	mutate func(*secrets.SealedVersion)
}

func (s tamperStore) Version(ctx context.Context, org, name string,
	n int) (secrets.SealedVersion, error) {
	v, err := s.Store.Version(ctx, org, name, n)
	if err == nil {
		s.mutate(&v)
	}
	return v, err
}

func TestTamperedVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, nil)
	f.put(t, "org1", "db", "s3cret")
	f.put(t, "org1", "other", "x")
	other, _ := f.store.Version(ctx, "org1", "other", 1)
	tests := []struct {
		name   string
		mutate func(*secrets.SealedVersion)
	}{
		{"flipped bit in ciphertext", func(v *secrets.SealedVersion) { v.Ciphertext[14] ^= 1 }},
		{"flipped bit in tag",
			func(v *secrets.SealedVersion) { v.Ciphertext[len(v.Ciphertext)-1] ^= 0x80 }},
		{"flipped bit in nonce", func(v *secrets.SealedVersion) { v.Ciphertext[0] ^= 1 }},
		{"flipped bit in wrapped key", func(v *secrets.SealedVersion) { v.WrappedKey[20] ^= 1 }},
		{"truncated ciphertext",
			func(v *secrets.SealedVersion) { v.Ciphertext = v.Ciphertext[:27] }},
		{"empty ciphertext", func(v *secrets.SealedVersion) { v.Ciphertext = nil }},
		{"truncated wrapped key",
			func(v *secrets.SealedVersion) { v.WrappedKey = v.WrappedKey[:8] }},
		{"wrapped key of another row",
			func(v *secrets.SealedVersion) { v.WrappedKey = other.WrappedKey }},
		{"ciphertext of another row",
			func(v *secrets.SealedVersion) { v.Ciphertext = other.Ciphertext }},
		{"key ID changed", func(v *secrets.SealedVersion) { v.KeyID = "local:2" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, ttl := range []time.Duration{-1, time.Minute} { // without and with the cache
				svc, err := secrets.New(secrets.Config{Store: tamperStore{f.store, tt.mutate},
					Keys: f.keys, CacheTTL: ttl})
				if err != nil {
					t.Fatal(err)
				}
				r, err := svc.Get(ctx, "org1", "db", secrets.GetOptions{})
				if err == nil || r.Value.Len() != 0 {
					t.Errorf("cache %v: Get = %q, %v; want an error",
						ttl > 0, r.Value.Reveal(), err)
				}
			}
		})
	}
}

func TestWrongOrMissingKEK(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, noCache)
	f.put(t, "org1", "db", "v")
	for name, ring := range map[string]*secrets.KeyRing{
		"another master key":  mustRing(t, "1:"+secrets.GenerateMasterKey()),
		"key version retired": mustRing(t, "2:"+secrets.GenerateMasterKey()),
	} {
		other, err := secrets.New(secrets.Config{Store: f.store, Keys: ring})
		if err != nil {
			t.Fatal(err)
		}
		r, err := other.Get(ctx, "org1", "db", secrets.GetOptions{})
		if err == nil || r.Value.Len() != 0 {
			t.Errorf("%s: Get = %v, %v; want an error", name, r, err)
		}
	}
	f.keys.Failing = errors.New("kms unavailable")
	if _, err := f.get("org1", "db", 0); err == nil {
		t.Error("Get with a failing provider succeeded")
	}
	if _, err := f.svc.Put(ctx, "org1", "db", secrets.NewStringValue("x"), nil); err == nil {
		t.Error("Put with a failing provider succeeded")
	}
	f.keys.Failing = nil
	if vs, _ := f.svc.Versions(ctx, "org1", "db"); len(vs) != 1 {
		t.Errorf("a failed Put left versions %v", vs)
	}
}

func TestConcurrentPuts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *secrets.Config) { c.KeepVersions = 100 })
	const writers, each = 6, 5
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				f.put(t, "org1", "hot", fmt.Sprintf("w%d-%d", w, i))
			}
		})
	}
	wg.Wait()
	vs, err := f.svc.Versions(context.Background(), "org1", "hot")
	if err != nil || len(vs) != writers*each {
		t.Fatalf("versions = %v, %v; want %d", vs, err, writers*each)
	}
	seen := map[string]bool{}
	for _, v := range vs {
		got, err := f.get("org1", "hot", v)
		if err != nil || seen[got] {
			t.Errorf("version %d = %q, %v (duplicate or unreadable)", v, got, err)
		}
		seen[got] = true
	}
}

func TestRetentionAndMetadata(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, func(c *secrets.Config) { c.KeepVersions = 2 })
	meta := &secrets.Metadata{Owner: "payments", Description: "Stripe",
		Labels:    map[string]string{"env": "prod"},
		ExpiresAt: f.clock.Now().Add(48 * time.Hour), RotationPeriod: 24 * time.Hour}
	if _, err := f.svc.Put(ctx, "org1", "stripe", secrets.NewStringValue("1"), meta); err != nil {
		t.Fatal(err)
	}
	f.put(t, "org1", "plain", "x")
	f.clock.Advance(time.Hour)
	f.put(t, "org1", "stripe", "2")
	f.put(t, "org1", "stripe", "3")
	if vs, _ := f.svc.Versions(ctx, "org1", "stripe"); !cmp.Equal(vs, []int{2, 3}) {
		t.Errorf("kept versions %v, want [2 3]", vs)
	}
	info, err := f.svc.Describe(ctx, "org1", "stripe")
	if err != nil || info.Metadata.Owner != "payments" || !info.Metadata.RotateBy.Equal(f.clock.Now().Add(24*time.Hour)) {
		t.Errorf("metadata after rotation: %+v, %v", info.Metadata, err)
	}

	flags := func() map[string][2]bool {
		list, err := f.svc.List(ctx, "org1", secrets.ListOptions{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][2]bool{}
		for _, i := range list {
			out[i.Name] = [2]bool{i.Expired, i.RotationOverdue}
		}
		return out
	}
	want := map[string][2]bool{"plain": {false, false}, "stripe": {false, false}}
	if diff := cmp.Diff(want, flags()); diff != "" {
		t.Errorf("flags now (-want +got):\n%s", diff)
	}
	f.clock.Advance(25 * time.Hour)
	want["stripe"] = [2]bool{false, true}
	if diff := cmp.Diff(want, flags()); diff != "" {
		t.Errorf("flags after a day (-want +got):\n%s", diff)
	}
	f.clock.Advance(24 * time.Hour)
	want["stripe"] = [2]bool{true, true}
	if diff := cmp.Diff(want, flags()); diff != "" {
		t.Errorf("flags after two days (-want +got):\n%s", diff)
	}
}

func TestDeleteRestoreDestroyPurge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, func(c *secrets.Config) { c.RecoveryWindow = time.Hour })
	for _, n := range []string{"a", "b", "c"} {
		f.put(t, "org1", n, n)
	}
	for _, n := range []string{"a", "b"} {
		if err := f.svc.Delete(ctx, "org1", n); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.get("org1", "a", 0)
	wantIs(t, "reading a deleted secret", err, secrets.ErrDeleted)
	_, err = f.svc.Put(ctx, "org1", "a", secrets.NewStringValue("x"), nil)
	wantIs(t, "writing a deleted secret", err, secrets.ErrDeleted)
	wantIs(t, "deleting another org's secret", f.svc.Delete(ctx, "org2", "c"), secrets.ErrNotFound)
	if err := f.svc.Restore(ctx, "org1", "a"); err != nil {
		t.Fatal(err)
	}
	if got, err := f.get("org1", "a", 0); err != nil || got != "a" {
		t.Errorf("restored secret = %q, %v", got, err)
	}

	f.clock.Advance(2 * time.Hour)
	wantIs(t, "restoring after the window", f.svc.Restore(ctx, "org1", "b"), secrets.ErrNotFound)
	if n, err := f.svc.Purge(ctx); err != nil || n != 1 {
		t.Errorf("Purge = %d, %v; want 1", n, err)
	}
	if _, err := f.svc.Describe(ctx, "org1", "b"); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("purged secret still described: %v", err)
	}
	if err := f.svc.Destroy(ctx, "org1", "c"); err != nil {
		t.Fatal(err)
	}
	_, err = f.get("org1", "c", 0)
	wantIs(t, "reading a destroyed secret", err, secrets.ErrNotFound)
}

func TestAccessEventsAndPolicy(t *testing.T) {
	t.Parallel()
	alice := secrets.Actor{Type: "user", ID: "alice"}
	mallory := secrets.Actor{Type: "user", ID: "mallory"}
	f := newFixture(t, func(c *secrets.Config) {
		c.Policy = func(ctx context.Context, a secrets.Access) error {
			if a.Actor == mallory && a.Action == "read" {
				return errors.New("not on the payments team")
			}
			return nil
		}
	})
	ctx := secrets.WithActor(context.Background(), alice)
	if _, err := f.svc.Put(ctx, "org1", "db", secrets.NewStringValue("s3cret-value-one"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Put(ctx, "org1", "db", secrets.NewStringValue("s3cret-value-two"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Get(ctx, "org1", "db", secrets.GetOptions{Purpose: "deploy"}); err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.Get(secrets.WithActor(ctx, mallory), "org1", "db",
		secrets.GetOptions{Purpose: "curious"})
	wantIs(t, "mallory's read", err, secrets.ErrDenied)
	if r.Value.Len() != 0 {
		t.Error("a denied read returned a value")
	}
	if err := f.svc.Delete(ctx, "org1", "db"); err != nil {
		t.Fatal(err)
	}

	evs, err := f.svc.Events(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Type, Actor, Purpose string
		Version              int
	}
	var got []row
	for _, e := range evs {
		got = append(got, row{e.Type, e.Actor.ID, e.Data.Purpose, e.Data.Version})
		if e.OrganizationID != "org1" || e.ID == "" || e.Time.IsZero() {
			t.Errorf("event envelope incomplete: %+v", e)
		}
	}
	want := []row{
		{secrets.EventSecretWritten, "alice", "", 1},
		{secrets.EventSecretRotated, "alice", "", 2},
		{secrets.EventSecretRead, "alice", "deploy", 2},
		{secrets.EventSecretDenied, "mallory", "curious", 0},
		{secrets.EventSecretDeleted, "alice", "", 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if b, _ := json.Marshal(evs); strings.Contains(string(b), "s3cret-value") {
		t.Errorf("an event holds a value: %s", b)
	}
}

func TestDataKeyCache(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *secrets.Config) { c.CacheTTL = time.Minute; c.CacheSize = 2 })
	for _, n := range []string{"a", "b", "c"} {
		f.put(t, "org1", n, n)
	}
	read := func(names ...string) int64 {
		before := f.keys.Unwraps.Load()
		for _, n := range names {
			if got, err := f.get("org1", n, 0); err != nil || got != n {
				t.Fatalf("Get(%s) = %q, %v", n, got, err)
			}
		}
		return f.keys.Unwraps.Load() - before
	}
	if n := read("b", "c", "b", "c"); n != 0 {
		t.Errorf("reading cached keys called Unwrap %d times", n)
	}
	if n := read("a"); n != 1 { // evicted: the cache holds two
		t.Errorf("reading an evicted key called Unwrap %d times, want 1", n)
	}
	f.clock.Advance(2 * time.Minute)
	if n := read("a", "a"); n != 1 {
		t.Errorf("reading an expired key twice called Unwrap %d times, want 1", n)
	}
}

func TestUpdateMetadata(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, nil)
	f.put(t, "org1", "db", "value")
	info, err := f.svc.UpdateMetadata(ctx, "org1", "db", secrets.Metadata{Owner: "platform",
		RotationPeriod: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if info.LatestVersion != 1 || info.Metadata.Owner != "platform" ||
		!info.Metadata.RotateBy.Equal(f.clock.Now().Add(24*time.Hour)) {
		t.Errorf("after UpdateMetadata: %+v", info)
	}
	if got, err := f.get("org1", "db", 0); err != nil || got != "value" {
		t.Errorf("the value changed: %q, %v", got, err)
	}
	_, err = f.svc.UpdateMetadata(ctx, "org2", "db", secrets.Metadata{})
	wantIs(t, "another organization", err, secrets.ErrNotFound)
	_, err = f.svc.UpdateMetadata(ctx, "org1", "db", secrets.Metadata{Labels: manyLabels(100)})
	wantIs(t, "too many labels", err, secrets.ErrInvalidRequest)
	evs, _ := f.svc.Events(ctx, "", 100)
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	want := []string{secrets.EventSecretWritten, secrets.EventSecretUpdated, secrets.EventSecretRead}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
