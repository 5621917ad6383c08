package scim

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
)

const schemaAcme = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"

func TestHostExtensionSchema(t *testing.T) {
	t.Parallel()
	ext := &Schema{ID: schemaAcme, Name: "AcmeUser", Attributes: []*Attribute{
		{Name: "badgeNumber", Type: TypeInteger},
		{Name: "clearance", Type: TypeString, CaseExact: true},
		{Name: "contractor", Type: TypeBoolean},
	}}
	store := NewMemoryStore()
	svc, err := New(Config{Store: store, UserExtensions: []*Schema{ext}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dir, _ := svc.CreateDirectory(ctx, "org_1", "Okta")
	_, sec, _ := svc.IssueToken(ctx, "org_1", dir.ID, "okta")
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	h := &harness{t: t, svc: svc, store: store, srv: srv, dir: dir, token: sec.Reveal(),
		clock: &fakeClock{}, prefix: "/root"}
	do := func(method, path string, body any) *response {
		return h.doAs(h.token, method, path, body)
	}

	r := do("POST", "/Users", map[string]any{"schemas": []any{SchemaUser, schemaAcme}, "userName": "x",
		schemaAcme: map[string]any{"badgeNumber": 42, "clearance": "TopSecret", "contractor": "False", "shoeSize": 9}})
	r.must(t, 201)
	got := r.body[schemaAcme].(map[string]any)
	if got["badgeNumber"] != 42.0 || got["clearance"] != "TopSecret" || got["contractor"] != false || got["shoeSize"] != nil {
		t.Errorf("extension round-trip = %v", got)
	}
	id := r.body["id"].(string)
	for _, f := range []string{schemaAcme + `:badgeNumber gt 40`, schemaAcme + `:clearance eq "TopSecret"`} {
		if r := do("GET", "/Users?filter="+q(f), nil).must(t, 200); r.body["totalResults"] != 1.0 {
			t.Errorf("filter %s: %s", f, r.raw)
		}
	}
	if r := do("GET", "/Users?filter="+q(schemaAcme+`:clearance eq "topsecret"`), nil).must(t, 200); r.body["totalResults"] != 0.0 {
		t.Errorf("caseExact extension attribute matched another case")
	}
	do("POST", "/Users", map[string]any{"userName": "y", schemaAcme: map[string]any{"badgeNumber": "forty"}}).
		scimError(t, 400, ScimTypeInvalidValue)
	do("POST", "/Users", map[string]any{"userName": "z", schemaAcme: map[string]any{"badgeNumber": 4.5}}).
		scimError(t, 400, ScimTypeInvalidValue)
	do("PATCH", "/Users/"+id, patchBody(map[string]any{"op": "replace", "path": schemaAcme + ":badgeNumber", "value": 7})).must(t, 200)
	r = do("PATCH", "/Users/"+id, patchBody(map[string]any{"op": "remove", "path": schemaAcme})).must(t, 200)
	if r.body[schemaAcme] != nil {
		t.Errorf("extension not removed: %s", r.raw)
	}
	r = do("GET", "/Schemas/"+schemaAcme, nil).must(t, 200)
	if get(r.body, "attributes.0.name") != "badgeNumber" {
		t.Errorf("extension schema: %s", r.raw)
	}
	if _, err := New(Config{Store: store, UserExtensions: []*Schema{{ID: "acme"}}}); err == nil {
		t.Error("an extension without a URN was accepted")
	}
}

func TestManagerAndGroupFilters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.do("POST", "/Users", entraUser("m@contoso.com", "m")).must(t, 201).body["id"].(string)
	h.do("PATCH", "/Users/"+id, patchBody(map[string]any{"op": "Replace",
		"path": SchemaEnterpriseUser + ":manager", "value": map[string]any{"value": "boss"}})).must(t, 200)
	r := h.do("PATCH", "/Users/"+id, patchBody(map[string]any{"op": "Remove",
		"path": SchemaEnterpriseUser + ":manager"})).must(t, 200)
	if ent := r.body[SchemaEnterpriseUser].(map[string]any); ent["manager"] != nil || ent["employeeNumber"] != "1234" {
		t.Errorf("after removing the manager: %v", ent)
	}
	h.do("GET", "/Groups?filter="+q(`members[value eq "`+id+`"] or displayName pr`), nil).must(t, 200)
	h.do("GET", "/Groups?filter="+q(`members co "`+id+`"`), nil).scimError(t, 400, ScimTypeInvalidFilter)
	h.do("GET", "/Groups?filter="+q(`not (members pr)`), nil).scimError(t, 400, ScimTypeInvalidFilter)
}

// TestGroupMemberFilters covers the membership checks Entra ID makes,
// such as GET /Groups?filter=id eq "g" and members eq "u"&attributes=id.
func TestGroupMemberFilters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	u1 := h.do("POST", "/Users", map[string]any{"userName": "a"}).must(t, 201).body["id"].(string)
	u2 := h.do("POST", "/Users", map[string]any{"userName": "b"}).must(t, 201).body["id"].(string)
	g1 := h.do("POST", "/Groups", map[string]any{"displayName": "One",
		"members": []any{map[string]any{"value": u1}, map[string]any{"value": u2}}}).must(t, 201).body["id"].(string)
	g2 := h.do("POST", "/Groups", map[string]any{"displayName": "Two",
		"members": []any{map[string]any{"value": u1}}}).must(t, 201).body["id"].(string)
	cases := []struct {
		filter string
		want   []string
	}{
		{`id eq "` + g1 + `" and members eq "` + u2 + `"`, []string{g1}},
		{`id eq "` + g2 + `" and members eq "` + u2 + `"`, nil},
		{`members eq "` + u1 + `"`, []string{g1, g2}},
		{`members.value eq "` + u1 + `" and displayName eq "two"`, []string{g2}},
		{`members[value eq "` + u2 + `"]`, []string{g1}},
		{`members eq "` + u1 + `" and members eq "` + u2 + `"`, []string{g1}},
		{`members eq "usr_nobody"`, nil},
		{`members eq "` + u2 + `" or displayName eq "two"`, []string{g1, g2}},
		{`members eq "usr_nobody" or displayName eq "two"`, []string{g2}},
		{`not (members eq "` + u2 + `")`, []string{g2}},
		{`not (members eq "usr_nobody")`, []string{g1, g2}},
		{`displayName eq "one" and not (members eq "` + u1 + `" and members eq "` + u2 + `")`, nil},
		{`(members eq "usr_nobody" or members[value eq "` + u2 + `"]) and displayName sw "O"`, []string{g1}},
	}
	for _, tc := range cases {
		r := h.do("GET", "/Groups?attributes=id&filter="+q(tc.filter), nil).must(t, 200)
		var got []string
		for _, res := range r.body["Resources"].([]any) {
			got = append(got, res.(map[string]any)["id"].(string))
		}
		if !slices.Equal(got, tc.want) || r.body["totalResults"] != float64(len(tc.want)) {
			t.Errorf("%s: %v (total %v), want %v", tc.filter, got, r.body["totalResults"], tc.want)
		}
	}
}
