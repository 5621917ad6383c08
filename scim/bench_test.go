package scim

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func BenchmarkParseFilter(b *testing.B) {
	for name, f := range map[string]string{
		"simple":  `userName eq "bjensen@example.com"`,
		"complex": `emails[type eq "work" and value co "@example.com"] or not (active eq false)`,
		"entra":   `emails[type eq "work"].value eq "b@example.com"`,
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseFilter(KindUser, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPatchUser(b *testing.B) {
	r := &Resource{ID: "usr_1", Kind: KindUser, Attributes: map[string]any{
		"userName": "b", "active": true, "name": map[string]any{"givenName": "B"},
		"emails": []any{map[string]any{"value": "b@x", "type": "work", "primary": true}},
	}}
	ops := []PatchOp{
		{Op: "Replace", Path: `emails[type eq "work"].value`, Value: "c@x"},
		{Op: "Replace", Path: "active", Value: "False"},
		{Op: "Add", Value: map[string]any{"name.familyName": "J", SchemaEnterpriseUser + ":department": "D"}},
	}
	rt := defaultSchemas.user
	b.ReportAllocs()
	for b.Loop() {
		p, err := rt.patch(r, ops)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := rt.normalize(p.doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemoryHandler measures the handler on the memory store with
// 10,000 users: the memory store evaluates filters by scanning.
func BenchmarkMemoryHandler(b *testing.B) {
	svc, err := New(Config{Store: NewMemoryStore()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	dir, _ := svc.CreateDirectory(ctx, "org_1", "bench")
	_, sec, _ := svc.IssueToken(ctx, "org_1", dir.ID, "bench")
	h := svc.Handler()
	serve := func(method, path, body string, want int) {
		req := httptest.NewRequest(method, "/scim/v2"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+sec.Reveal())
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
	}
	for i := range 10_000 {
		serve("POST", "/Users", fmt.Sprintf(`{"userName":"u%d@example.com"}`, i), 201)
	}
	b.Run("FilterUserName", func(b *testing.B) {
		path := "/Users?filter=" + url.QueryEscape(`userName eq "u5000@example.com"`)
		b.ReportAllocs()
		for b.Loop() {
			serve("GET", path, "", 200)
		}
	})
	n := 0
	b.Run("CreateUser", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n++
			serve("POST", "/Users", fmt.Sprintf(`{"userName":"new%d@example.com"}`, n), 201)
		}
	})
}
