package secrets

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// WebhookSignatureHeader is the header that carries a webhook signature.
const WebhookSignatureHeader = "Gatehouse-Signature"

// DefaultWebhookTolerance is how far a signature's timestamp may be from
// the receiver's clock when the receiver sets no tolerance.
const DefaultWebhookTolerance = 5 * time.Minute

// Limits on a signature header, which faces the network.
const (
	maxSignatureHeader = 4096
	maxSignatures      = 8
	minWebhookSecret   = 16
)

// Webhook signature errors.
var (
	// ErrWebhookSignature reports a missing or malformed signature header,
	// or one in which no signature matches any of the secrets.
	ErrWebhookSignature = errors.New("secrets: webhook signature does not verify")
	// ErrWebhookTimestamp reports a signature whose timestamp is outside
	// the tolerance: a replay, or a clock far off.
	ErrWebhookTimestamp = errors.New("secrets: webhook timestamp outside the tolerance")
)

// GenerateWebhookSecret returns a new random webhook signing secret (32
// bytes, as unpadded base64url text, the form to store sealed and to show
// the receiver once).
func GenerateWebhookSecret() Value {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return NewStringValue("whsec_" + base64.RawURLEncoding.EncodeToString(b))
}

// SignWebhook returns the signature header value for payload sent at t:
// "t=UNIX,v1=HEX[,v1=HEX...]", one v1 per secret, each the HMAC-SHA256 of
// "UNIX.payload" under that secret. During a rotation pass the old and
// the new secret, so receivers that know either accept the delivery.
// Secrets shorter than 16 bytes are refused.
func SignWebhook(payload []byte, t time.Time, secrets ...Value) (string, error) {
	if len(secrets) == 0 || len(secrets) > maxSignatures {
		return "", fmt.Errorf("secrets: signing a webhook with %d secrets; want 1 to %d",
			len(secrets), maxSignatures)
	}
	ts := strconv.FormatInt(t.Unix(), 10)
	var b strings.Builder
	b.WriteString("t=" + ts)
	for _, s := range secrets {
		if s.Len() < minWebhookSecret {
			return "", fmt.Errorf("secrets: webhook secret shorter than %d bytes", minWebhookSecret)
		}
		b.WriteString(",v1=")
		b.WriteString(hex.EncodeToString(webhookMAC(s.Reveal(), ts, payload)))
	}
	return b.String(), nil
}

func webhookMAC(secret []byte, ts string, payload []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(payload)
	return m.Sum(nil)
}

// VerifyWebhook checks a signature header made by [SignWebhook] against
// the payload as received (the raw body, before any parsing) and the
// receiver's secrets, any of which may match. The timestamp must be
// within tolerance of now (zero means [DefaultWebhookTolerance]); the
// timestamp is signed, so it cannot be moved.
//
// What it does NOT check: that a delivery is not replayed inside the
// tolerance window. A receiver that must not act twice records the
// delivery ID it processed.
func VerifyWebhook(header string, payload []byte, now time.Time, tolerance time.Duration,
	secrets ...Value) error {
	sig, err := parseSignatureHeader(header)
	if err != nil {
		return err
	}
	if tolerance <= 0 {
		tolerance = DefaultWebhookTolerance
	}
	if d := now.Sub(time.Unix(sig.unix, 0)); d > tolerance || d < -tolerance {
		return ErrWebhookTimestamp
	}
	for _, s := range secrets {
		want := webhookMAC(s.Reveal(), sig.ts, payload)
		for _, got := range sig.macs {
			if s.Len() >= minWebhookSecret && hmac.Equal(got, want) {
				return nil
			}
		}
	}
	return ErrWebhookSignature
}

type signatureHeader struct {
	ts   string
	unix int64
	macs [][]byte
}

// parseSignatureHeader reads "t=UNIX,v1=HEX,...". Unknown schemes are
// skipped, so that a sender can add one; a missing or repeated t, a
// malformed v1 or too many entries is an error.
func parseSignatureHeader(h string) (signatureHeader, error) {
	var out signatureHeader
	if len(h) > maxSignatureHeader {
		return out, ErrWebhookSignature
	}
	parts := strings.Split(h, ",")
	if len(parts) > maxSignatures+1 {
		return out, ErrWebhookSignature
	}
	for _, p := range parts {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		switch {
		case !ok:
			return out, ErrWebhookSignature
		case k == "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if out.ts != "" || err != nil || n <= 0 || strconv.FormatInt(n, 10) != v {
				return out, ErrWebhookSignature
			}
			out.ts, out.unix = v, n
		case k == "v1":
			mac, err := hex.DecodeString(v)
			if err != nil || len(mac) != sha256.Size {
				return out, ErrWebhookSignature
			}
			out.macs = append(out.macs, mac)
		}
	}
	if out.ts == "" || len(out.macs) == 0 {
		return out, ErrWebhookSignature
	}
	return out, nil
}
