package authz

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseDSL checks that the parser never panics and that whatever it
// accepts survives a JSON round trip unchanged and valid.
func FuzzParseDSL(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.fga") // valid and invalid models
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

// FuzzCheck sends arbitrary objects, relations and users to Check and
// ListObjects: they must answer or refuse, never panic, and never allow
// what no tuple grants.
func FuzzCheck(f *testing.F) {
	s, org := mustService(f, "drive.fga", tup("document:a", "viewer", "user:anne"))
	f.Add("document:a", "viewer", "user:anne")
	f.Add("document:a", "viewer", "user:*")
	f.Add("document:a#viewer", "viewer", "group:x#member#x")
	f.Add("document:", "can_view", ":anne")
	f.Fuzz(func(t *testing.T, object, relation, user string) {
		ctx := context.Background()
		ok, err := s.Check(ctx, org, CheckRequest{Object: object, Relation: relation, User: user})
		if ok && (err != nil || object != "document:a" || user != "user:anne") {
			t.Fatalf("Check(%q, %q, %q) = %v, %v", object, relation, user, ok, err)
		}
		typ, _, _ := strings.Cut(object, ":")
		p, err := s.ListObjects(ctx, org, ListObjectsRequest{Type: typ, Relation: relation, User: user})
		if err == nil && len(p.Items) > 1 {
			t.Fatalf("ListObjects(%q, %q, %q) = %v", typ, relation, user, p.Items)
		}
		u, err := s.ListUsers(ctx, org, ListUsersRequest{Object: object, Relation: relation, UserType: user})
		if err == nil && len(u.Items) > 1 {
			t.Fatalf("ListUsers(%q, %q, %q) = %v", object, relation, user, u.Items)
		}
		_, _ = s.Expand(ctx, org, ExpandRequest{Object: object, Relation: relation})
		_, _ = s.Explain(ctx, org, CheckRequest{Object: object, Relation: relation, User: user})
	})
}
