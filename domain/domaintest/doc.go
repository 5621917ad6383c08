// Package domaintest holds what a host needs to test code that uses package
// domain: [TestStore], the conformance suite that every [domain.Store]
// passes, and [DNSServer], a DNS server on loopback that serves the
// challenge records a test sets.
//
// In a host's tests:
//
//	func TestMyStore(t *testing.T) {
//		domaintest.TestStore(t, func(t *testing.T) domain.Store { return newMyStore(t) })
//	}
//
//	func TestVerify(t *testing.T) {
//		dns := domaintest.NewDNSServer(t)
//		dns.SetTXT("_gatehouse-challenge.acme.example", []string{token})
//		svc, _ := domain.New(domain.Config{Store: domain.NewMemoryStore(),
//			Resolver: domain.NewNetResolver(dns.Addr(), 0)})
//		...
//	}
package domaintest
