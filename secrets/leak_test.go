package secrets_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse/secrets"
)

// keyServer publishes public keys in GitHub's format and counts fetches.
type keyServer struct {
	*httptest.Server
	fetches atomic.Int64
}

func newKeyServer(t *testing.T, keys map[string]string) *keyServer {
	type entry struct {
		ID        string `json:"key_identifier"`
		Key       string `json:"key"`
		IsCurrent bool   `json:"is_current"`
	}
	var doc struct {
		PublicKeys []entry `json:"public_keys"`
	}
	for id, k := range keys {
		doc.PublicKeys = append(doc.PublicKeys, entry{id, k, true})
	}
	ks := &keyServer{}
	ks.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.fetches.Add(1)
		_ = json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(ks.Close)
	return ks
}

func pemOf(t *testing.T, k *ecdsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func sign(t *testing.T, k *ecdsa.PrivateKey, body []byte) string {
	d := sha256.Sum256(body)
	sig, err := ecdsa.SignASN1(rand.Reader, k, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

func postReport(t *testing.T, h http.Handler, keyID, sig string, body []byte) (int, string) {
	req := httptest.NewRequest(http.MethodPost, "/leaks", bytes.NewReader(body))
	if keyID != "" {
		req.Header.Set("Github-Public-Key-Identifier", keyID)
	}
	if sig != "" {
		req.Header.Set("Github-Public-Key-Signature", sig)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// TestLeakReportGitHubVector checks a payload signed by GitHub's own
// sender, from GitHub's documentation (testdata, CC-BY-4.0).
func TestLeakReportGitHubVector(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/github_secret_scanning_vector.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		KeyID     string `json:"key_identifier"`
		PublicKey string `json:"public_key"`
		Payload   string `json:"payload"`
		Signature string `json:"signature"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	ks := newKeyServer(t, map[string]string{v.KeyID: v.PublicKey})
	f := newKeyFixture(t, "acme")
	h, err := f.svc.LeakReportHandler(secrets.LeakReportConfig{
		Keys: secrets.NewPublishedKeys(ks.URL, ks.Client()), TokenType: "acme_api_key"})
	if err != nil {
		t.Fatal(err)
	}
	code, body := postReport(t, h, v.KeyID, v.Signature, []byte(v.Payload))
	want := `[{"token_hash":"` + sha256Hex("some_token") + `","token_type":"acme_api_key","label":"false_positive"}]`
	if code != 200 || strings.TrimSpace(body) != want {
		t.Errorf("genuine GitHub report: %d %s; want 200 %s", code, body, want)
	}
	code, _ = postReport(t, h, v.KeyID, v.Signature, []byte(v.Payload+" "))
	if code != http.StatusUnauthorized {
		t.Errorf("GitHub report with a byte added: status %d, want 401", code)
	}
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestLeakReportRevokes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sender, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ks := newKeyServer(t, map[string]string{"k1": pemOf(t, &sender.PublicKey)})
	f := newKeyFixture(t, "acme")
	leaked := f.issue(t, "org1", robot, "deploy")
	safe := f.issue(t, "org1", robot, "deploy")
	h, err := f.svc.LeakReportHandler(secrets.LeakReportConfig{Keys: secrets.NewPublishedKeys(ks.URL, ks.Client())})
	if err != nil {
		t.Fatal(err)
	}
	tok := string(leaked.Token.Reveal())
	body, _ := json.Marshal([]map[string]string{
		{"token": tok, "type": "acme_api_key",
			"url": "https://github.com/o/r/blob/abc/.env", "source": "content"},
		{"token": "acme_not_a_real_key", "type": "acme_api_key", "url": "", "source": "commit"},
	})

	forged := []struct {
		name, keyID, sig string
		body             []byte
	}{
		{"no headers", "", "", body},
		{"no signature", "k1", "", body},
		{"signed by another key", "k1", sign(t, forger, body), body},
		{"unknown key ID", "k9", sign(t, sender, body), body},
		{"signature not base64", "k1", "!!!", body},
		{"body altered after signing", "k1", sign(t, sender, body),
			bytes.Replace(body, []byte(".env"), []byte(".enw"), 1)},
	}
	for _, tt := range forged {
		if code, resp := postReport(t, h, tt.keyID, tt.sig,
			tt.body); code != http.StatusUnauthorized ||
			!strings.Contains(resp, "invalid_signature") {
			t.Errorf("%s: %d %s; want 401 invalid_signature", tt.name, code, resp)
		}
	}
	if _, err := f.svc.VerifyAPIKey(ctx, tok); err != nil {
		t.Fatalf("a forged report revoked the key: %v", err)
	}

	code, resp := postReport(t, h, "k1", sign(t, sender, body), body)
	if code != 200 || strings.Contains(resp, tok) {
		t.Fatalf("genuine report: %d %s", code, resp)
	}
	var answers []struct {
		TokenHash string `json:"token_hash"`
		TokenType string `json:"token_type"`
		Label     string `json:"label"`
	}
	json.Unmarshal([]byte(resp), &answers)
	if len(answers) != 2 || answers[0].Label != "true_positive" || answers[1].Label != "false_positive" ||
		answers[0].TokenHash != sha256Hex(tok) || answers[0].TokenType != "acme" {
		t.Errorf("answers = %+v", answers)
	}
	_, err = f.svc.VerifyAPIKey(ctx, tok)
	if !errors.Is(err, secrets.ErrKeyRevoked) {
		t.Errorf("leaked key after the report: %v, want ErrKeyRevoked", err)
	}
	if _, err := f.svc.VerifyAPIKey(ctx, string(safe.Token.Reveal())); err != nil {
		t.Errorf("an unreported key: %v", err)
	}
	evs, _ := f.svc.Events(ctx, "", 100)
	last := evs[len(evs)-1]
	if last.Type != secrets.EventAPIKeyLeaked || last.Data.APIKeyID != leaked.Key.ID ||
		!strings.Contains(last.Data.Reason, "github.com/o/r") {
		t.Errorf("leak event = %+v", last)
	}
}

func TestLeakReportBadRequests(t *testing.T) {
	t.Parallel()
	sender, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ks := newKeyServer(t, map[string]string{"k1": pemOf(t, &sender.PublicKey)})
	f := newKeyFixture(t, "acme")
	if _, err := f.svc.LeakReportHandler(secrets.LeakReportConfig{}); err == nil {
		t.Error("a handler without keys was made")
	}
	keys := secrets.NewPublishedKeys(ks.URL, ks.Client())
	h, _ := f.svc.LeakReportHandler(secrets.LeakReportConfig{Keys: keys})
	notJSON := []byte(`{"token": "x"}`)
	if code, _ := postReport(t, h, "k1", sign(t, sender, notJSON),
		notJSON); code != http.StatusBadRequest {
		t.Errorf("signed object instead of array: %d, want 400", code)
	}
	huge := bytes.Repeat([]byte(" "), 2<<20)
	if code, _ := postReport(t, h, "k1", sign(t, sender, huge),
		huge); code != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: %d, want 413", code)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/leaks", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", rec.Code)
	}
	// Unknown key IDs do not make the handler hammer the key server.
	for range 5 {
		postReport(t, h, "k-unknown", sign(t, sender, notJSON), notJSON)
	}
	if n := ks.fetches.Load(); n != 1 {
		t.Errorf("key list fetched %d times, want 1", n)
	}
}

// FuzzLeakReport feeds arbitrary signature headers and bodies to the
// handler: no panic, and no unsigned report is accepted.
func FuzzLeakReport(f *testing.F) {
	sender, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&sender.PublicKey)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w,
			`{"public_keys":[{"key_identifier":"k1","key":`+strconvQuote(pemKey)+`}]}`)
	}))
	defer srv.Close()
	kf := newKeyFixture(f, "acme")
	h, _ := kf.svc.LeakReportHandler(secrets.LeakReportConfig{Keys: secrets.NewPublishedKeys(srv.URL, srv.Client())})
	f.Add("k1", "MEUCIQ==", []byte(`[{"token":"x"}]`))
	f.Add("", "", []byte(`[]`))
	f.Add("k1", "!!", []byte{0xff})
	f.Fuzz(func(t *testing.T, keyID, sig string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/leaks", bytes.NewReader(body))
		req.Header.Set("Github-Public-Key-Identifier", keyID)
		req.Header.Set("Github-Public-Key-Signature", sig)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK {
			t.Errorf("an unsigned report was accepted: %q %q %q", keyID, sig, body)
		}
	})
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
