package domain

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Resolver looks up DNS TXT records. Each returned string is one record,
// with the character-strings of a record that was split into several
// (each at most 255 bytes) joined in order.
//
// A Resolver reports failures with errors that wrap [ErrRecordNotFound]
// (NXDOMAIN, or a name without TXT records), [ErrDNSServerFailure]
// (SERVFAIL, a refusal or another server error) and [ErrDNSTimeout], so
// that the service can tell the admin what went wrong.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// Lookup failures. Verification errors wrap one of these.
var (
	// ErrRecordNotFound means the challenge name does not exist (NXDOMAIN)
	// or has no TXT records.
	ErrRecordNotFound = errors.New("domain: no TXT record at the challenge name")
	// ErrRecordMismatch means TXT records exist but none holds the value.
	ErrRecordMismatch = errors.New("domain: no TXT record at the challenge name holds the value")
	// ErrDNSServerFailure means the server answered SERVFAIL, REFUSED or
	// another error.
	ErrDNSServerFailure = errors.New("domain: the DNS server failed to answer")
	// ErrDNSTimeout means no answer came in time.
	ErrDNSTimeout = errors.New("domain: the DNS lookup timed out")
	// ErrChallengeExpired means the challenge's deadline has passed.
	ErrChallengeExpired = errors.New("domain: the challenge has expired; regenerate it")
)

// NetResolver is the default [Resolver]: it asks the system's resolver,
// or a given nameserver, through the Go DNS client of package net.
type NetResolver struct {
	r       *net.Resolver
	timeout time.Duration
}

// NewNetResolver returns a resolver that asks nameserver (host:port, such
// as "127.0.0.1:53" or "[2001:db8::1]:53") or, when nameserver is empty,
// the system's configured resolver. Each lookup gives up after timeout (5
// seconds when timeout is zero) unless the context ends earlier.
func NewNetResolver(nameserver string, timeout time.Duration) *NetResolver {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	r := &net.Resolver{PreferGo: true}
	if nameserver != "" {
		r.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, nameserver)
		}
	}
	return &NetResolver{r: r, timeout: timeout}
}

// LookupTXT implements [Resolver].
func (n *NetResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	// A rooted name is looked up as it is, never with the system's search
	// domains appended.
	txt, err := n.r.LookupTXT(ctx, strings.TrimSuffix(name, ".")+".")
	if err == nil {
		return txt, nil
	}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return nil, fmt.Errorf("%w: %s", ErrRecordNotFound, name)
	case errors.As(err, &dnsErr) && dnsErr.IsTimeout, errors.Is(err, context.DeadlineExceeded):
		return nil, fmt.Errorf("%w: %s", ErrDNSTimeout, name)
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		return nil, err
	}
	return nil, fmt.Errorf("%w: %s: %v", ErrDNSServerFailure, name, err)
}
