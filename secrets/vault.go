package secrets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// VaultTransitConfig configures a [VaultTransit] key provider.
type VaultTransitConfig struct {
	// Address is Vault's base URL, such as https://vault.internal:8200.
	Address string
	// Mount is the path the transit engine is mounted at; "transit" when
	// empty.
	Mount string
	// Key is the name of the transit key that wraps data keys. Any key
	// type that encrypts will do.
	Key string
	// Token returns the Vault token for a request. It is called for
	// every request, so that the host's auth method (Kubernetes,
	// AppRole, a Vault agent's sink file) can renew the token behind it.
	Token func(ctx context.Context) (string, error)
	// Namespace, when set, is sent as X-Vault-Namespace (Vault
	// Enterprise and HCP Vault).
	Namespace string
	// HTTPClient sends the requests; nil means a client with a 10-second
	// timeout.
	HTTPClient *http.Client
	// VersionTTL is how long CurrentKeyID keeps the latest key version it
	// read before it asks Vault again; zero means one minute. After a
	// rotation in Vault, new writes move to the new version within it.
	VersionTTL time.Duration
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
}

// VaultTransit is a [KeyProvider] backed by the transit secrets engine of
// HashiCorp Vault (or OpenBao, which keeps its API): data keys are sent
// to Vault to be encrypted and decrypted under a named key, whose
// material never leaves Vault.
//
// Key IDs are "vault:KEY:vN", N being the transit key version that
// wrapped the data key, so [Service.Rewrap] sees which data keys are
// under versions older than Vault's latest. Rotate the key in Vault
// (POST /v1/transit/keys/KEY/rotate), wait VersionTTL, then run Rewrap.
//
// The associated data is bound without relying on Vault's own
// associated_data parameter, which only AES-GCM keys and recent Vault
// versions honour: the plaintext sent to Vault is a SHA-256 digest of
// the key ID and the associated data followed by the data key, and
// Unwrap compares the digest it gets back in constant time. The digest
// is inside Vault's authenticated ciphertext, so a wrapped key moved to
// another secret, version or organization fails with [ErrDecrypt].
//
// The Vault policy of the token needs update on KEY's encrypt and
// decrypt paths and read on keys/KEY.
type VaultTransit struct {
	cfg    VaultTransitConfig
	client *http.Client
	base   string // Address/v1/Mount

	mu      sync.Mutex
	current string
	readAt  time.Time
}

// NewVaultTransit returns a provider for cfg. It does not contact Vault;
// the first CurrentKeyID does.
func NewVaultTransit(cfg VaultTransitConfig) (*VaultTransit, error) {
	u, err := url.Parse(cfg.Address)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("secrets: Vault address %q is not an http(s) URL", cfg.Address)
	}
	if cfg.Key == "" || strings.ContainsAny(cfg.Key, "/:?#") {
		return nil, fmt.Errorf("secrets: Vault transit key name %q is empty or not a plain name",
			cfg.Key)
	}
	if cfg.Token == nil {
		return nil, errors.New("secrets: VaultTransitConfig.Token is required")
	}
	if cfg.Mount == "" {
		cfg.Mount = "transit"
	}
	if cfg.VersionTTL == 0 {
		cfg.VersionTTL = time.Minute
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	base := strings.TrimRight(cfg.Address, "/") + "/v1/" + strings.Trim(cfg.Mount, "/")
	return &VaultTransit{cfg: cfg, client: client, base: base}, nil
}

// CurrentKeyID returns the ID of the transit key's latest version, read
// from Vault at most once per VersionTTL.
func (v *VaultTransit) CurrentKeyID(ctx context.Context) (string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.cfg.Clock()
	if v.current != "" && now.Sub(v.readAt) < v.cfg.VersionTTL {
		return v.current, nil
	}
	var key struct {
		LatestVersion      int  `json:"latest_version"`
		SupportsEncryption bool `json:"supports_encryption"`
	}
	if err := v.call(ctx, http.MethodGet, "/keys/"+v.cfg.Key, nil, &key); err != nil {
		return "", err
	}
	if !key.SupportsEncryption || key.LatestVersion < 1 {
		return "", fmt.Errorf("secrets: Vault transit key %q cannot encrypt", v.cfg.Key)
	}
	v.current, v.readAt = v.keyID(key.LatestVersion), now
	return v.current, nil
}

// Wrap has Vault encrypt dataKey under version keyID of the transit key.
func (v *VaultTransit) Wrap(ctx context.Context, keyID string, dataKey,
	associatedData []byte) ([]byte, error) {
	version, ok := v.version(keyID)
	if !ok {
		return nil, fmt.Errorf("wrapping with %q: %w", keyID, ErrUnknownKey)
	}
	plain := append(vaultBinding(keyID, associatedData), dataKey...)
	req := map[string]any{"plaintext": base64.StdEncoding.EncodeToString(plain),
		"key_version": version}
	var out struct {
		Ciphertext string `json:"ciphertext"`
	}
	if err := v.call(ctx, http.MethodPost, "/encrypt/"+v.cfg.Key, req, &out); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(out.Ciphertext, vaultPrefix(version)) {
		return nil, fmt.Errorf("secrets: Vault encrypted under another key version than %d", version)
	}
	return []byte(out.Ciphertext), nil
}

// Unwrap has Vault decrypt a data key wrapped by [VaultTransit.Wrap] and
// checks that it was wrapped for keyID and associatedData.
func (v *VaultTransit) Unwrap(ctx context.Context, keyID string, wrapped,
	associatedData []byte) ([]byte, error) {
	version, ok := v.version(keyID)
	if !ok {
		return nil, fmt.Errorf("unwrapping with %q: %w", keyID, ErrUnknownKey)
	}
	if !bytes.HasPrefix(wrapped, []byte(vaultPrefix(version))) {
		return nil, ErrDecrypt
	}
	var out struct {
		Plaintext string `json:"plaintext"`
	}
	req := map[string]any{"ciphertext": string(wrapped)}
	err := v.call(ctx, http.MethodPost, "/decrypt/"+v.cfg.Key, req, &out)
	var ve *vaultError
	if errors.As(err, &ve) && ve.status == http.StatusBadRequest {
		return nil, ErrDecrypt // Vault could not open it: altered or not ours
	}
	if err != nil {
		return nil, err
	}
	plain, err := base64.StdEncoding.DecodeString(out.Plaintext)
	want := vaultBinding(keyID, associatedData)
	if err != nil || len(plain) < len(want) ||
		subtle.ConstantTimeCompare(plain[:len(want)], want) != 1 {
		return nil, ErrDecrypt
	}
	return plain[len(want):], nil
}

// String describes the provider without its token.
func (v *VaultTransit) String() string {
	return fmt.Sprintf("secrets.VaultTransit{%s, key: %s}", v.base, v.cfg.Key)
}

func (v *VaultTransit) keyID(version int) string {
	return "vault:" + v.cfg.Key + ":v" + strconv.Itoa(version)
}

// version parses a key ID of this provider's key.
func (v *VaultTransit) version(keyID string) (int, bool) {
	rest, ok := strings.CutPrefix(keyID, "vault:"+v.cfg.Key+":v")
	n, err := strconv.Atoi(rest)
	return n, ok && err == nil && n > 0 && v.keyID(n) == keyID
}

func vaultPrefix(version int) string { return "vault:v" + strconv.Itoa(version) + ":" }

// vaultBinding is the digest that ties a wrapped data key to its key ID
// and associated data.
func vaultBinding(keyID string, ad []byte) []byte {
	sum := sha256.Sum256(bindKeyID(keyID, ad))
	return sum[:]
}

// maxVaultResponse bounds what is read of a Vault answer.
const maxVaultResponse = 1 << 20

// vaultError is an error answer from Vault.
type vaultError struct {
	status int
	errors []string
}

func (e *vaultError) Error() string {
	return fmt.Sprintf("secrets: Vault answered %d: %s", e.status, strings.Join(e.errors, "; "))
}

// call sends one request to the transit engine and decodes the data
// field of its answer into out.
func (v *VaultTransit) call(ctx context.Context, method, path string, in, out any) error {
	token, err := v.cfg.Token(ctx)
	if err != nil {
		return fmt.Errorf("secrets: getting a Vault token: %w", err)
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, v.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("X-Vault-Token", token)
	req.Header.Set("X-Vault-Request", "true")
	if v.cfg.Namespace != "" {
		req.Header.Set("X-Vault-Namespace", v.cfg.Namespace)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return fmt.Errorf("secrets: calling Vault: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxVaultResponse))
	if err != nil {
		return fmt.Errorf("secrets: reading Vault's answer: %w", err)
	}
	var answer struct {
		Data   json.RawMessage `json:"data"`
		Errors []string        `json:"errors"`
	}
	_ = json.Unmarshal(raw, &answer)
	if resp.StatusCode != http.StatusOK {
		return &vaultError{status: resp.StatusCode, errors: answer.Errors}
	}
	if err := json.Unmarshal(answer.Data, out); err != nil {
		return fmt.Errorf("secrets: Vault's answer has no readable data: %w", err)
	}
	return nil
}
