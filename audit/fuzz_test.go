package audit_test

import (
	"bytes"
	"context"
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
