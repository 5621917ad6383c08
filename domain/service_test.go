package domain_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/domain/domaintest"
)

var ctx = context.Background()

// clock is a settable Config.Clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	svc   *domain.Service
	store *domain.MemoryStore
	dns   *domaintest.DNSServer
	clock *clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		store: domain.NewMemoryStore(),
		dns:   domaintest.NewDNSServer(t),
		clock: &clock{t: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)},
	}
	svc, err := domain.New(domain.Config{
		Store:    f.store,
		Resolver: domain.NewNetResolver(f.dns.Addr(), 400*time.Millisecond),
		Clock:    f.clock.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

// publish serves d's challenge record.
func (f *fixture) publish(d domain.Domain) {
	c := f.svc.Challenge(d)
	f.dns.SetTXT(c.RecordName, []string{c.RecordValue})
}

func (f *fixture) add(t *testing.T, org, name string, subdomains bool) domain.Domain {
	t.Helper()
	d, err := f.svc.Add(ctx, org, name, domain.AddOptions{IncludeSubdomains: subdomains})
	if err != nil {
		t.Fatalf("Add(%s, %s): %v", org, name, err)
	}
	return d
}

func (f *fixture) addVerified(t *testing.T, org, name string, subdomains bool) domain.Domain {
	t.Helper()
	d := f.add(t, org, name, subdomains)
	f.publish(d)
	d, err := f.svc.Verify(ctx, org, d.ID)
	if err != nil {
		t.Fatalf("Verify(%s): %v", name, err)
	}
	return d
}

func (f *fixture) eventTypes(t *testing.T) []domain.EventType {
	t.Helper()
	events, err := f.svc.Events(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []domain.EventType
	for _, e := range events {
		out = append(out, e.Type)
	}
	return out
}

func TestAddRefuses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name, domain string
		want         error
	}{
		{"empty", "  ", domain.ErrInvalidName},
		{"IPv4", "192.0.2.1", domain.ErrIPAddress},
		{"IPv6 in brackets", "[2001:db8::1]", domain.ErrIPAddress},
		{"single label", "intranet", domain.ErrSingleLabel},
		{"top-level domain", "com.", domain.ErrSingleLabel},
		{"ICANN public suffix", "co.uk", domain.ErrPublicSuffix},
		{"private public suffix", "github.io", domain.ErrPublicSuffix},
		{"email provider", "Gmail.com", domain.ErrEmailProvider},
		{"under an email provider", "mail.outlook.com", domain.ErrEmailProvider},
		{"empty label", "a..example.com", domain.ErrInvalidName},
		{"leading hyphen", "-a.example.com", domain.ErrInvalidName},
		{"underscore", "a_b.example.com", domain.ErrInvalidName},
		{"long label", strings.Repeat("a", 64) + ".example.com", domain.ErrInvalidName},
		{"space inside", "exa mple.com", domain.ErrInvalidName},
		{"numeric TLD", "example.123", domain.ErrInvalidName},
		{"invalid punycode", "xn--zz.example", domain.ErrInvalidName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Add(ctx, "org_a", tt.domain, domain.AddOptions{})
			if !errors.Is(err, tt.want) {
				t.Errorf("Add(%q) err = %v, want %v", tt.domain, err, tt.want)
			}
		})
	}
	if list, _, _ := f.svc.List(ctx, "org_a", "", 0); len(list) != 0 {
		t.Errorf("refused names were stored: %v", list)
	}
	if _, err := f.svc.Add(ctx, "", "example.com", domain.AddOptions{}); !errors.Is(err, domain.ErrInvalidOrganization) {
		t.Errorf("Add without an organization: %v", err)
	}
}

func TestAddNormalizes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for in, want := range map[string]string{
		" Example.COM. ":   "example.com",
		"Bücher.example":   "xn--bcher-kva.example",
		"xn--bcher-kva.de": "xn--bcher-kva.de",
		"ÉCOLE.example.fr": "xn--cole-9oa.example.fr",
	} {
		d, err := f.svc.Add(ctx, "org_a", in, domain.AddOptions{})
		if err != nil || d.Name != want {
			t.Errorf("Add(%q) = %q, %v; want %q", in, d.Name, err, want)
		}
	}
}

func TestChallenge(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := f.add(t, "org_a", "example.com", false)
	c := f.svc.Challenge(d)
	if c.RecordType != "TXT" || c.RecordName != "_gatehouse-challenge.example.com" {
		t.Errorf("challenge record = %s %s", c.RecordType, c.RecordName)
	}
	token := strings.TrimPrefix(c.RecordValue, domain.DefaultValuePrefix)
	if len(token) < 26 || token == c.RecordValue { // 26 base32 characters hold 130 bits
		t.Errorf("challenge value %q has a token shorter than 128 bits", c.RecordValue)
	}
	if want := f.clock.now().Add(7 * 24 * time.Hour); !c.ExpiresAt.Equal(want) {
		t.Errorf("challenge expires at %v, want %v", c.ExpiresAt, want)
	}
	other := f.add(t, "org_b", "example.com", false)
	if other.ChallengeToken == d.ChallengeToken {
		t.Error("two claims got the same token")
	}
}

func TestAddConflicts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addVerified(t, "org_a", "example.com", false)
	if _, err := f.svc.Add(ctx, "org_b", "EXAMPLE.com", domain.AddOptions{}); !errors.Is(err, domain.ErrClaimed) {
		t.Errorf("another organization's Add of a verified domain: %v, want ErrClaimed", err)
	}
	if _, err := f.svc.Add(ctx, "org_a", "example.com", domain.AddOptions{}); !errors.Is(err, domain.ErrDuplicate) {
		t.Errorf("second Add by the holder: %v, want ErrDuplicate", err)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := f.add(t, "org_a", "example.com", false)
	name, value := f.svc.Challenge(d).RecordName, f.svc.Challenge(d).RecordValue
	// The value split into several character-strings, among other records
	// long enough that the answer needs TCP.
	var records [][]string
	for range 6 {
		records = append(records, []string{strings.Repeat("v=other ", 30), strings.Repeat("x", 200)})
	}
	records = append(records, []string{value[:10], value[10:20], value[20:]})
	f.dns.SetTXT(name, records...)

	got, err := f.svc.Verify(ctx, "org_a", d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != domain.StatusVerified || !got.VerifiedAt.Equal(f.clock.now()) {
		t.Errorf("after Verify: status %s, verified at %v", got.Status, got.VerifiedAt)
	}
	if _, err := f.svc.Verify(ctx, "org_b", d.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Verify through another organization: %v", err)
	}
}

func TestVerifyFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(f *fixture, d domain.Domain)
		want  error
	}{
		{"NXDOMAIN", func(*fixture, domain.Domain) {}, domain.ErrRecordNotFound},
		{"wrong value", func(f *fixture, d domain.Domain) {
			f.dns.SetTXT(f.svc.Challenge(d).RecordName, []string{"gatehouse-domain-verification=guess"})
		}, domain.ErrRecordMismatch},
		{"record at the bare domain", func(f *fixture, d domain.Domain) {
			f.dns.SetTXT(d.Name, []string{f.svc.Challenge(d).RecordValue})
		}, domain.ErrRecordNotFound},
		{"SERVFAIL", func(f *fixture, d domain.Domain) {
			f.dns.Fail(f.svc.Challenge(d).RecordName, dns.RcodeServerFailure)
		}, domain.ErrDNSServerFailure},
		{"REFUSED", func(f *fixture, d domain.Domain) {
			f.dns.Fail(f.svc.Challenge(d).RecordName, dns.RcodeRefused)
		}, domain.ErrDNSServerFailure},
		{"no answer", func(f *fixture, d domain.Domain) {
			f.dns.Blackhole(f.svc.Challenge(d).RecordName)
		}, domain.ErrDNSTimeout},
		{"expired challenge", func(f *fixture, d domain.Domain) {
			f.publish(d)
			f.clock.advance(7*24*time.Hour + time.Second)
		}, domain.ErrChallengeExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			d := f.add(t, "org_a", "example.com", false)
			tt.setup(f, d)
			got, err := f.svc.Verify(ctx, "org_a", d.ID)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify err = %v, want %v", err, tt.want)
			}
			if got.Status != domain.StatusPending {
				t.Errorf("status after a failed Verify = %s", got.Status)
			}
			if _, err := f.svc.Capture(ctx, "user@example.com"); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("a domain whose verification failed captures users: %v", err)
			}
		})
	}
}

func TestVerifyFailureIsRecorded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := f.add(t, "org_a", "example.com", false)
	got, err := f.svc.Verify(ctx, "org_a", d.ID)
	if err == nil {
		t.Fatal("Verify without a record succeeded")
	}
	if got.LastError == "" || !got.LastCheckedAt.Equal(f.clock.now()) {
		t.Errorf("failed Verify not recorded on the domain: %+v", got)
	}
	want := []domain.EventType{domain.EventAdded, domain.EventVerificationFailed}
	if got := f.eventTypes(t); !equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
}

func TestRegenerateChallenge(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := f.add(t, "org_a", "example.com", false)
	f.publish(d) // the old token's record
	f.clock.advance(8 * 24 * time.Hour)
	fresh, err := f.svc.RegenerateChallenge(ctx, "org_a", d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.ChallengeToken == d.ChallengeToken || !fresh.ChallengeExpiresAt.After(f.clock.now()) {
		t.Fatalf("regenerated challenge: %+v", fresh)
	}
	if _, err := f.svc.Verify(ctx, "org_a", d.ID); !errors.Is(err, domain.ErrRecordMismatch) {
		t.Errorf("Verify with the old token's record: %v, want ErrRecordMismatch", err)
	}
	f.publish(fresh)
	if _, err := f.svc.Verify(ctx, "org_a", d.ID); err != nil {
		t.Errorf("Verify with the new token: %v", err)
	}
	if _, err := f.svc.RegenerateChallenge(ctx, "org_a", d.ID); !errors.Is(err, domain.ErrAlreadyVerified) {
		t.Errorf("RegenerateChallenge of a verified domain: %v", err)
	}
}

func TestRecheckLapsesAndHandsOver(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.addVerified(t, "org_a", "example.com", false)
	day := 24 * time.Hour

	// Checks that pass keep the domain verified.
	f.clock.advance(day + time.Second)
	if r, err := f.svc.Recheck(ctx, 0); err != nil || r.Checked != 1 || r.Passed != 1 {
		t.Fatalf("first Recheck = %+v, %v", r, err)
	}
	// Not due again within the interval.
	if r, _ := f.svc.Recheck(ctx, 0); r.Checked != 0 {
		t.Errorf("Recheck within the interval checked %d domains", r.Checked)
	}

	f.dns.Remove(f.svc.Challenge(a).RecordName)
	for i := 1; i <= domain.DefaultLapseAfter; i++ {
		f.clock.advance(day + time.Second)
		r, err := f.svc.Recheck(ctx, 0)
		if err != nil || r.Failed != 1 {
			t.Fatalf("Recheck %d = %+v, %v", i, r, err)
		}
		if lapsed := i == domain.DefaultLapseAfter; (r.Lapsed == 1) != lapsed {
			t.Errorf("Recheck %d lapsed = %d", i, r.Lapsed)
		}
	}
	got, _ := f.svc.Get(ctx, "org_a", a.ID)
	if got.Status != domain.StatusLapsed || got.ConsecutiveFailures != domain.DefaultLapseAfter {
		t.Fatalf("after %d failures: %+v", domain.DefaultLapseAfter, got)
	}
	if _, err := f.svc.Capture(ctx, "someone@example.com"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("a lapsed domain still captures: %v", err)
	}

	// Another organization that proves control takes the domain over.
	b := f.addVerified(t, "org_b", "example.com", false)
	if d, err := f.svc.Capture(ctx, "someone@example.com"); err != nil || d.ID != b.ID {
		t.Errorf("Capture after the hand-over = %v, %v; want org_b's domain", d.OrganizationID, err)
	}
	want := []domain.EventType{domain.EventAdded, domain.EventVerified,
		domain.EventVerificationFailed, domain.EventVerificationFailed, domain.EventVerificationFailed,
		domain.EventLapsed, domain.EventAdded, domain.EventVerified}
	if got := f.eventTypes(t); !equal(got, want) {
		t.Errorf("events:\n got %v\nwant %v", got, want)
	}
}

func TestRecheckRecovers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.addVerified(t, "org_a", "example.com", false)
	f.dns.Fail(f.svc.Challenge(a).RecordName, dns.RcodeServerFailure)
	f.clock.advance(25 * time.Hour)
	if r, _ := f.svc.Recheck(ctx, 0); r.Failed != 1 {
		t.Fatalf("Recheck during SERVFAIL = %+v", r)
	}
	f.publish(a)
	f.clock.advance(25 * time.Hour)
	if r, _ := f.svc.Recheck(ctx, 0); r.Passed != 1 {
		t.Fatalf("Recheck after recovery = %+v", r)
	}
	if got, _ := f.svc.Get(ctx, "org_a", a.ID); got.ConsecutiveFailures != 0 || got.Status != domain.StatusVerified {
		t.Errorf("after recovery: %+v", got)
	}
}

func TestCapture(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addVerified(t, "org_parent", "example.com", true)
	f.addVerified(t, "org_eu", "eu.example.com", false)
	f.addVerified(t, "org_exact", "exact.example", false)
	f.add(t, "org_pending", "pending.example", true)

	tests := []struct {
		address string
		want    string // organization, "" for none
	}{
		{"alice@example.com", "org_parent"},
		{"Alice@EXAMPLE.com.", "org_parent"},
		{"bob@eu.example.com", "org_eu"},
		{"carol@x.eu.example.com", "org_parent"}, // eu.example.com did not opt in for subdomains
		{"dave@us.example.com", "org_parent"},
		{"us.example.com", "org_parent"},
		{"erin@exact.example", "org_exact"},
		{"frank@sub.exact.example", ""},
		{"grace@pending.example", ""},
		{"heidi@unrelated.example", ""},
		{"ivan@gmail.com", ""},
		{"a@b@example.com", "org_parent"}, // the domain is what follows the last @
	}
	for _, tt := range tests {
		got, err := f.svc.OrganizationForEmail(ctx, tt.address)
		if err != nil || got != tt.want {
			t.Errorf("OrganizationForEmail(%q) = %q, %v; want %q", tt.address, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "@example.com", "alice@", "alice@192.0.2.1", "alice@intranet"} {
		if _, err := f.svc.Capture(ctx, bad); err == nil || errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Capture(%q) err = %v, want a validation error", bad, err)
		}
	}
}

func TestMostSpecificWinsWithSubdomains(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addVerified(t, "org_parent", "example.com", true)
	f.addVerified(t, "org_eu", "eu.example.com", true)
	if got, _ := f.svc.OrganizationForEmail(ctx, "x@a.b.eu.example.com"); got != "org_eu" {
		t.Errorf("deep subdomain captured by %q, want org_eu", got)
	}
}

func TestRemoveStopsCapture(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := f.addVerified(t, "org_a", "example.com", false)
	if err := f.svc.Remove(ctx, "org_b", d.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Remove through another organization: %v", err)
	}
	if err := f.svc.Remove(ctx, "org_a", d.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.OrganizationForEmail(ctx, "a@example.com"); got != "" {
		t.Errorf("a removed domain captures for %q", got)
	}
}

func TestEmailProvidersConfig(t *testing.T) {
	t.Parallel()
	svc, err := domain.New(domain.Config{
		Store:          domain.NewMemoryStore(),
		EmailProviders: append(domain.DefaultEmailProviders(), "corp-mail.example"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CheckClaimable("corp-mail.example"); !errors.Is(err, domain.ErrEmailProvider) {
		t.Errorf("an added provider is claimable: %v", err)
	}
	open, _ := domain.New(domain.Config{Store: domain.NewMemoryStore(), EmailProviders: []string{}})
	if _, err := open.CheckClaimable("gmail.com"); err != nil {
		t.Errorf("with an empty provider list, gmail.com is refused: %v", err)
	}
	if _, err := domain.New(domain.Config{Store: domain.NewMemoryStore(), EmailProviders: []string{"not a name"}}); err == nil {
		t.Error("New accepted a malformed provider")
	}
	if _, err := domain.New(domain.Config{}); err == nil {
		t.Error("New without a Store succeeded")
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
