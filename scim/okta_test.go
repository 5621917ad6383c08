package scim

import (
	"slices"
	"testing"
)

// The requests below follow Okta's SCIM 2.0 provisioning guide ("SCIM
// 2.0 protocol reference" for the Okta Integration Network): lookups with
// startIndex and count, POST with password and an empty groups list, PUT
// full replace, PATCH that only flips active, and Group Push.

func oktaUser(userName string) map[string]any {
	return map[string]any{
		"schemas":     []any{SchemaUser},
		"userName":    userName,
		"name":        map[string]any{"givenName": "John", "familyName": "Doe"},
		"emails":      []any{map[string]any{"primary": true, "value": userName, "type": "work"}},
		"displayName": "John Doe",
		"locale":      "en-US",
		"externalId":  "00ujl29u0le5T6Aj10h7",
		"groups":      []any{},
		"password":    "1mz050nq",
		"active":      true,
	}
}

func TestOktaUserSequence(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.do("GET", "/Users?filter="+q(`userName eq "john.doe@example.com"`)+"&startIndex=1&count=100", nil).must(t, 200)
	r := h.do("POST", "/Users", oktaUser("john.doe@example.com")).must(t, 201)
	id := r.body["id"].(string)
	if r.body["password"] != nil || r.body["groups"] != nil {
		t.Errorf("created user shows password or empty groups: %s", r.raw)
	}
	etag := r.header.Get("ETag")
	if etag != `W/"1"` || get(r.body, "meta.version") != etag {
		t.Errorf("ETag %q, meta.version %v", etag, get(r.body, "meta.version"))
	}
	h.do("GET", "/Users/"+id, nil, "If-None-Match", etag).must(t, 304)

	// PUT replaces: attributes left out are gone.
	put := oktaUser("john.doe@example.com")
	put["id"] = id
	put["name"] = map[string]any{"givenName": "Johnny", "familyName": "Doe"}
	delete(put, "locale")
	r = h.do("PUT", "/Users/"+id, put).must(t, 200)
	if get(r.body, "name.givenName") != "Johnny" || r.body["locale"] != nil || r.header.Get("ETag") != `W/"2"` {
		t.Errorf("after PUT: %s", r.raw)
	}
	h.do("PUT", "/Users/"+id, put, "If-Match", `W/"1"`).scimError(t, 412, "")

	n := len(h.events())
	r = h.do("PATCH", "/Users/"+id, patchBody(map[string]any{"op": "replace",
		"value": map[string]any{"active": false}})).must(t, 200)
	if r.body["active"] != false {
		t.Errorf("active after PATCH = %v", r.body["active"])
	}
	if got := h.eventsSince(n); !slices.Equal(got, []string{EventUserUpdated, EventUserDeactivated}) {
		t.Errorf("events = %v", got)
	}
	evs, _ := h.store.Events(t.Context(), "", 100)
	last := evs[len(evs)-1]
	if p := last.Payload.(UserEvent); p.UserID != id || p.Active || !slices.Equal(p.Changed, []string{"active"}) ||
		last.OrganizationID != "org_1" || last.DirectoryID != h.dir.ID {
		t.Errorf("deactivation event = %+v", last)
	}

	// Okta's reactivation is a PUT with active true.
	put["active"] = true
	h.do("PUT", "/Users/"+id, put).must(t, 200)
	if got := h.eventsSince(n + 2); !slices.Equal(got, []string{EventUserUpdated, EventUserReactivated}) {
		t.Errorf("events after reactivation = %v", got)
	}
}

func TestOktaGroupPush(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	uid := h.do("POST", "/Users", oktaUser("a@example.com")).must(t, 201).body["id"].(string)
	u2 := h.do("POST", "/Users", oktaUser("b@example.com")).must(t, 201).body["id"].(string)
	r := h.do("POST", "/Groups", map[string]any{"schemas": []any{SchemaGroup},
		"displayName": "Test SCIMv2", "members": []any{map[string]any{"value": uid, "display": "a@example.com"}}}).must(t, 201)
	gid := r.body["id"].(string)
	if get(r.body, "members.0.value") != uid {
		t.Errorf("created group members = %v", r.body["members"])
	}

	// Rename by a pathless replace whose value repeats the id.
	r = h.do("PATCH", "/Groups/"+gid+"?excludedAttributes=members", patchBody(map[string]any{"op": "replace",
		"value": map[string]any{"id": gid, "displayName": "Test SCIMv2 renamed"}})).must(t, 200)
	if r.body["displayName"] != "Test SCIMv2 renamed" {
		t.Errorf("rename: %s", r.raw)
	}
	h.do("PATCH", "/Groups/"+gid, patchBody(map[string]any{"op": "add", "path": "members",
		"value": []any{map[string]any{"value": u2, "display": "b@example.com"}}})).must(t, 204)
	r = h.do("GET", "/Groups/"+gid+"?excludedAttributes=members", nil).must(t, 200)
	if r.body["members"] != nil || r.body["displayName"] == nil {
		t.Errorf("excludedAttributes=members: %s", r.raw)
	}

	// Replace of members with an empty list removes them all.
	n := len(h.events())
	h.do("PATCH", "/Groups/"+gid, patchBody(map[string]any{"op": "replace", "path": "members",
		"value": []any{}})).must(t, 204)
	if got := h.eventsSince(n); !slices.Equal(got, []string{EventMemberRemoved, EventMemberRemoved}) {
		t.Errorf("events = %v", got)
	}
	// Group Push may also PUT the group with its full member list.
	r = h.do("PUT", "/Groups/"+gid, map[string]any{"schemas": []any{SchemaGroup}, "id": gid,
		"displayName": "Test SCIMv2", "members": []any{map[string]any{"value": u2}}}).must(t, 200)
	if get(r.body, "members.0.value") != u2 || get(r.body, "members.1") != nil {
		t.Errorf("PUT members: %v", r.body["members"])
	}
	// Pushing the same membership again changes nothing; pushing a new one
	// reports only the difference.
	n = len(h.events())
	push := func(ids ...string) {
		var ms []any
		for _, id := range ids {
			ms = append(ms, map[string]any{"value": id})
		}
		h.do("PUT", "/Groups/"+gid, map[string]any{"schemas": []any{SchemaGroup}, "id": gid,
			"displayName": "Test SCIMv2", "members": ms}).must(t, 200)
	}
	push(u2)
	if got := h.eventsSince(n); len(got) != 0 {
		t.Errorf("pushing the same members wrote %v", got)
	}
	push(uid)
	if got := h.eventsSince(n); !slices.Equal(got, []string{EventMemberRemoved, EventMemberAdded}) {
		t.Errorf("pushing a new membership wrote %v", got)
	}
	h.do("DELETE", "/Groups/"+gid, nil).must(t, 204)
	if got := h.events(); got[len(got)-1] != EventGroupDeleted {
		t.Errorf("last event = %s", got[len(got)-1])
	}
	r = h.do("GET", "/Users/"+u2, nil).must(t, 200)
	if r.body["groups"] != nil {
		t.Errorf("deleted group still listed on the user: %v", r.body["groups"])
	}
}

func TestOneLoginSingleEmailObject(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.do("POST", "/Users", map[string]any{
		"schemas": []any{SchemaUser}, "userName": "one@example.com",
		"emails": map[string]any{"value": "one@example.com", "primary": true, "type": "work"},
		"name":   map[string]any{"givenName": "One", "familyName": "Login"},
	}).must(t, 201)
	if get(r.body, "emails.0.value") != "one@example.com" {
		t.Errorf("emails = %v", r.body["emails"])
	}
}
