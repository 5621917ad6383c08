package scim

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	fp "github.com/scim2/filter-parser/v2"
)

var filterSeeds = []string{
	`userName eq "bjensen"`, `name.familyName co "O'Malley"`, `userName sw "J"`,
	`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, `title pr`,
	`meta.lastModified gt "2011-05-13T04:42:34Z"`, `title pr and userType eq "Employee"`,
	`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
	`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
	`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
	`emails[type eq "work"].value eq "x@y"`, `displayName eq "a\"b"`, `active eq "True"`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "1"`,
	`emails[type eq "work" and value eq "a@b"]`, `emails[type eq "work"]`, `members[value eq "x"]`,
	`x eq 1.5`, `userName eq`, `((((`, `emails[`, `not (`, `a eq "\u00e9"`, "userName eq \"\xff\"",
}

// FuzzParseFilter checks that no filter makes the parser or the matcher
// panic, and that what parses matches without error.
func FuzzParseFilter(f *testing.F) {
	for _, s := range filterSeeds {
		f.Add(s)
	}
	r := &Resource{ID: "usr_1", Kind: KindUser, Attributes: map[string]any{
		"userName": "bjensen", "active": true, "title": "x",
		"emails": []any{map[string]any{"value": "b@example.com", "type": "work"}},
	}}
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range []Kind{KindUser, KindGroup} {
			flt, err := ParseFilter(k, s)
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("ParseFilter(%q) error %T %v is not a SCIM error", s, err, err)
				}
				continue
			}
			flt.Match(r)
		}
	})
}

// FuzzFastCompare checks that the fast path for attr op "value" agrees
// with filter-parser on every input it accepts.
func FuzzFastCompare(f *testing.F) {
	for _, s := range filterSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := fastFilter(s)
		if !ok {
			return
		}
		slow, err := parseWithoutPanic(s)
		if err != nil {
			t.Fatalf("fast path accepted %q, filter-parser refused it: %v", s, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast path %#v, filter-parser %#v", s, fast, slow)
		}
	})
}

// FuzzPatch applies arbitrary PATCH bodies and paths to a user and a
// group: no panic, and a result that is accepted is in canonical form.
func FuzzPatch(f *testing.F) {
	f.Add(`{"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"a@b"}]}`)
	f.Add(`{"Operations":[{"op":"add","value":{"name.givenName":"x","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"m"}}]}`)
	f.Add(`{"Operations":[{"op":"remove","path":"members[value eq \"usr_1\"]"}]}`)
	f.Add(`{"Operations":[{"op":"replace","path":"active","value":"False"},{"op":"remove","path":"emails"}]}`)
	f.Add(`{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"department":"x"}}]}`)
	f.Add(`{"Operations":[{"op":"replace","path":"members","value":[]}]}`)
	f.Add(`{"Operations":[{"op":"add","path":"addresses[type eq \"work\"]","value":{"primary":true}}]}`)
	base := &Resource{ID: "usr_1", Kind: KindUser, Attributes: map[string]any{
		"userName": "bjensen", "emails": []any{map[string]any{"value": "b@x", "type": "work", "primary": true}},
		"name": map[string]any{"givenName": "B"},
	}}
	f.Fuzz(func(t *testing.T, body string) {
		var req patchRequest
		if json.Unmarshal([]byte(body), &req) != nil {
			return
		}
		for _, rt := range []*resourceType{defaultSchemas.user, defaultSchemas.group} {
			r := base.Clone()
			r.Kind = rt.kind
			before := r.Clone()
			p, err := rt.patch(r, req.Operations)
			if !reflect.DeepEqual(r, before) {
				t.Fatalf("patch changed its input")
			}
			if err != nil {
				continue
			}
			if n, err := rt.normalize(p.doc); err == nil {
				if _, err := rt.normalize(n.attrs); err != nil && rt.kind == KindUser {
					t.Fatalf("normalized document does not normalize again: %v", err)
				}
			}
		}
	})
}

// FuzzFastPath checks that the fast path for plain PATCH paths agrees
// with filter-parser.
func FuzzFastPath(f *testing.F) {
	for _, s := range []string{"members", "name.givenName", "emails[type eq \"work\"].value", "a.b.c", "9a",
		"x-y_z", `members[value eq "usr_1"]`, `emails[type eq "work" and primary eq "true"].display`, `a[b eq "c"].`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := fastPath(s)
		if !ok {
			return
		}
		slow, err := fp.ParsePath([]byte(s))
		if err != nil {
			t.Fatalf("fast path accepted %q, filter-parser refused it: %v", s, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast path %#v, filter-parser %#v", s, fast, slow)
		}
	})
}

// FuzzRequestBodies sends arbitrary bodies to the write endpoints: the
// answer is never a server error, and always a SCIM message.
func FuzzRequestBodies(f *testing.F) {
	f.Add(uint8(0), `{"userName":"a","emails":{"value":"x"},"active":"True"}`)
	f.Add(uint8(1), `{"displayName":"g","members":[{"value":"usr_1"},{"value":5}]}`)
	f.Add(uint8(2), `{"Operations":[{"op":"POST","path":"/Users","bulkId":"a","data":{"userName":"x"}},{"method":"DELETE","path":"/Users/bulkId:a"}]}`)
	f.Add(uint8(3), `{"filter":"userName eq \"a\"","startIndex":-5,"count":1e9,"attributes":["emails.value"]}`)
	f.Add(uint8(4), `{"Operations":[{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"x"}}]}`)
	// Each input gets a fresh store, so that inputs do not slow down as
	// the directory grows.
	newHandler := func(t *testing.T) func(method, path, body string) *httptest.ResponseRecorder {
		s, err := New(Config{Store: NewMemoryStore()})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		d, _ := s.CreateDirectory(ctx, "org_1", "fuzz")
		_, sec, _ := s.IssueToken(ctx, "org_1", d.ID, "fuzz")
		h := s.Handler()
		send := func(method, path, body string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(method, "/scim/v2"+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+sec.Reveal())
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec
		}
		send("POST", "/Users", `{"userName":"seed"}`)
		return send
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		targets := []struct{ method, path string }{
			{"POST", "/Users"}, {"POST", "/Groups"}, {"POST", "/Bulk"}, {"POST", "/Users/.search"},
			{"PATCH", "/Users/usr_missing"}, {"PUT", "/Groups/grp_missing"}, {"POST", "/.search"},
		}
		tg := targets[int(which)%len(targets)]
		rec := newHandler(t)(tg.method, tg.path, body)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", tg.method, tg.path, body, rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); rec.Body.Len() > 0 && ct != contentType {
			t.Fatalf("Content-Type %q", ct)
		}
	})
}
