package secrets_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/secrets"
	"github.com/gatehouse/gatehouse/secrets/secretstest"
)

// fakeVault speaks the part of Vault's transit API that VaultTransit
// uses, as Vault documents it: versioned AES-256-GCM keys, ciphertexts
// of the form vault:vN:base64(nonce|sealed), errors as {"errors": [...]}.
type fakeVault struct {
	token string
	reads atomic.Int32

	mu   sync.Mutex
	keys map[string][]cipher.AEAD // versions, 1 first
}

func newFakeVault(t *testing.T, keys ...string) (*fakeVault, *httptest.Server) {
	t.Helper()
	fv := &fakeVault{token: "s.test-token", keys: map[string][]cipher.AEAD{}}
	for _, k := range keys {
		fv.rotate(k)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/transit/keys/{name}", fv.readKey)
	mux.HandleFunc("POST /v1/transit/encrypt/{name}", fv.encrypt)
	mux.HandleFunc("POST /v1/transit/decrypt/{name}", fv.decrypt)
	srv := httptest.NewServer(fv.authenticated(mux))
	t.Cleanup(srv.Close)
	return fv, srv
}

func (fv *fakeVault) rotate(name string) {
	fv.mu.Lock()
	defer fv.mu.Unlock()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	fv.keys[name] = append(fv.keys[name], aead)
}

func (fv *fakeVault) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Vault-Token") != fv.token {
			vaultAnswer(w, http.StatusForbidden, nil, "permission denied")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func vaultAnswer(w http.ResponseWriter, status int, data any, errs ...string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]any{"data": data}
	if errs != nil {
		body = map[string]any{"errors": errs}
	}
	_ = json.NewEncoder(w).Encode(body)
}

func (fv *fakeVault) versions(name string) []cipher.AEAD {
	fv.mu.Lock()
	defer fv.mu.Unlock()
	return fv.keys[name]
}

func (fv *fakeVault) readKey(w http.ResponseWriter, r *http.Request) {
	fv.reads.Add(1)
	vs := fv.versions(r.PathValue("name"))
	if vs == nil {
		vaultAnswer(w, http.StatusNotFound, nil, []string{}...)
		return
	}
	vaultAnswer(w, http.StatusOK, map[string]any{"name": r.PathValue("name"), "type": "aes256-gcm96",
		"latest_version": len(vs), "supports_encryption": true, "supports_decryption": true})
}

func (fv *fakeVault) encrypt(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Plaintext  string `json:"plaintext"`
		KeyVersion int    `json:"key_version"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		vaultAnswer(w, http.StatusBadRequest, nil, "failed to parse JSON input")
		return
	}
	vs := fv.versions(r.PathValue("name"))
	switch {
	case vs == nil:
		vaultAnswer(w, http.StatusBadRequest, nil, "encryption key not found")
		return
	case in.KeyVersion > len(vs):
		vaultAnswer(w, http.StatusBadRequest, nil,
			"requested version for encryption is higher than the latest key version")
		return
	}
	plain, err := base64.StdEncoding.DecodeString(in.Plaintext)
	if err != nil {
		vaultAnswer(w, http.StatusBadRequest, nil, "failed to base64-decode plaintext")
		return
	}
	version := in.KeyVersion
	if version == 0 {
		version = len(vs)
	}
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce)
	sealed := vs[version-1].Seal(nonce, nonce, plain, nil)
	vaultAnswer(w, http.StatusOK, map[string]any{"key_version": version,
		"ciphertext": fmt.Sprintf("vault:v%d:%s", version, base64.StdEncoding.EncodeToString(sealed))})
}

func (fv *fakeVault) decrypt(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Ciphertext string `json:"ciphertext"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		vaultAnswer(w, http.StatusBadRequest, nil, "failed to parse JSON input")
		return
	}
	vs := fv.versions(r.PathValue("name"))
	parts := strings.SplitN(in.Ciphertext, ":", 3)
	var version int
	var sealed []byte
	var err error
	if len(parts) == 3 && parts[0] == "vault" && strings.HasPrefix(parts[1], "v") {
		version, err = strconv.Atoi(parts[1][1:])
		if err == nil {
			sealed, err = base64.StdEncoding.DecodeString(parts[2])
		}
	}
	if len(parts) != 3 || err != nil || version < 1 || version > len(vs) || len(sealed) < 12 {
		vaultAnswer(w, http.StatusBadRequest, nil, "invalid ciphertext: no prefix or bad version")
		return
	}
	plain, err := vs[version-1].Open(nil, sealed[:12], sealed[12:], nil)
	if err != nil {
		vaultAnswer(w, http.StatusBadRequest, nil, "cipher: message authentication failed")
		return
	}
	out := base64.StdEncoding.EncodeToString(plain)
	vaultAnswer(w, http.StatusOK, map[string]any{"plaintext": out})
}

func newVaultProvider(t *testing.T, srv *httptest.Server, token string,
	clock func() time.Time) *secrets.VaultTransit {
	t.Helper()
	p, err := secrets.NewVaultTransit(secrets.VaultTransitConfig{Address: srv.URL, Key: "gatehouse",
		Token: func(context.Context) (string, error) { return token, nil }, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVaultTransitIsAKeyProvider(t *testing.T) {
	t.Parallel()
	fv, srv := newFakeVault(t, "gatehouse")
	secretstest.TestKeyProvider(t, newVaultProvider(t, srv, fv.token, nil))
}

// TestVaultTransitRotation rotates the transit key in Vault and checks
// that new writes move to the new version once VersionTTL passes, and
// that Rewrap moves the older data keys without losing a value.
func TestVaultTransitRotation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fv, srv := newFakeVault(t, "gatehouse")
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	p := newVaultProvider(t, srv, fv.token, clock)
	svc, err := secrets.New(secrets.Config{Store: secrets.NewMemoryStore(), Keys: p})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		value := secrets.NewStringValue(fmt.Sprint(i))
		if _, err := svc.Put(ctx, "org_1", fmt.Sprintf("s%d", i), value, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := fv.reads.Load(); n != 1 {
		t.Errorf("the key version was read %d times within VersionTTL, want once", n)
	}

	fv.rotate("gatehouse")
	if id, _ := p.CurrentKeyID(ctx); id != "vault:gatehouse:v1" {
		t.Errorf("within VersionTTL the current key is %q, want the cached v1", id)
	}
	now = now.Add(time.Minute)
	progress, err := svc.Rewrap(ctx, secrets.RewrapOptions{})
	if err != nil || progress.KeyID != "vault:gatehouse:v2" || progress.Rewrapped != 5 ||
		!progress.Done {
		t.Fatalf("Rewrap after the rotation: %+v, %v", progress, err)
	}
	for i := range 5 {
		got, err := svc.Get(ctx, "org_1", fmt.Sprintf("s%d", i), secrets.GetOptions{})
		if err != nil || string(got.Value.Reveal()) != fmt.Sprint(i) {
			t.Errorf("s%d after the rewrap: %v", i, err)
		}
	}
}

// TestVaultTransitFailures checks that Vault's refusals and outages are
// told apart from altered data, which alone gives ErrDecrypt.
func TestVaultTransitFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fv, srv := newFakeVault(t, "gatehouse")
	good := newVaultProvider(t, srv, fv.token, nil)
	wrapped, err := good.Wrap(ctx, "vault:gatehouse:v1", make([]byte, 32), []byte("org_1/db/1"))
	if err != nil {
		t.Fatal(err)
	}

	badToken := newVaultProvider(t, srv, "s.stolen", nil)
	_, err = badToken.Unwrap(ctx, "vault:gatehouse:v1", wrapped, []byte("org_1/db/1"))
	if err == nil || errors.Is(err, secrets.ErrDecrypt) || !strings.Contains(err.Error(), "403") {
		t.Errorf("Unwrap with a refused token: %v, want Vault's 403", err)
	}
	_, err = badToken.CurrentKeyID(ctx)
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("CurrentKeyID with a refused token: %v", err)
	}
	if _, err := good.Wrap(ctx, "vault:gatehouse:v7", make([]byte, 32), nil); err == nil {
		t.Error("Wrap under a version Vault does not have succeeded")
	}
	_, err = good.Wrap(ctx, "vault:other:v1", make([]byte, 32), nil)
	if !errors.Is(err, secrets.ErrUnknownKey) {
		t.Errorf("Wrap under another key's ID: %v, want ErrUnknownKey", err)
	}
	_, err = good.Unwrap(ctx, "vault:gatehouse:v2", wrapped, []byte("org_1/db/1"))
	if !errors.Is(err, secrets.ErrDecrypt) {
		t.Errorf("Unwrap of a v1 ciphertext as v2: %v, want ErrDecrypt", err)
	}

	srv.Close()
	_, err = good.Unwrap(ctx, "vault:gatehouse:v1", wrapped, []byte("org_1/db/1"))
	if err == nil || errors.Is(err, secrets.ErrDecrypt) {
		t.Errorf("Unwrap while Vault is down: %v, want a transport error", err)
	}
}

func TestNewVaultTransitRefusesBadConfig(t *testing.T) {
	t.Parallel()
	token := func(context.Context) (string, error) { return "s.secret-token", nil }
	for name, cfg := range map[string]secrets.VaultTransitConfig{
		"no address":     {Key: "k", Token: token},
		"not http":       {Address: "vault.internal:8200", Key: "k", Token: token},
		"no key":         {Address: "https://vault.internal", Token: token},
		"key with slash": {Address: "https://vault.internal", Key: "a/b", Token: token},
		"no token":       {Address: "https://vault.internal", Key: "k"},
	} {
		if _, err := secrets.NewVaultTransit(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	p, err := secrets.NewVaultTransit(secrets.VaultTransitConfig{
		Address: "https://vault.internal:8200/", Key: "k", Token: token})
	if err != nil || strings.Contains(fmt.Sprint(p), "secret-token") {
		t.Errorf("a good config: %v, %v", p, err)
	}
}
