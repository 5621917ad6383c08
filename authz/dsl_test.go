package authz

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDSLMatchesOpenFGATransformer parses every model of the corpus and
// compares its JSON form with the output of OpenFGA's own transformer.
func TestDSLMatchesOpenFGATransformer(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/models/*.fga")
	if err != nil || len(files) == 0 {
		t.Fatalf("no models in the corpus: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := ParseDSL(string(src))
			if err != nil {
				t.Fatal(err)
			}
			golden, err := os.ReadFile(strings.TrimSuffix(f, ".fga") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(generic(t, golden), generic(t, got)); d != "" {
				t.Errorf("JSON differs from the OpenFGA transformer's (-want +got):\n%s", d)
			}

			// The JSON form reads back into the same model.
			var back Model
			if err := json.Unmarshal(golden, &back); err != nil {
				t.Fatal(err)
			}
			if err := back.Validate(); err != nil {
				t.Fatal(err)
			}
			again, _ := json.Marshal(back)
			if d := cmp.Diff(generic(t, golden), generic(t, again)); d != "" {
				t.Errorf("JSON round trip differs (-want +got):\n%s", d)
			}
		})
	}
}

func generic(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDSLErrors(t *testing.T) {
	t.Parallel()
	const head = "model\n  schema 1.1\ntype user\n"
	tests := []struct {
		name, src, want string
		line            int
	}{
		{"no model header", "type user", `starts with "model"`, 1},
		{"wrong schema", "model\n schema 1.0\n", "unsupported schema version", 2},
		{"define outside type", "model\n schema 1.1\ndefine a: [user]", "outside a type", 3},
		{"missing colon", head + "type doc\n relations\n  define viewer [user]", "define name: rewrite", 6},
		{"empty rewrite", head + "type doc\n relations\n  define viewer:", "empty rewrite", 6},
		{"mixed operators", head + "type doc\n relations\n  define a: [user]\n  define b: [user]\n  define c: a or b and a", "parentheses", 8},
		{"unclosed bracket", head + "type doc\n relations\n  define viewer: [user", `expected ","`, 6},
		{"unclosed paren", head + "type doc\n relations\n  define viewer: ([user]", `expected ")"`, 6},
		{"dangling from", head + "type doc\n relations\n  define viewer: [user] or x from", `after "from"`, 6},
		{"bad wildcard", head + "type doc\n relations\n  define viewer: [user:x]", `expected "*"`, 6},
		{"unknown statement", head + "relation x", `unexpected "relation"`, 4},
		{"condition without brace", head + "condition c(x: int) x > 1", "condition name(params)", 4},
		{"condition unclosed", head + "condition c(x: int) {\n x > 1\n", "no closing brace", 6},
		{"duplicate parameter", head + "condition c(x: int, x: int) { x > 1 }", "declared twice", 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseDSL(tc.src)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *SyntaxError", err)
			}
			if se.Line != tc.line || !strings.Contains(se.Msg, tc.want) {
				t.Errorf("err = %v, want line %d and %q", err, tc.line, tc.want)
			}
		})
	}
}

func TestValidateErrors(t *testing.T) {
	t.Parallel()
	const head = "model\n  schema 1.1\ntype user\n"
	tests := []struct {
		name, src, typ, rel, cond, want string
	}{
		{"unknown computed", head + "type doc\n relations\n  define viewer: [user] or ownr", "doc", "viewer", "", `"ownr" is not defined`},
		{"unknown type", head + "type doc\n relations\n  define viewer: [usr]", "doc", "viewer", "", `type "usr" is not defined`},
		{"unknown userset", head + "type group\n relations\n  define member: [user]\ntype doc\n relations\n  define viewer: [group#owner]", "doc", "viewer", "", `"owner" is not defined on type "group"`},
		{"unknown condition", head + "type doc\n relations\n  define viewer: [user with c]", "doc", "viewer", "", `condition "c" is not defined`},
		{"unknown tupleset", head + "type doc\n relations\n  define viewer: viewer from parent", "doc", "viewer", "", `tupleset relation "parent"`},
		{"tupleset not direct", head + "type doc\n relations\n  define parent: [doc] or viewer\n  define viewer: [user] or viewer from parent", "doc", "viewer", "", "directly assigned only"},
		{"tupleset userset", head + "type doc\n relations\n  define parent: [doc#viewer]\n  define viewer: [user] or viewer from parent", "doc", "viewer", "", "only relate plain types"},
		{"ttu relation missing", head + "type folder\ntype doc\n relations\n  define parent: [folder]\n  define viewer: [user] or viewer from parent", "doc", "viewer", "", `defines relation "viewer"`},
		{"computed cycle", head + "type doc\n relations\n  define a: b\n  define b: a", "doc", "a", "", "never resolve"},
		{"self", head + "type doc\n relations\n  define a: a", "doc", "a", "", "as itself"},
		{"intersection cycle", head + "type doc\n relations\n  define a: [user] and b\n  define b: a and [user]", "doc", "a", "", "never resolve"},
		{"two direct", head + "type doc\n relations\n  define a: [user] or [user]", "doc", "a", "", "only one direct"},
		{"duplicate relation", head + "type doc\n relations\n  define a: [user]\n  define a: [user]", "doc", "a", "", "defined twice"},
		{"duplicate type", head + "type user", "user", "", "", "defined twice"},
		{"condition not bool", head + "condition c(x: int) { x + 1 }", "", "", "c", "not bool"},
		{"condition unknown param", head + "condition c(x: int) { y > 1 }", "", "", "c", "undeclared reference"},
		{"condition bad type", head + "condition c(x: integer) { x > 1 }", "", "", "c", "unknown parameter type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseDSL(tc.src)
			var me *ModelError
			if !errors.As(err, &me) || !errors.Is(err, ErrInvalidModel) {
				t.Fatalf("err = %v, want a *ModelError", err)
			}
			if me.Line == 0 || !strings.Contains(err.Error(), "line ") {
				t.Errorf("err = %v does not name the line", err)
			}
			if me.Type != tc.typ || (tc.rel != "" && me.Relation != tc.rel) || me.Condition != tc.cond ||
				!strings.Contains(me.Msg, tc.want) {
				t.Errorf("err = %v (%+v), want type %q relation %q condition %q and %q",
					err, me, tc.typ, tc.rel, tc.cond, tc.want)
			}
		})
	}
}

func TestModelErrorLine(t *testing.T) {
	t.Parallel()
	src := "model\n  schema 1.1\ntype user\ntype doc\n  relations\n    define owner: [user]\n    define viewer: [user] or ownr\n"
	_, err := ParseDSL(src)
	want := `authz: line 7: type "doc", relation "viewer": relation "ownr" is not defined on type "doc"`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestBuildModelInGo(t *testing.T) {
	t.Parallel()
	built := Model{Types: []TypeDefinition{
		Type("user"),
		Type("group", Define("member", Direct(User("user"), Userset("group", "member")))),
		Type("folder",
			Define("owner", Direct(User("user"))),
			Define("parent", Direct(User("folder"))),
			Define("viewer", Union(Direct(User("user"), Wildcard("user"), Userset("group", "member")),
				Computed("owner"), From("parent", "viewer")))),
		Type("document",
			Define("owner", Direct(User("user"))),
			Define("parent", Direct(User("folder"))),
			Define("editor", Union(Direct(User("user"), Userset("group", "member")), Computed("owner"))),
			Define("viewer", Union(Direct(User("user"), Wildcard("user"), Userset("group", "member")),
				Computed("editor"), From("parent", "viewer"))),
			Define("blocked", Direct(User("user"))),
			Define("can_view", Exclusion(Computed("viewer"), Computed("blocked")))),
	}}
	if err := built.Validate(); err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile("testdata/models/drive.json")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(built)
	if d := cmp.Diff(generic(t, golden), generic(t, got)); d != "" {
		t.Errorf("built model differs from drive.fga (-want +got):\n%s", d)
	}
}

// TestDSLRejectsWhatOpenFGARejects parses models that the OpenFGA
// transformer refuses as syntax errors (testdata/invalid).
func TestDSLRejectsWhatOpenFGARejects(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/invalid/*.fga")
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid models: %v", err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var se *SyntaxError
		if _, err := ParseDSL(string(src)); !errors.As(err, &se) || se.Line == 0 {
			t.Errorf("%s: err = %v, want a *SyntaxError with a line", filepath.Base(f), err)
		}
	}
}
