package scim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestAuthentication(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	tok2, sec2, _ := h.svc.IssueToken(ctx, "org_1", h.dir.ID, "second")
	_ = h.svc.RevokeToken(ctx, "org_1", h.dir.ID, tok2.ID)
	cases := []struct {
		name, header string
	}{
		{"no header", ""},
		{"basic scheme", "Basic " + h.token},
		{"no scheme", h.token},
		{"wrong token", "Bearer ghscim_" + strings.Repeat("A", 43)},
		{"revoked token", "Bearer " + sec2.Reveal()},
		{"empty bearer", "Bearer "},
	}
	for _, tc := range cases {
		for _, path := range []string{"/Users", "/ServiceProviderConfig", "/Groups/x"} {
			req, _ := http.NewRequest("GET", h.srv.URL+"/scim/v2"+path, nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s on %s: status %d", tc.name, path, resp.StatusCode)
			}
		}
	}
	r := h.doAs("", "GET", "/Users", nil)
	r.scimError(t, 401, "")
}

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	other, _ := h.svc.CreateDirectory(ctx, "org_2", "Other IdP")
	_, sec, _ := h.svc.IssueToken(ctx, "org_2", other.ID, "x")
	mine := h.do("POST", "/Users", oktaUser("victim@example.com")).must(t, 201).body["id"].(string)
	gid := h.do("POST", "/Groups", map[string]any{"displayName": "Admins"}).must(t, 201).body["id"].(string)

	as := func(method, path string, body any) *response { return h.doAs(sec.Reveal(), method, path, body) }
	as("GET", "/Users/"+mine, nil).scimError(t, 404, "")
	as("PUT", "/Users/"+mine, oktaUser("stolen@example.com")).scimError(t, 404, "")
	as("PATCH", "/Users/"+mine, patchBody(map[string]any{"op": "replace", "path": "active", "value": false})).scimError(t, 404, "")
	as("DELETE", "/Users/"+mine, nil).scimError(t, 404, "")
	as("DELETE", "/Groups/"+gid, nil).scimError(t, 404, "")
	r := as("GET", "/Users?filter="+q(`userName eq "victim@example.com"`), nil).must(t, 200)
	if r.body["totalResults"] != 0.0 {
		t.Errorf("other directory finds the user: %s", r.raw)
	}
	// A group of the other directory cannot take our user as a member.
	og := as("POST", "/Groups", map[string]any{"displayName": "Mine now"}).must(t, 201).body["id"].(string)
	as("PATCH", "/Groups/"+og, patchBody(map[string]any{"op": "add", "path": "members",
		"value": []any{map[string]any{"value": mine}}})).scimError(t, 400, ScimTypeInvalidValue)
	// Same userName is fine in another directory.
	as("POST", "/Users", oktaUser("victim@example.com")).must(t, 201)

	r = h.do("GET", "/Users/"+mine, nil).must(t, 200)
	if r.body["active"] != true || r.body["userName"] != "victim@example.com" {
		t.Errorf("the user changed: %s", r.raw)
	}
}

func TestPatchAllOrNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.do("POST", "/Users", oktaUser("atomic@example.com")).must(t, 201).body["id"].(string)
	h.do("POST", "/Users", oktaUser("taken@example.com")).must(t, 201)
	gid := h.do("POST", "/Groups", map[string]any{"displayName": "G"}).must(t, 201).body["id"].(string)
	before := h.do("GET", "/Users/"+id, nil).must(t, 200).raw
	n := len(h.events())
	bad := []struct {
		name     string
		path     string
		ops      []map[string]any
		status   int
		scimType string
	}{
		{"unknown op", "/Users/", []map[string]any{
			{"op": "replace", "path": "displayName", "value": "X"}, {"op": "move", "path": "title"}}, 400, ScimTypeInvalidSyntax},
		{"bad path", "/Users/", []map[string]any{
			{"op": "replace", "path": "displayName", "value": "X"}, {"op": "add", "path": "emails[", "value": "x"}}, 400, ScimTypeInvalidPath},
		{"unknown attribute", "/Users/", []map[string]any{
			{"op": "replace", "path": "active", "value": false}, {"op": "add", "path": "shoeSize", "value": "9"}}, 400, ScimTypeInvalidPath},
		{"read-only id", "/Users/", []map[string]any{
			{"op": "replace", "path": "active", "value": false}, {"op": "replace", "path": "id", "value": "usr_x"}}, 400, ScimTypeMutability},
		{"read-only meta", "/Users/", []map[string]any{{"op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}}, 400, ScimTypeMutability},
		{"pathless id change", "/Users/", []map[string]any{{"op": "replace", "value": map[string]any{"id": "usr_x"}}}, 400, ScimTypeMutability},
		{"remove without path", "/Users/", []map[string]any{{"op": "remove"}}, 400, ScimTypeNoTarget},
		{"bad type", "/Users/", []map[string]any{
			{"op": "replace", "path": "active", "value": false}, {"op": "replace", "path": "active", "value": "maybe"}}, 400, ScimTypeInvalidValue},
		{"userName taken", "/Users/", []map[string]any{
			{"op": "replace", "path": "active", "value": false}, {"op": "replace", "path": "userName", "value": "TAKEN@example.com"}}, 409, ScimTypeUniqueness},
		{"userName removed", "/Users/", []map[string]any{{"op": "remove", "path": "userName"}}, 400, ScimTypeInvalidValue},
		{"two primaries", "/Users/", []map[string]any{{"op": "replace", "path": "emails", "value": []any{
			map[string]any{"value": "a@x", "primary": true}, map[string]any{"value": "b@x", "primary": true}}}}, 400, ScimTypeInvalidValue},
		{"filter matches nothing", "/Users/", []map[string]any{
			{"op": "replace", "path": `emails[value co "nothing"].type`, "value": "home"}}, 400, ScimTypeNoTarget},
		{"bad filter in path", "/Users/", []map[string]any{{"op": "remove", "path": `emails[value zz "x"]`}}, 400, ScimTypeInvalidPath},
		{"member that does not exist, after a good one", "/Groups/", []map[string]any{
			{"op": "add", "path": "members", "value": []any{map[string]any{"value": id}}},
			{"op": "add", "path": "members", "value": []any{map[string]any{"value": "usr_none"}}}}, 400, ScimTypeInvalidValue},
		{"value not an object", "/Users/", []map[string]any{{"op": "add", "value": "x"}}, 400, ScimTypeInvalidValue},
	}
	for _, tc := range bad {
		target := id
		if tc.path == "/Groups/" {
			target = gid
		}
		r := h.do("PATCH", tc.path+target, patchBody(tc.ops...))
		if r.status != tc.status || r.body["scimType"] != tc.scimType {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.status, r.raw, tc.status, tc.scimType)
		}
	}
	after := h.do("GET", "/Users/"+id, nil).must(t, 200).raw
	if before != after {
		t.Errorf("failed PATCHes changed the user:\nbefore %s\nafter  %s", before, after)
	}
	if got := h.eventsSince(n); len(got) != 0 {
		t.Errorf("failed PATCHes wrote events %v", got)
	}
	if r := h.do("GET", "/Groups/"+gid, nil).must(t, 200); r.body["members"] != nil {
		t.Errorf("failed PATCH added members: %v", r.body["members"])
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	big := `{"userName":"` + strings.Repeat("a", 2<<20) + `"}`
	cases := []struct {
		name, method, path string
		body               any
		status             int
		scimType           string
	}{
		{"invalid JSON", "POST", "/Users", `{"userName":`, 400, ScimTypeInvalidSyntax},
		{"trailing data", "POST", "/Users", `{"userName":"a"} {}`, 400, ScimTypeInvalidSyntax},
		{"array body", "POST", "/Users", `[]`, 400, ScimTypeInvalidSyntax},
		{"null body", "POST", "/Users", `null`, 400, ScimTypeInvalidSyntax},
		{"too large", "POST", "/Users", big, 413, ScimTypeTooMany},
		{"missing userName", "POST", "/Users", map[string]any{"displayName": "x"}, 400, ScimTypeInvalidValue},
		{"userName not a string", "POST", "/Users", map[string]any{"userName": 5}, 400, ScimTypeInvalidValue},
		{"bad filter", "GET", "/Users?filter=" + q(`userName eq`), nil, 400, ScimTypeInvalidFilter},
		{"unknown filter attribute", "GET", "/Users?filter=" + q(`shoeSize eq "9"`), nil, 400, ScimTypeInvalidFilter},
		{"boolean compared with gt", "GET", "/Users?filter=" + q(`active gt true`), nil, 400, ScimTypeInvalidFilter},
		{"string for a date", "GET", "/Users?filter=" + q(`meta.created gt "yesterday"`), nil, 400, ScimTypeInvalidFilter},
		{"filter too long", "GET", "/Users?filter=" + q(`userName eq "`+strings.Repeat("x", MaxFilterLength)+`"`), nil, 400, ScimTypeInvalidFilter},
		{"deep filter", "GET", "/Users?filter=" + q(strings.Repeat("not (", 40)+`title pr`+strings.Repeat(")", 40)), nil, 400, ScimTypeInvalidFilter},
		{"bad count", "GET", "/Users?count=ten", nil, 400, ScimTypeInvalidValue},
		{"filter on the password", "GET", "/Users?filter=" + q(`password eq "x"`), nil, 400, ScimTypeInvalidFilter},
		{"extension compared", "GET", "/Users?filter=" + q(SchemaEnterpriseUser+` eq "x"`), nil, 400, ScimTypeInvalidFilter},
		{"bad sortOrder", "GET", "/Users?sortBy=userName&sortOrder=up", nil, 400, ScimTypeInvalidValue},
		{"bad sortBy", "GET", "/Users?sortBy=shoeSize", nil, 400, ScimTypeInvalidValue},
		{"bad attributes", "GET", "/Users?attributes=shoeSize", nil, 400, ScimTypeInvalidValue},
		{"bad cursor", "GET", "/Users?cursor=not*base64", nil, 400, "invalidCursor"},
		{"unknown user", "GET", "/Users/usr_nope", nil, 404, ""},
		{"unknown endpoint", "GET", "/Widgets", nil, 404, ""},
		{"method", "DELETE", "/Users", nil, 405, ""},
		{"GET .search", "GET", "/Users/.search", nil, 405, ""},
		{"PUT id mismatch", "PUT", "/Users/usr_a", map[string]any{"id": "usr_b", "userName": "x"}, 400, ScimTypeMutability},
	}
	for _, tc := range cases {
		r := h.do(tc.method, tc.path, tc.body)
		if r.status != tc.status || r.body["scimType"] != orNil(tc.scimType) {
			t.Errorf("%s: %d %.300s, want %d %q", tc.name, r.status, r.raw, tc.status, tc.scimType)
		}
	}
	if got := h.events(); len(got) != 0 {
		t.Errorf("bad requests wrote events %v", got)
	}
}

func TestMountUnderPrefixes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	mounts := map[string]http.Handler{
		"/":              h.svc.Handler(),
		"/tenants/acme/": http.StripPrefix("/tenants/acme", h.svc.Handler()),
		"/api/scim/v2/":  h.svc.Handler(),
	}
	for prefix, handler := range mounts {
		mux := http.NewServeMux()
		mux.Handle(prefix, handler)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		base := srv.URL + strings.TrimSuffix(prefix, "/")
		req, _ := http.NewRequest("POST", base+"/Users", strings.NewReader(`{"userName":"u`+strings.ReplaceAll(prefix, "/", "_")+`"}`))
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode != 201 || !strings.HasPrefix(loc, base+"/Users/usr_") {
			t.Errorf("mounted at %s: %d, Location %q", prefix, resp.StatusCode, loc)
		}
	}
}

func TestDiscovery(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.do("GET", "/ServiceProviderConfig", nil).must(t, 200)
	if get(r.body, "patch.supported") != true || get(r.body, "filter.maxResults") != 1000.0 ||
		get(r.body, "etag.supported") != true || get(r.body, "bulk.supported") != true {
		t.Errorf("ServiceProviderConfig = %s", r.raw)
	}
	r = h.do("GET", "/ResourceTypes", nil).must(t, 200)
	if r.body["totalResults"] != 2.0 || get(r.body, "Resources.0.schemaExtensions.0.schema") != SchemaEnterpriseUser {
		t.Errorf("ResourceTypes = %s", r.raw)
	}
	h.do("GET", "/ResourceTypes/Group", nil).must(t, 200)
	r = h.do("GET", "/Schemas/"+SchemaUser, nil).must(t, 200)
	var names []string
	for _, a := range r.body["attributes"].([]any) {
		names = append(names, a.(map[string]any)["name"].(string))
	}
	if !slices.Contains(names, "userName") || !slices.Contains(names, "emails") {
		t.Errorf("User schema attributes = %v", names)
	}
	h.do("GET", "/Schemas/urn:nope", nil).scimError(t, 404, "")
}
