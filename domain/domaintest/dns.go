package domaintest

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// DNSServer is an authoritative DNS server on loopback, over UDP and TCP
// on the same port, that serves TXT records set by the test. Names it has
// no records for are answered NXDOMAIN. Its methods are safe for
// concurrent use.
type DNSServer struct {
	addr    string
	mu      sync.Mutex
	txt     map[string][][]string // name to records, each a list of strings
	fail    map[string]int        // name to an rcode such as SERVFAIL
	silent  map[string]bool       // names whose queries get no answer
	servers []*dns.Server
}

// NewDNSServer starts a DNS server on 127.0.0.1 and stops it when t ends.
func NewDNSServer(t testing.TB) *DNSServer {
	t.Helper()
	s := &DNSServer{txt: map[string][][]string{}, fail: map[string]int{}, silent: map[string]bool{}}
	var (
		udp net.PacketConn
		tcp net.Listener
		err error
	)
	for range 20 { // the TCP port must match the UDP one; retry if it is taken
		udp, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		tcp, err = net.Listen("tcp", udp.LocalAddr().String())
		if err == nil {
			break
		}
		udp.Close()
	}
	if err != nil {
		t.Fatalf("domaintest: no port free for both UDP and TCP: %v", err)
	}
	s.addr = udp.LocalAddr().String()
	s.servers = []*dns.Server{
		{PacketConn: udp, Handler: s},
		{Listener: tcp, Handler: s},
	}
	for _, srv := range s.servers {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
	}
	t.Cleanup(func() {
		for _, srv := range s.servers {
			_ = srv.Shutdown()
		}
	})
	return s
}

// Addr returns the server's host:port, for [domain.NewNetResolver].
func (s *DNSServer) Addr() string { return s.addr }

// SetTXT replaces the TXT records at name. Each record is given as the
// list of its character-strings (at most 255 bytes each), so that a long
// value split into several strings can be served as a resolver would
// meet it.
func (s *DNSServer) SetTXT(name string, records ...[]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := fqdn(name)
	delete(s.fail, key)
	delete(s.silent, key)
	s.txt[key] = records
}

// Fail makes queries for name get the given response code, such as
// dns.RcodeServerFailure or dns.RcodeRefused.
func (s *DNSServer) Fail(name string, rcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[fqdn(name)] = rcode
}

// Blackhole makes the server never answer queries for name, so that
// lookups time out.
func (s *DNSServer) Blackhole(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.silent[fqdn(name)] = true
}

// Remove deletes what was set for name; it is answered NXDOMAIN again.
func (s *DNSServer) Remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := fqdn(name)
	delete(s.txt, key)
	delete(s.fail, key)
	delete(s.silent, key)
}

// ServeDNS implements dns.Handler.
func (s *DNSServer) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 {
		m := new(dns.Msg)
		_ = w.WriteMsg(m.SetRcode(req, dns.RcodeFormatError))
		return
	}
	q := req.Question[0]
	key := strings.ToLower(q.Name)
	s.mu.Lock()
	silent := s.silent[key]
	rcode, hasFail := s.fail[key]
	records, exists := s.txt[key]
	s.mu.Unlock()

	if silent {
		return
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	switch {
	case hasFail:
		m.Rcode = rcode
	case !exists:
		m.Rcode = dns.RcodeNameError
	case q.Qtype == dns.TypeTXT:
		for _, r := range records {
			m.Answer = append(m.Answer, &dns.TXT{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60},
				Txt: r,
			})
		}
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		m.Truncate(dnsUDPSize(req))
	}
	_ = w.WriteMsg(m)
}

func dnsUDPSize(req *dns.Msg) int {
	if opt := req.IsEdns0(); opt != nil {
		return int(opt.UDPSize())
	}
	return dns.MinMsgSize
}

func fqdn(name string) string { return dns.Fqdn(strings.ToLower(name)) }
