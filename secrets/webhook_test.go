package secrets_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/secrets"
)

func TestWebhookSignVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	old, next, stranger := secrets.GenerateWebhookSecret(), secrets.GenerateWebhookSecret(),
		secrets.GenerateWebhookSecret()
	body := []byte(`{"type":"user.created","id":"evt_1"}`)
	rotating, err := secrets.SignWebhook(body, now, old, next)
	if err != nil {
		t.Fatal(err)
	}
	single, _ := secrets.SignWebhook(body, now, next)
	ts := "t=1800000000"
	sigs := strings.Split(rotating, ",")
	tests := []struct {
		name    string
		header  string
		body    string
		now     time.Time
		secrets []secrets.Value
		want    error
	}{
		{"receiver knows the old secret", rotating, string(body), now, []secrets.Value{old}, nil},
		{"receiver knows the new secret", rotating, string(body), now, []secrets.Value{next}, nil},
		{"receiver knows both", single, string(body), now, []secrets.Value{old, next}, nil},
		{"within tolerance", single, string(body), now.Add(4 * time.Minute),
			[]secrets.Value{next}, nil},
		{"unknown scheme skipped", single + ",v0=abc", string(body), now,
			[]secrets.Value{next}, nil},
		{"other secret", rotating, string(body), now, []secrets.Value{stranger},
			secrets.ErrWebhookSignature},
		{"no secrets", rotating, string(body), now, nil, secrets.ErrWebhookSignature},
		{"altered body", rotating, string(body) + " ", now, []secrets.Value{old},
			secrets.ErrWebhookSignature},
		{"replayed later", rotating, string(body), now.Add(6 * time.Minute), []secrets.Value{old},
			secrets.ErrWebhookTimestamp},
		{"from the future", rotating, string(body), now.Add(-6 * time.Minute), []secrets.Value{old},
			secrets.ErrWebhookTimestamp},
		{"timestamp moved", "t=1800000001," + sigs[1], string(body), now, []secrets.Value{old},
			secrets.ErrWebhookSignature},
		{"empty header", "", string(body), now, []secrets.Value{old}, secrets.ErrWebhookSignature},
		{"no timestamp", sigs[1], string(body), now, []secrets.Value{old},
			secrets.ErrWebhookSignature},
		{"no signature", ts, string(body), now, []secrets.Value{old}, secrets.ErrWebhookSignature},
		{"two timestamps", ts + "," + rotating, string(body), now, []secrets.Value{old},
			secrets.ErrWebhookSignature},
		{"short MAC", ts + ",v1=abcd", string(body), now, []secrets.Value{old},
			secrets.ErrWebhookSignature},
		{"non-hex MAC", ts + ",v1=" + strings.Repeat("zz", 32), string(body),
			now, []secrets.Value{old},
			secrets.ErrWebhookSignature},
		{"signed timestamp with a plus", "t=+1800000000," + sigs[1], string(body),
			now, []secrets.Value{old},
			secrets.ErrWebhookSignature},
		{"too many entries", rotating + strings.Repeat(","+sigs[1], 9), string(body), now,
			[]secrets.Value{old}, secrets.ErrWebhookSignature},
		{"huge header", ts + ",v1=" + strings.Repeat("0", 5000), string(body),
			now, []secrets.Value{old},
			secrets.ErrWebhookSignature},
	}
	for _, tt := range tests {
		err := secrets.VerifyWebhook(tt.header, []byte(tt.body), tt.now, 0, tt.secrets...)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := secrets.SignWebhook(body, now, secrets.NewStringValue("short")); err == nil {
		t.Error("signing with a short secret succeeded")
	}
	if _, err := secrets.SignWebhook(body, now); err == nil {
		t.Error("signing without secrets succeeded")
	}
}

// FuzzVerifyWebhook feeds arbitrary headers to the verifier: no panic,
// and nothing verifies that the secret did not sign.
func FuzzVerifyWebhook(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	secret := secrets.NewStringValue("whsec_0123456789abcdef0123456789")
	body := []byte("payload")
	good, _ := secrets.SignWebhook(body, now, secret)
	f.Add(good)
	f.Add("t=1800000000,v1=00")
	f.Add("t=,v1=")
	f.Add(",,,=")
	f.Fuzz(func(t *testing.T, header string) {
		err := secrets.VerifyWebhook(header, body, now, time.Minute, secret)
		if err == nil && !strings.Contains(strings.ToLower(header),
			good[strings.Index(good, "v1="):]) {
			t.Errorf("header %q verified without the genuine MAC", header)
		}
	})
}

func TestServiceSignWebhookDuringRotation(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newFixture(t, nil)
	old, next := secrets.GenerateWebhookSecret(), secrets.GenerateWebhookSecret()
	if _, err := f.svc.Put(ctx, "org1", "webhook", old, nil); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"event":"x"}`)
	verifies := func(hdr string, secret secrets.Value) bool {
		return secrets.VerifyWebhook(hdr, body, f.clock.Now(), 0, secret) == nil
	}
	sign := func() string {
		hdr, err := f.svc.SignWebhook(ctx, "org1", "webhook", body, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return hdr
	}
	if hdr := sign(); !verifies(hdr, old) || verifies(hdr, next) {
		t.Errorf("before rotation: %s", hdr)
	}
	f.clock.Advance(2 * time.Hour)
	if _, err := f.svc.Put(ctx, "org1", "webhook", next, nil); err != nil {
		t.Fatal(err)
	}
	if hdr := sign(); !verifies(hdr, old) || !verifies(hdr, next) {
		t.Errorf("during the overlap both must verify: %s", hdr)
	}
	f.clock.Advance(time.Hour)
	if hdr := sign(); verifies(hdr, old) || !verifies(hdr, next) {
		t.Errorf("after the overlap only the new secret signs: %s", hdr)
	}
	if _, err := f.svc.SignWebhook(ctx, "org2", "webhook", body, time.Hour); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("another organization's secret: %v", err)
	}
}
