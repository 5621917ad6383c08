package audit

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// RequestContext builds an event's [Context] from an HTTP request. The
// zero value trusts no proxy: the IP is the peer's address.
type RequestContext struct {
	// TrustedProxies lists the networks of the host's own proxies and
	// load balancers. Only when the peer is in one of them is the
	// X-Forwarded-For header read, from the right, skipping trusted
	// addresses; the first untrusted address is the client.
	//
	// SAFETY: list only proxies that overwrite or append to
	// X-Forwarded-For. A client can put any address in the header, so
	// trusting a network that forwards it unchanged lets callers choose
	// the IP that the audit log records.
	TrustedProxies []netip.Prefix
	// RequestIDHeader names the header that carries the request ID;
	// empty means "X-Request-Id".
	RequestIDHeader string
}

// FromRequest returns the IP address, user agent and request ID of r.
func (rc RequestContext) FromRequest(r *http.Request) Context {
	h := rc.RequestIDHeader
	if h == "" {
		h = "X-Request-Id"
	}
	return Context{
		IP:        addrString(rc.clientIP(r)),
		UserAgent: truncate(r.UserAgent(), MaxStringLen),
		RequestID: truncate(r.Header.Get(h), MaxStringLen),
	}
}

func (rc RequestContext) clientIP(r *http.Request) netip.Addr {
	peer := parseAddr(r.RemoteAddr)
	if !rc.trusted(peer) {
		return peer
	}
	hops := forwardedFor(r.Header.Values("X-Forwarded-For"))
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break // a malformed hop: stop at the last address we could trust
		}
		client = a
		if !rc.trusted(client) {
			break
		}
	}
	return client
}

// parseHop reads one X-Forwarded-For entry: an address, possibly with a
// port, IPv6 possibly in brackets.
func parseHop(h string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

func (rc RequestContext) trusted(a netip.Addr) bool {
	for _, p := range rc.TrustedProxies {
		if a.IsValid() && p.Contains(a) {
			return true
		}
	}
	return false
}

func forwardedFor(values []string) []string {
	var hops []string
	for _, v := range values {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	return hops
}

func parseAddr(hostport string) netip.Addr {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") // drops a rune cut in half
}

type actorKey struct{}

// WithActor returns a copy of ctx that carries the actor, for the host's
// authentication middleware to call; [Service.Record] takes the actor of
// an event that has none from its context.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor that [WithActor] put in ctx.
func ActorFromContext(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
