package scim

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The requests below follow the shapes Microsoft documents for the Entra
// ID provisioning service ("Tutorial: Develop and plan provisioning for a
// SCIM endpoint in Microsoft Entra ID") and that its SCIM validator sends.

func entraUser(userName, externalID string) map[string]any {
	return map[string]any{
		"schemas":    []any{SchemaUser, SchemaEnterpriseUser},
		"externalId": externalID,
		"userName":   userName,
		"active":     true,
		"emails": []any{map[string]any{
			"primary": true, "type": "work", "value": userName,
		}},
		"meta":        map[string]any{"resourceType": "User"},
		"name":        map[string]any{"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
		"displayName": "Test User",
		"roles":       []any{},
		SchemaEnterpriseUser: map[string]any{
			"employeeNumber": "1234", "department": "Sales",
		},
	}
}

func patchBody(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, op := range ops {
		list[i] = op
	}
	return map[string]any{"schemas": []any{schemaPatchOp}, "Operations": list}
}

func TestEntraUserSequence(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	// The lookup before creation: an unknown user is an empty list, not 404.
	r := h.do("GET", "/Users?filter="+q(`userName eq "Test_User_dfeef4c5@contoso.com"`), nil).must(t, 200)
	if r.body["totalResults"] != 0.0 || len(r.body["Resources"].([]any)) != 0 {
		t.Errorf("lookup of an unknown user = %s", r.raw)
	}
	r = h.do("POST", "/Users", entraUser("Test_User_dfeef4c5@contoso.com", "0a21f0f2")).must(t, 201)
	id := r.body["id"].(string)
	if r.header.Get("Location") != h.srv.URL+"/scim/v2/Users/"+id || get(r.body, "meta.location") != r.header.Get("Location") {
		t.Errorf("Location %q, meta.location %v", r.header.Get("Location"), get(r.body, "meta.location"))
	}
	mgr := h.do("POST", "/Users", entraUser("manager@contoso.com", "mgr")).must(t, 201).body["id"].(string)

	// A second user with the same userName in another case.
	h.do("POST", "/Users", entraUser("TEST_USER_DFEEF4C5@contoso.com", "other")).scimError(t, 409, ScimTypeUniqueness)

	// Entra's filter form outside the grammar, and an unknown value.
	r = h.do("GET", "/Users?filter="+q(`emails[type eq "work"].value eq "test_user_dfeef4c5@contoso.com"`), nil).must(t, 200)
	if get(r.body, "Resources.0.id") != id || r.body["totalResults"] != 1.0 {
		t.Errorf("emails[...].value filter: %s", r.raw)
	}
	r = h.do("GET", "/Users?filter="+q(`externalId eq "0a21f0f2"`)+"&attributes=userName", nil).must(t, 200)
	if res := get(r.body, "Resources.0").(map[string]any); res["userName"] == nil || res["emails"] != nil || res["id"] != id {
		t.Errorf("attributes=userName gave %v", res)
	}

	n := len(h.events())
	r = h.do("PATCH", "/Users/"+id, patchBody(
		map[string]any{"op": "Replace", "path": `emails[type eq "work"].value`, "value": "updated@contoso.com"},
		map[string]any{"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
		map[string]any{"op": "Add", "path": `addresses[type eq "work"].streetAddress`, "value": "1 Main St"},
		map[string]any{"op": "Add", "path": SchemaEnterpriseUser + ":manager", "value": mgr},
		map[string]any{"op": "Replace", "value": map[string]any{
			"displayName":                        "Updated Name",
			"name.givenName":                     "Newgiven",
			SchemaEnterpriseUser + ":department": "Marketing",
		}},
	)).must(t, 200)
	ent := r.body[SchemaEnterpriseUser].(map[string]any)
	want := map[string]any{"employeeNumber": "1234", "department": "Marketing", "manager": map[string]any{"value": mgr}}
	if diff := cmp.Diff(want, ent); diff != "" {
		t.Errorf("enterprise extension (-want +got):\n%s", diff)
	}
	for path, want := range map[string]any{
		"emails.0.value": "updated@contoso.com", "emails.0.primary": true,
		"name.familyName": "updatedFamilyName", "name.givenName": "Newgiven",
		"displayName": "Updated Name", "addresses.0.type": "work", "addresses.0.streetAddress": "1 Main St",
	} {
		if got := get(r.body, path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	if got := h.eventsSince(n); !slices.Equal(got, []string{EventUserUpdated}) {
		t.Errorf("events = %v", got)
	}

	// Disable with the string "False", then an empty PATCH changes nothing.
	r = h.do("PATCH", "/Users/"+id, patchBody(map[string]any{"op": "Replace", "path": "active", "value": "False"})).must(t, 200)
	if r.body["active"] != false {
		t.Errorf("active = %v after Replace \"False\"", r.body["active"])
	}
	n = len(h.events())
	h.do("PATCH", "/Users/"+id, patchBody()).must(t, 200)
	if got := h.eventsSince(n); len(got) != 0 {
		t.Errorf("an empty PATCH wrote events %v", got)
	}
	r = h.do("GET", "/Users?filter="+q(`userName eq "test_user_dfeef4c5@contoso.com"`), nil).must(t, 200)
	if get(r.body, "Resources.0.active") != false {
		t.Errorf("disabled user in a filter answer: %s", r.raw)
	}
	h.do("PATCH", "/Users/"+id, patchBody(map[string]any{"op": "Replace", "path": "active", "value": "True"})).must(t, 200)
	h.do("DELETE", "/Users/"+id, nil).must(t, http.StatusNoContent)
	h.do("GET", "/Users/"+id, nil).scimError(t, 404, "")

	want2 := []string{EventUserCreated, EventUserCreated, EventUserUpdated, EventUserUpdated,
		EventUserDeactivated, EventUserUpdated, EventUserReactivated, EventUserDeleted}
	if diff := cmp.Diff(want2, h.events()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestEntraGroupSequence(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	u1 := h.do("POST", "/Users", entraUser("a@contoso.com", "a")).must(t, 201).body["id"].(string)
	u2 := h.do("POST", "/Users", entraUser("b@contoso.com", "b")).must(t, 201).body["id"].(string)

	r := h.do("GET", "/Groups?excludedAttributes=members&filter="+q(`displayName eq "Group1DisplayName"`), nil).must(t, 200)
	if r.body["totalResults"] != 0.0 {
		t.Errorf("lookup of an unknown group: %s", r.raw)
	}
	r = h.do("POST", "/Groups", map[string]any{
		"schemas": []any{SchemaGroup}, "externalId": "8aa1a0c0", "displayName": "Group1DisplayName",
		"meta": map[string]any{"resourceType": "Group"}, "members": []any{},
	}).must(t, 201)
	gid := r.body["id"].(string)

	n := len(h.events())
	h.do("PATCH", "/Groups/"+gid, patchBody(map[string]any{"op": "Add", "path": "members",
		"value": []any{map[string]any{"value": u1}, map[string]any{"value": u2}}})).must(t, 204)
	r = h.do("GET", "/Groups/"+gid, nil).must(t, 200)
	if get(r.body, "members.0.value") != u1 || get(r.body, "members.1.value") != u2 ||
		get(r.body, "members.0.display") != "Test User" {
		t.Errorf("members after Add: %v", r.body["members"])
	}
	r = h.do("GET", "/Users/"+u1, nil).must(t, 200)
	if get(r.body, "groups.0.value") != gid || get(r.body, "groups.0.display") != "Group1DisplayName" {
		t.Errorf("user's groups: %v", r.body["groups"])
	}

	// Removal by path filter, then by value array.
	h.do("PATCH", "/Groups/"+gid, patchBody(map[string]any{"op": "Remove",
		"path": `members[value eq "` + u1 + `"]`})).must(t, 204)
	h.do("PATCH", "/Groups/"+gid, patchBody(map[string]any{"op": "Remove", "path": "members",
		"value": []any{map[string]any{"value": u2}}})).must(t, 204)
	r = h.do("GET", "/Groups/"+gid, nil).must(t, 200)
	if r.body["members"] != nil {
		t.Errorf("members after removals: %v", r.body["members"])
	}
	want := []string{EventMemberAdded, EventMemberAdded, EventMemberRemoved, EventMemberRemoved}
	if got := h.eventsSince(n); !slices.Equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}

	// Rename with Replace and a path; a member that does not exist.
	h.do("PATCH", "/Groups/"+gid, patchBody(map[string]any{"op": "Replace", "path": "displayName",
		"value": "Renamed"})).must(t, 204)
	h.do("PATCH", "/Groups/"+gid, patchBody(map[string]any{"op": "Add", "path": "members",
		"value": []any{map[string]any{"value": "usr_missing"}}})).scimError(t, 400, ScimTypeInvalidValue)
	r = h.do("GET", "/Groups?excludedAttributes=members&filter="+q(`displayName eq "renamed"`), nil).must(t, 200)
	if get(r.body, "Resources.0.id") != gid || get(r.body, "Resources.0.members") != nil {
		t.Errorf("filter on the renamed group: %s", r.raw)
	}
}

// TestEntraValidatorPathlessFilteredKeys follows the Entra SCIM
// validator's "replace attributes" request: a pathless replace whose keys
// are paths with value filters and URN prefixes.
func TestEntraValidatorPathlessFilteredKeys(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.do("POST", "/Users", entraUser("v@contoso.com", "v")).must(t, 201).body["id"].(string)
	r := h.do("PATCH", "/Users/"+id, patchBody(map[string]any{"op": "replace", "value": map[string]any{
		"userName":                           "v2@contoso.com",
		"active":                             false,
		`emails[type eq "work"].value`:       "v2@contoso.com",
		`phoneNumbers[type eq "work"].value`: "+1 555 0100",
		`addresses[type eq "work"].locality`: "Redmond",
		"name.familyName":                    "Validator",
		SchemaEnterpriseUser + ":manager":    "mgr-1",
		SchemaEnterpriseUser + ":costCenter": "CC-7",
	}})).must(t, 200)
	for path, want := range map[string]any{
		"userName": "v2@contoso.com", "active": false, "emails.0.value": "v2@contoso.com",
		"phoneNumbers.0.value": "+1 555 0100", "phoneNumbers.0.type": "work",
		"addresses.0.locality": "Redmond", "name.familyName": "Validator",
	} {
		if got := get(r.body, path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	ent := r.body[SchemaEnterpriseUser].(map[string]any)
	if get(ent, "manager.value") != "mgr-1" || ent["costCenter"] != "CC-7" {
		t.Errorf("enterprise = %v", ent)
	}
	r = h.do("GET", "/Users?filter="+q(`userName eq "V2@CONTOSO.COM"`), nil).must(t, 200)
	if r.body["totalResults"] != 1.0 {
		t.Errorf("lookup by the new userName in another case: %s", r.raw)
	}
}
