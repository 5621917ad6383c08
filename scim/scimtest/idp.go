package scimtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
)

// IdP is a fake identity provider for a host's tests: it sends the
// requests Okta and Entra ID send to a SCIM handler, with a bearer token,
// and decodes the answers. It is not safe for concurrent use.
type IdP struct {
	// Handler is the SCIM endpoint, such as scim.Service.Handler().
	Handler http.Handler
	// Token is the bearer token the requests carry.
	Token string
	// Prefix is where Handler is mounted, such as "/scim/v2".
	Prefix string
}

// Do sends a request with a JSON body (nil for none) and returns the
// status and the decoded answer (nil when empty).
func (p *IdP) Do(method, path string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, p.Prefix+path, rd)
	req.Header.Set("Authorization", "Bearer "+p.Token)
	req.Header.Set("Content-Type", "application/scim+json")
	rec := httptest.NewRecorder()
	p.Handler.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			return rec.Code, nil, fmt.Errorf("scimtest: answer is not JSON: %w", err)
		}
	}
	return rec.Code, out, nil
}

// expect runs Do and checks the status.
func (p *IdP) expect(status int, method, path string, body any) (map[string]any, error) {
	got, out, err := p.Do(method, path, body)
	if err != nil {
		return nil, err
	}
	if got != status {
		return nil, fmt.Errorf("scimtest: %s %s: status %d, want %d: %v", method, path, got, status, out)
	}
	return out, nil
}

// CreateUser provisions a user as Okta does and returns its ID.
func (p *IdP) CreateUser(userName, givenName, familyName string) (string, error) {
	out, err := p.expect(http.StatusCreated, "POST", "/Users", map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": userName, "active": true,
		"name":   map[string]any{"givenName": givenName, "familyName": familyName},
		"emails": []any{map[string]any{"primary": true, "value": userName, "type": "work"}},
	})
	if err != nil {
		return "", err
	}
	id, _ := out["id"].(string)
	return id, nil
}

// Deactivate deactivates a user as Entra ID does: a PATCH that replaces
// active with the string "False".
func (p *IdP) Deactivate(id string) error {
	_, err := p.expect(http.StatusOK, "PATCH", "/Users/"+id, patch(map[string]any{
		"op": "Replace", "path": "active", "value": "False"}))
	return err
}

// CreateGroup creates a group with the given members and returns its ID.
func (p *IdP) CreateGroup(displayName string, memberIDs ...string) (string, error) {
	members := []any{}
	for _, id := range memberIDs {
		members = append(members, map[string]any{"value": id})
	}
	out, err := p.expect(http.StatusCreated, "POST", "/Groups", map[string]any{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"displayName": displayName, "members": members,
	})
	if err != nil {
		return "", err
	}
	id, _ := out["id"].(string)
	return id, nil
}

// AddMember adds a member to a group as Entra ID does.
func (p *IdP) AddMember(groupID, memberID string) error {
	_, err := p.expect(http.StatusNoContent, "PATCH", "/Groups/"+groupID, patch(map[string]any{
		"op": "Add", "path": "members", "value": []any{map[string]any{"value": memberID}}}))
	return err
}

// RemoveMember removes a member from a group as Okta does.
func (p *IdP) RemoveMember(groupID, memberID string) error {
	_, err := p.expect(http.StatusNoContent, "PATCH", "/Groups/"+groupID, patch(map[string]any{
		"op": "remove", "path": `members[value eq "` + memberID + `"]`}))
	return err
}

func patch(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, op := range ops {
		list[i] = op
	}
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": list}
}
