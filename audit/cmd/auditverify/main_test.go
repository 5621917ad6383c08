package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/audit"
)

// logFiles records a small log and writes its export, the verifier key
// and a kept checkpoint into a temporary directory.
func logFiles(t *testing.T) (dir string, export []byte, key string) {
	t.Helper()
	ctx := context.Background()
	svc, err := audit.New(audit.Config{Store: audit.NewMemoryStore(),
		Signer: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32))})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		e := audit.Event{OrganizationID: "org_1", Action: "doc.read",
			Actor: audit.Actor{Type: "user", ID: "user_1"}, Metadata: map[string]any{"n": i}}
		if err := svc.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			cp, _ := svc.Checkpoint(ctx, "org_1")
			dir = t.TempDir()
			os.WriteFile(filepath.Join(dir, "kept.note"), cp, 0o600)
		}
	}
	var b bytes.Buffer
	if err := svc.Export(ctx, &b, "org_1", audit.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "export.jsonl"), b.Bytes(), 0o600)
	os.WriteFile(filepath.Join(dir, "key.txt"), []byte(svc.VerifierKey()+"\n"), 0o600)
	return dir, b.Bytes(), svc.VerifierKey()
}

func TestRun(t *testing.T) {
	t.Parallel()
	dir, export, key := logFiles(t)
	tampered := bytes.Replace(export, []byte(`"n":2`), []byte(`"n":7`), 1)
	os.WriteFile(filepath.Join(dir, "tampered.jsonl"), tampered, 0o600)
	other, err := audit.New(audit.Config{Store: audit.NewMemoryStore(),
		Signer: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{4}, 32))})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		stdin []byte
		code  int
		out   string
	}{
		{"verified", []string{"-key", key, "-kept", filepath.Join(dir, "kept.note"),
			filepath.Join(dir, "export.jsonl")}, nil, 0, "VERIFIED"},
		{"key from a file, export from stdin", []string{"-key", "@" + filepath.Join(dir, "key.txt"), "-"},
			export, 0, "VERIFIED"},
		{"tampered", []string{"-key", key, filepath.Join(dir, "tampered.jsonl")}, nil, 1, "PROBLEM modified"},
		{"wrong key", []string{"-key", other.VerifierKey(), "-"}, export, 1,
			"PROBLEM bad_checkpoint"},
		{"malformed key", []string{"-key", "nonsense", "-"}, export, 2, ""},
		{"json", []string{"-json", "-key", key, filepath.Join(dir, "tampered.jsonl")}, nil, 1,
			`"kind": "modified"`},
		{"json verified", []string{"-json", "-key", key, "-kept", filepath.Join(dir, "kept.note"),
			filepath.Join(dir, "export.jsonl")}, nil, 0, `"ok": true`},
		{"no export named", []string{"-key", key}, nil, 2, ""},
		{"missing file", []string{"-key", key, filepath.Join(dir, "nope")}, nil, 2, ""},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, bytes.NewReader(tc.stdin), &stdout, &stderr)
		if code != tc.code || !strings.Contains(stdout.String(), tc.out) {
			t.Errorf("%s: exit %d, want %d; stdout:\n%s\nstderr: %s", tc.name, code, tc.code, stdout.String(), stderr.String())
		}
	}
}
