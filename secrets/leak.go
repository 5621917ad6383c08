package secrets

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpjson"
)

// GitHubSecretScanningKeysURL is where GitHub publishes the keys that sign
// its secret scanning partner alerts.
const GitHubSecretScanningKeysURL = "https://api.github.com/meta/public_keys/secret_scanning"

// Limits on a leak report, which faces the network.
const (
	maxLeakReportBody = 1 << 20
	maxLeakMatches    = 1000
	maxKeyListBody    = 1 << 20
)

// ErrUnknownSigningKey reports a leak report signed by a key the sender
// does not (or no longer) publish.
var ErrUnknownSigningKey = errors.New("secrets: unknown leak report signing key")

// SigningKeys gives a leak report sender's public keys by identifier.
type SigningKeys interface {
	// PublicKey returns the key with the identifier, or an error wrapping
	// [ErrUnknownSigningKey].
	PublicKey(ctx context.Context, id string) (*ecdsa.PublicKey, error)
}

// LeakReportConfig configures [Service.LeakReportHandler].
type LeakReportConfig struct {
	// Keys verifies the sender's signatures; required. [NewPublishedKeys]
	// with [GitHubSecretScanningKeysURL] reads GitHub's.
	Keys SigningKeys
	// TokenType is the type name registered with the scanning program;
	// it labels the answers. Empty means the service's API key prefix.
	TokenType string
}

// leakMatch is one reported match, as GitHub sends it.
type leakMatch struct {
	Token  string `json:"token"`
	Type   string `json:"type"`
	URL    string `json:"url"`
	Source string `json:"source"`
}

// leakAnswer is one entry of the answer, in the program's feedback
// format: the token's SHA-256 (never the token back) and a label.
type leakAnswer struct {
	TokenHash string `json:"token_hash"`
	TokenType string `json:"token_type"`
	Label     string `json:"label"`
}

// LeakReportHandler returns the endpoint for GitHub's secret scanning
// partner program (and any sender using its format). It reads the raw
// body, verifies the ECDSA P-256 SHA-256 signature in
// Github-Public-Key-Signature with the key named by
// Github-Public-Key-Identifier, and then, for each reported token that is
// one of this service's API keys, revokes the key and records a
// secrets.apikey.leaked event with the URL where it was found. It answers
// 200 with one feedback entry per match: "true_positive" for keys it
// holds, "false_positive" for the rest.
//
// A request with a missing or bad signature gets 401 and changes nothing.
// The handler does not authenticate the sender in any other way, and a
// valid report revokes keys at once, by design: a leaked key is
// compromised whoever reports it.
func (s *Service) LeakReportHandler(cfg LeakReportConfig) (http.Handler, error) {
	if cfg.Keys == nil {
		return nil, errors.New("secrets: LeakReportConfig.Keys is required")
	}
	typ := cfg.TokenType
	if typ == "" {
		typ = s.apiKey.prefix[:len(s.apiKey.prefix)-1]
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			httpjson.WriteError(w,
				httpjson.Errorf(http.StatusMethodNotAllowed, "method_not_allowed",
					"Leak reports are POSTed."))
			return
		}
		matches, err := s.readLeakReport(r, cfg.Keys)
		if err != nil {
			httpjson.WriteError(w, err)
			return
		}
		answers, err := s.handleLeaks(r.Context(), matches, typ)
		if err != nil {
			s.log.ErrorContext(r.Context(), "secrets: handling a leak report", "err", err)
			httpjson.WriteError(w, err)
			return
		}
		httpjson.Write(w, http.StatusOK, answers)
	}), nil
}

// readLeakReport checks the signature over the raw body, then parses it.
func (s *Service) readLeakReport(r *http.Request, keys SigningKeys) ([]leakMatch, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxLeakReportBody+1))
	if err != nil || len(body) > maxLeakReportBody {
		return nil, httpjson.Errorf(http.StatusRequestEntityTooLarge, "body_too_large",
			"The report is larger than %d bytes or could not be read.", maxLeakReportBody)
	}
	if err := verifyLeakSignature(r.Context(), keys, r.Header.Get("Github-Public-Key-Identifier"),
		r.Header.Get("Github-Public-Key-Signature"), body); err != nil {
		s.log.WarnContext(r.Context(), "secrets: rejected a leak report", "err", err)
		return nil, httpjson.Errorf(http.StatusUnauthorized, "invalid_signature",
			"The report's signature does not verify with the sender's published keys.")
	}
	var matches []leakMatch
	if err := json.Unmarshal(body, &matches); err != nil || len(matches) > maxLeakMatches {
		return nil, httpjson.Errorf(http.StatusBadRequest, "invalid_report",
			"The report must be a JSON array of at most %d matches.", maxLeakMatches)
	}
	return matches, nil
}

func verifyLeakSignature(ctx context.Context, keys SigningKeys, id, sig string, body []byte) error {
	if id == "" || sig == "" || len(id) > 256 || len(sig) > 512 {
		return errors.New("missing signature headers")
	}
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return errors.New("signature is not base64")
	}
	pub, err := keys.PublicKey(ctx, id)
	if err != nil {
		return err
	}
	digest := sha256.Sum256(body)
	if !ecdsa.VerifyASN1(pub, digest[:], raw) {
		return errors.New("signature does not verify")
	}
	return nil
}

// handleLeaks revokes each reported key the service holds.
func (s *Service) handleLeaks(ctx context.Context, matches []leakMatch,
	typ string) ([]leakAnswer, error) {
	ctx = WithActor(ctx, Actor{Type: "system", ID: "leak-report"})
	answers := make([]leakAnswer, 0, len(matches))
	for _, m := range matches {
		h := sha256.Sum256([]byte(m.Token))
		a := leakAnswer{TokenHash: hex.EncodeToString(h[:]),
			TokenType: typ, Label: "false_positive"}
		if s.apiKey.valid(m.Token) {
			held, err := s.revokeLeaked(ctx, h[:], m)
			if err != nil {
				return nil, err
			}
			if held {
				a.Label = "true_positive"
			}
		}
		answers = append(answers, a)
	}
	return answers, nil
}

func (s *Service) revokeLeaked(ctx context.Context, hash []byte, m leakMatch) (bool, error) {
	k, err := s.store.APIKeyByHash(ctx, hash)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("secrets: looking up a leaked key: %w", err)
	}
	reason := fmt.Sprintf("leak reported at %.300s (source %.40s)", m.URL, m.Source)
	ev := s.event(ctx, EventAPIKeyLeaked, k.OrganizationID, EventData{APIKeyID: k.ID,
		OwnerID: k.Owner.ID, Reason: reason})
	if !k.RevokedAt.IsZero() {
		return true, s.store.AppendEvent(ctx, ev) // revoked already; the leak is still news
	}
	if err := s.store.RevokeAPIKey(ctx, k.OrganizationID, k.ID, s.now().UTC(), ev); err != nil {
		return false, fmt.Errorf("secrets: revoking a leaked key: %w", err)
	}
	return true, nil
}

// PublishedKeys is a [SigningKeys] that reads a sender's public keys from
// a URL in the format GitHub publishes ({"public_keys": [{"key_identifier",
// "key" (PEM)}]}) and caches them. An unknown identifier triggers a
// refetch, at most once a minute, so that a new key is picked up.
type PublishedKeys struct {
	url    string
	client *http.Client
	now    func() time.Time

	mu      sync.Mutex
	keys    map[string]*ecdsa.PublicKey
	fetched time.Time
}

// NewPublishedKeys returns a PublishedKeys reading url with client (nil
// means http.DefaultClient).
func NewPublishedKeys(url string, client *http.Client) *PublishedKeys {
	if client == nil {
		client = http.DefaultClient
	}
	return &PublishedKeys{url: url, client: client, now: time.Now}
}

// PublicKey implements [SigningKeys].
func (p *PublishedKeys) PublicKey(ctx context.Context, id string) (*ecdsa.PublicKey, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k, ok := p.keys[id]; ok {
		return k, nil
	}
	if p.now().Sub(p.fetched) < time.Minute {
		return nil, fmt.Errorf("%w: %.80q", ErrUnknownSigningKey, id)
	}
	keys, err := p.fetch(ctx)
	p.fetched = p.now()
	if err != nil {
		return nil, err
	}
	p.keys = keys
	if k, ok := p.keys[id]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w: %.80q", ErrUnknownSigningKey, id)
}

func (p *PublishedKeys) fetch(ctx context.Context) (map[string]*ecdsa.PublicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second) // the lock is held meanwhile
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return nil, fmt.Errorf("secrets: fetching signing keys: %w", err)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("secrets: fetching signing keys: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("secrets: fetching signing keys: status %d", resp.StatusCode)
	}
	var doc struct {
		PublicKeys []struct {
			ID  string `json:"key_identifier"`
			Key string `json:"key"`
		} `json:"public_keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxKeyListBody)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("secrets: decoding signing keys: %w", err)
	}
	keys := map[string]*ecdsa.PublicKey{}
	for _, k := range doc.PublicKeys {
		if pub, err := parseECKey(k.Key); err == nil {
			keys[k.ID] = pub
		}
	}
	return keys, nil
}

// parseECKey reads a PEM public key and accepts only ECDSA P-256.
func parseECKey(text string) (*ecdsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("not PEM")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	ec, ok := k.(*ecdsa.PublicKey)
	if !ok || ec.Curve.Params().Name != "P-256" {
		return nil, errors.New("not an ECDSA P-256 key")
	}
	return ec, nil
}
