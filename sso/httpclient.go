package sso

import (
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"
)

// publicClient returns the default HTTP client of the service: it fetches
// metadata and talks to OIDC providers only on public addresses, because
// those URLs come from organization admins, and a URL that points into the
// host's own network (a cloud metadata service, an internal admin API)
// would let an admin probe it. The check runs on the address actually
// dialed, after DNS resolution, so a name that resolves to a private
// address is refused as well.
func publicClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: refusePrivate}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DialContext = dialer.DialContext
	transport.Proxy = nil
	return &http.Client{Timeout: 10 * time.Second, Transport: transport}
}

func refusePrivate(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip := net.ParseIP(host)
	if ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() ||
		ip.IsUnspecified() {
		return fmt.Errorf("sso: %s is not a public address (set Config.HTTPClient to reach it)", host)
	}
	return nil
}
