package domain_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/domain"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		err      error
	}{
		{in: "example.com", want: "example.com"},
		{in: "  WWW.Example.COM.  ", want: "www.example.com"},
		{in: "münchen.de", want: "xn--mnchen-3ya.de"},
		{in: "XN--MNCHEN-3YA.DE", want: "xn--mnchen-3ya.de"},
		{in: "例え.テスト", want: "xn--r8jz45g.xn--zckzah"},
		{in: "example.com..", err: domain.ErrInvalidName},
		{in: ".example.com", err: domain.ErrInvalidName},
		{in: "exa_mple.com", err: domain.ErrInvalidName},
		{in: "example-.com", err: domain.ErrInvalidName},
		{in: "127.0.0.1", err: domain.ErrIPAddress},
		{in: "::1", err: domain.ErrIPAddress},
		{in: "[::ffff:10.0.0.1]", err: domain.ErrIPAddress},
		{in: "1.2.3", err: domain.ErrInvalidName},
		{in: "com", err: domain.ErrSingleLabel},
		{in: strings.Repeat("a.", 127) + "com", err: domain.ErrInvalidName},
	}
	for _, tt := range tests {
		got, err := domain.Normalize(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("Normalize(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestIsPublicSuffix(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"com": true, "co.uk": true, "github.io": true, "blogspot.com": true,
		"example.com": false, "example.co.uk": false, "me.github.io": false,
	} {
		if got := domain.IsPublicSuffix(name); got != want {
			t.Errorf("IsPublicSuffix(%q) = %v", name, got)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, seed := range []string{"example.com", "Bücher.example.", "xn--bcher-kva.example", "[::1]",
		"a..b", "user@example.com", "a@b@c.example", " ", "\x00.com", "ﬀ.example", "xn--.com"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := domain.Normalize(in)
		if err == nil {
			if again, err := domain.Normalize(got); err != nil || again != got {
				t.Fatalf("Normalize is not idempotent: %q -> %q -> %q, %v", in, got, again, err)
			}
			if len(got) > 253 || !strings.Contains(got, ".") || got != strings.ToLower(got) {
				t.Fatalf("Normalize(%q) = %q, not a lowercase multi-label name of at most 253 bytes", in, got)
			}
			for i := 0; i < len(got); i++ {
				if got[i] >= utf8.RuneSelf {
					t.Fatalf("Normalize(%q) = %q is not ASCII", in, got)
				}
			}
		}
		if _, d, err := domain.NormalizeEmail(in); err == nil {
			at := strings.LastIndexByte(strings.TrimSpace(in), '@')
			want, werr := domain.Normalize(strings.TrimSpace(in)[at+1:])
			if werr != nil || d != want {
				t.Fatalf("NormalizeEmail(%q) domain %q, Normalize of its domain %q, %v", in, d, want, werr)
			}
		}
	})
}
