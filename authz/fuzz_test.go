package authz

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseDSL checks that the parser never panics and that whatever it
// accepts survives a JSON round trip unchanged and valid.
func FuzzParseDSL(f *testing.F) {
	files, _ := filepath.Glob("testdata/models/*.fga")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err == nil {
			f.Add(string(b))
		}
	}
	f.Add("model\n schema 1.1\ntype user\ntype d\n relations\n  define a: ([user] or a) but not (a and a)")
	f.Fuzz(func(t *testing.T, src string) {
		m, err := ParseDSL(src)
		if err != nil {
			return
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var back Model
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if err := back.Validate(); err != nil {
			t.Fatalf("round trip invalid: %v\n%s", err, b)
		}
		b2, _ := json.Marshal(back)
		var x, y any
		_ = json.Unmarshal(b, &x)
		_ = json.Unmarshal(b2, &y)
		if string(mustJSON(x)) != string(mustJSON(y)) {
			t.Fatalf("round trip changed the model:\n%s\n%s", b, b2)
		}
	})
}

// FuzzModelJSON checks that decoding and validating any JSON never panics.
func FuzzModelJSON(f *testing.F) {
	files, _ := filepath.Glob("testdata/models/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Model
		if json.Unmarshal(b, &m) == nil {
			_ = m.Validate()
		}
	})
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
