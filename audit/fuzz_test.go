package audit_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/gatehouse/gatehouse/audit"
)

func FuzzParseCheckpoint(f *testing.F) {
	s, _ := newService(f, audit.Config{})
	recordN(f, s, "org_1", 0, 3, nil)
	good, err := s.Checkpoint(context.Background(), "org_1")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(bytes.Replace(good, []byte("\n3\n"), []byte("\n-3\n"), 1))
	f.Add([]byte("o\n1\nAAAA\n2026-01-01T00:00:00Z\n\n— gatehouse-audit AAAA\n"))
	f.Add([]byte{})
	v := verifier(f, s)
	f.Fuzz(func(t *testing.T, msg []byte) {
		cp, err := audit.ParseCheckpoint(msg, v)
		if err != nil {
			return
		}
		if !bytes.Equal(msg, good) && cp.Size != 3 {
			t.Errorf("accepted a checkpoint the key did not sign: %+v", cp)
		}
	})
}

func FuzzVerify(f *testing.F) {
	s, _ := newService(f, audit.Config{})
	recordN(f, s, "org_1", 0, 5, nil)
	honest := export(f, s, "org_1", audit.ExportOptions{})
	f.Add(honest)
	f.Add(honest[:len(honest)/2])
	f.Add(bytes.Replace(honest, []byte(`"index":2`), []byte(`"index":99999999999999999999999`), 1))
	f.Add([]byte("{}\n{\"index\":1}\n"))
	v := verifier(f, s)
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := audit.Verify(bytes.NewReader(data), v, nil)
		if err != nil {
			return
		}
		if rep.OK() && !bytes.Equal(data, honest) && rep.Events != 5 {
			t.Errorf("verified a changed export with %d events", rep.Events)
		}
	})
}

func FuzzUnmarshalCanonical(f *testing.F) {
	s, st := newService(f, audit.Config{})
	e := goodEvent()
	e.Metadata["nested"] = map[string]any{"a": []any{1, "x", nil}}
	if err := s.Record(context.Background(), e); err != nil {
		f.Fatal(err)
	}
	leaves, _ := st.Leaves(context.Background(), "org_1", 0, 1)
	f.Add(leaves[0].Data)
	f.Add([]byte(`{"v":1,"id":"x","org":"o","action":"a","time":"2026-01-01T00:00:00.000000Z"}`))
	f.Add([]byte(`{"v":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := audit.UnmarshalCanonical(data)
		if err != nil {
			return
		}
		once, err := audit.MarshalCanonical(&ev)
		if err != nil {
			return // values such as huge numbers that do not encode back
		}
		again, err := audit.UnmarshalCanonical(once)
		if err != nil {
			t.Fatalf("canonical output does not decode: %v\n%s", err, once)
		}
		twice, _ := audit.MarshalCanonical(&again)
		if !bytes.Equal(once, twice) {
			t.Errorf("encoding is not stable:\n%s\n%s", once, twice)
		}
	})
}

func FuzzRequestContext(f *testing.F) {
	f.Add("10.0.0.1:80", "198.51.100.1, 10.0.0.2")
	f.Add("203.0.113.5:1", "1.2.3.4")
	f.Add("[::1]:9", "[2001:db8::1]:80, garbage, ")
	rc := audit.RequestContext{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		c := rc.FromRequest(r)
		if c.IP == "" {
			return
		}
		a, err := netip.ParseAddr(c.IP)
		if err != nil {
			t.Fatalf("IP %q does not parse", c.IP)
		}
		if peer, err := netip.ParseAddrPort(remote); err == nil && !rc.TrustedProxies[0].Contains(peer.Addr().Unmap()) && a != peer.Addr().Unmap() {
			t.Errorf("untrusted peer %s, but IP %s from the header", remote, a)
		}
	})
}
