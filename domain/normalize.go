package domain

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Errors of [Normalize] and [NormalizeEmail]. Each returned error wraps one
// of them and names the input.
var (
	// ErrInvalidName means the input is not a well-formed domain name.
	ErrInvalidName = errors.New("domain: not a valid domain name")
	// ErrIPAddress means the input is an IP address.
	ErrIPAddress = errors.New("domain: an IP address is not a domain")
	// ErrSingleLabel means the input has one label, such as "localhost".
	ErrSingleLabel = errors.New("domain: a single-label name cannot be verified")
	// ErrPublicSuffix means the name is on the Public Suffix List.
	ErrPublicSuffix = errors.New("domain: a public suffix cannot be verified")
	// ErrEmailProvider means the name belongs to a public email provider.
	ErrEmailProvider = errors.New("domain: a public email provider's domain cannot be claimed")
	// ErrInvalidAddress means the input is not an email address.
	ErrInvalidAddress = errors.New("domain: not a valid email address")
)

// Limits on names, from RFC 1035.
const (
	maxNameLen  = 253
	maxLabelLen = 63
)

// idnaProfile turns internationalized names into their ASCII (punycode)
// form with the checks that a registry applies to a lookup name.
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
	idna.StrictDomainName(true),
	idna.VerifyDNSLength(true),
)

// Normalize returns the canonical form of a domain name: spaces trimmed,
// lowercase, without a trailing dot, with internationalized labels in
// punycode (so "Bücher.example" becomes "xn--bcher-kva.example"). It
// refuses, with errors that wrap [ErrInvalidName], [ErrIPAddress] and
// [ErrSingleLabel], names that could never be verified. It does not refuse
// public suffixes or email providers: [CheckClaimable] does.
func Normalize(name string) (string, error) {
	s := strings.TrimSpace(name)
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", fmt.Errorf("%w: the name is empty", ErrInvalidName)
	}
	if len(s) > 4*maxNameLen {
		return "", fmt.Errorf("%w: the name is too long", ErrInvalidName)
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: the name is not valid UTF-8", ErrInvalidName)
	}
	if isIP(s) {
		return "", fmt.Errorf("%w: %q", ErrIPAddress, s)
	}
	if !isSimpleASCII(s) || hasACELabel(s) {
		ascii, err := idnaProfile.ToASCII(s)
		if err == nil {
			// A name that converts must convert to itself again; some
			// inputs map to labels that are not valid on their own.
			var again string
			if again, err = idnaProfile.ToASCII(ascii); err == nil && again != ascii {
				err = fmt.Errorf("unstable conversion to %q", again)
			}
		}
		if err != nil {
			return "", fmt.Errorf("%w: %q: %v", ErrInvalidName, s, err)
		}
		s = ascii
	} else {
		s = strings.ToLower(s)
	}
	if err := checkLabels(s); err != nil {
		return "", err
	}
	return s, nil
}

// isSimpleASCII reports whether s holds only letters, digits, hyphens and
// dots, so that lowercasing is all the normalization it needs.
func isSimpleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && !(c >= '0' && c <= '9') && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// hasACELabel reports whether a label of s starts with the punycode
// prefix "xn--", in any case: such a label must be checked by IDNA.
func hasACELabel(s string) bool {
	for i := 0; i+4 <= len(s); i++ {
		if (i == 0 || s[i-1] == '.') && (s[i]|0x20) == 'x' && (s[i+1]|0x20) == 'n' && s[i+2] == '-' && s[i+3] == '-' {
			return true
		}
	}
	return false
}

func onlyDigitsAndDots(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return false
		}
	}
	return true
}

// isIP reports whether s is an IPv4 or IPv6 address, bracketed or not.
// Only strings that could be one are parsed: the parser's error allocates,
// and names are checked on the hot path of capture.
func isIP(s string) bool {
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	if !strings.Contains(s, ":") && !onlyDigitsAndDots(s) {
		return false
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// checkLabels checks an ASCII name's length and labels (letters, digits
// and inner hyphens, at most 63 bytes each) and refuses single labels and
// all-numeric top-level labels. It does not allocate unless it fails.
func checkLabels(s string) error {
	if len(s) > maxNameLen {
		return fmt.Errorf("%w: %q is longer than %d characters", ErrInvalidName, s, maxNameLen)
	}
	if !strings.Contains(s, ".") {
		return fmt.Errorf("%w: %q", ErrSingleLabel, s)
	}
	for rest, more := s, true; more; {
		var label string
		label, rest, more = strings.Cut(rest, ".")
		if label == "" || len(label) > maxLabelLen || label[0] == '-' || label[len(label)-1] == '-' ||
			!isSimpleASCII(label) {
			return fmt.Errorf("%w: %q has a malformed label %q", ErrInvalidName, s, label)
		}
		if !more && onlyDigitsAndDots(label) {
			return fmt.Errorf("%w: %q has a numeric top-level label", ErrInvalidName, s)
		}
	}
	return nil
}

// NormalizeEmail splits an email address at its last @ and returns the
// local part as given and the normalized domain ([Normalize]).
func NormalizeEmail(email string) (local, domain string, err error) {
	email = strings.TrimSpace(email)
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 {
		return "", "", fmt.Errorf("%w: %q has no local part and domain", ErrInvalidAddress, email)
	}
	domain, err = Normalize(email[at+1:])
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", ErrInvalidAddress, err)
	}
	return email[:at], domain, nil
}

// IsPublicSuffix reports whether a normalized name is a public suffix,
// such as "com", "co.uk" or a shared hosting suffix like "github.io", on
// the Public Suffix List.
func IsPublicSuffix(name string) bool {
	_, err := publicsuffix.EffectiveTLDPlusOne(name)
	return err != nil
}

//go:embed free_email_providers.txt
var freeEmailProvidersFile string

// DefaultEmailProviders returns the embedded list of common public email
// providers' domains, such as gmail.com and outlook.com, which no
// organization may claim. The returned slice is a new copy.
func DefaultEmailProviders() []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(freeEmailProvidersFile))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// providerSet is a set of email provider domains; a name under one of
// them (mail.gmail.com) belongs to the provider too.
type providerSet map[string]bool

func newProviderSet(names []string) (providerSet, error) {
	set := providerSet{}
	for _, n := range names {
		norm, err := Normalize(n)
		if err != nil {
			return nil, fmt.Errorf("email provider %q: %w", n, err)
		}
		set[norm] = true
	}
	return set, nil
}

func (p providerSet) holds(name string) bool {
	for {
		if p[name] {
			return true
		}
		_, rest, ok := strings.Cut(name, ".")
		if !ok {
			return false
		}
		name = rest
	}
}
