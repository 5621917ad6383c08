package scimtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/scim"
)

// TestStore runs the conformance suite against stores made by newStore,
// which is called once per subtest and must return an empty store. The
// same filters, sorts, pages, member changes and events must give the
// same answers on every store.
func TestStore(t *testing.T, newStore func(t *testing.T) scim.Store) {
	t.Helper()
	tests := []struct {
		name string
		run  func(*testing.T, scim.Store)
	}{
		{"Directories", testDirectories},
		{"Tokens", testTokens},
		{"FederatedIssuers", testFederatedIssuers},
		{"CRUD", testCRUD},
		{"UserNameUniqueness", testUniqueness},
		{"VersionConflict", testVersionConflict},
		{"Rollback", testRollback},
		{"Members", testMembers},
		{"DeleteCascades", testDeleteCascades},
		{"Filters", testFilters},
		{"SortAndPage", testSortAndPage},
		{"Events", testEvents},
		{"Cursors", testCursors},
		{"Isolation", testIsolation},
		{"ServicePatches", testServicePatches},
		{"ServiceGroups", testServiceGroups},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newStore(t)) })
	}
}

var base = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newDir(t *testing.T, s scim.Store, id, org string) *scim.Directory {
	t.Helper()
	d := &scim.Directory{ID: id, OrganizationID: org, Name: "IdP " + id, Created: base}
	if err := s.CreateDirectory(context.Background(), d); err != nil {
		t.Fatalf("CreateDirectory: %v", err)
	}
	return d
}

func user(id, userName string, attrs map[string]any) *scim.Resource {
	a := map[string]any{"userName": userName}
	for k, v := range attrs {
		a[k] = v
	}
	return &scim.Resource{ID: id, Kind: scim.KindUser, Attributes: a, Created: base,
		LastModified: base, Version: 1}
}

func group(id, name string) *scim.Resource {
	return &scim.Resource{ID: id, Kind: scim.KindGroup,
		Attributes: map[string]any{"displayName": name},
		Created:    base, LastModified: base, Version: 1}
}

func insert(t *testing.T, s scim.Store, dir string, rs ...*scim.Resource) {
	t.Helper()
	err := s.Update(context.Background(), dir, func(tx scim.Tx) error {
		for _, r := range rs {
			r.DirectoryID = dir
			if err := tx.Insert(context.Background(), r); err != nil {
				return fmt.Errorf("inserting %s: %w", r.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, s scim.Store, dir string, kind scim.Kind, id string) (*scim.Resource,
	error) {
	t.Helper()
	var r *scim.Resource
	err := s.View(context.Background(), dir, func(rd scim.Reader) error {
		var err error
		r, err = rd.Get(context.Background(), kind, id)
		return err
	})
	return r, err
}

func list(t *testing.T, s scim.Store, dir string, kind scim.Kind, q scim.Query) *scim.Page {
	t.Helper()
	var p *scim.Page
	err := s.View(context.Background(), dir, func(rd scim.Reader) error {
		var err error
		p, err = rd.List(context.Background(), kind, q)
		return err
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return p
}

func resourceIDs(p *scim.Page) []string {
	var out []string
	for _, r := range p.Resources {
		out = append(out, r.ID)
	}
	return out
}

func testDirectories(t *testing.T, s scim.Store) {
	ctx := context.Background()
	newDir(t, s, "dir_b", "org_1")
	newDir(t, s, "dir_a", "org_1")
	newDir(t, s, "dir_c", "org_2")
	ds, err := s.Directories(ctx, "org_1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.ID)
	}
	if !slices.Equal(got, []string{"dir_a", "dir_b"}) {
		t.Errorf("Directories(org_1) = %v, want [dir_a dir_b]", got)
	}
	d, err := s.Directory(ctx, "dir_c")
	if err != nil || d.OrganizationID != "org_2" || !d.Created.Equal(base) {
		t.Errorf("Directory(dir_c) = %+v, %v", d, err)
	}
	if _, err := s.Directory(ctx, "dir_x"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("Directory(missing) error = %v, want ErrNotFound", err)
	}
}

func testTokens(t *testing.T, s scim.Store) {
	ctx := context.Background()
	newDir(t, s, "dir_a", "org_1")
	tok := &scim.Token{ID: "tok_1", DirectoryID: "dir_a", OrganizationID: "org_1", Name: "okta",
		Hash: []byte("0123456789abcdef0123456789abcdef"), Hint: "...abcd", Created: base,
		Kind: scim.TokenAccess, ClientID: "cli_1"}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	got, err := s.TokenByHash(ctx, tok.Hash)
	if err != nil || got.ID != "tok_1" || string(got.Hash) != string(tok.Hash) ||
		got.Name != "okta" ||
		got.Kind != scim.TokenAccess || got.ClientID != "cli_1" {
		t.Fatalf("TokenByHash = %+v, %v", got, err)
	}
	if _, err := s.TokenByHash(ctx, []byte("nope")); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("TokenByHash(unknown) error = %v, want ErrNotFound", err)
	}
	got.RevokedAt, got.ExpiresAt = base.Add(time.Hour), base.Add(2*time.Hour)
	if err := s.UpdateToken(ctx, got); err != nil {
		t.Fatal(err)
	}
	ts, err := s.Tokens(ctx, "dir_a")
	if err != nil || len(ts) != 1 || !ts[0].RevokedAt.Equal(base.Add(time.Hour)) ||
		!ts[0].ExpiresAt.Equal(base.Add(2*time.Hour)) {
		t.Errorf("Tokens after revoke = %+v, %v", ts, err)
	}
	other := *got
	other.DirectoryID = "dir_b"
	if err := s.UpdateToken(ctx, &other); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("UpdateToken of another directory's token: %v, want ErrNotFound", err)
	}
	testExpiredAccessTokens(t, s)
}

func testExpiredAccessTokens(t *testing.T, s scim.Store) {
	ctx := context.Background()
	mk := func(id string, kind scim.TokenKind, expires time.Time) {
		err := s.CreateToken(ctx, &scim.Token{ID: id, DirectoryID: "dir_a", OrganizationID: "org_1",
			Kind: kind, Hash: []byte("hash-of-" + id), Created: base, ExpiresAt: expires})
		if err != nil {
			t.Fatal(err)
		}
	}
	mk("tok_old", scim.TokenAccess, base.Add(-time.Hour))
	mk("tok_new", scim.TokenAccess, base.Add(time.Hour))
	mk("tok_rotated", scim.TokenBearer, base.Add(-time.Hour))
	n, err := s.DeleteExpiredAccessTokens(ctx, "dir_a", base)
	if err != nil || n != 1 {
		t.Errorf("DeleteExpiredAccessTokens = %d, %v; want 1", n, err)
	}
	if _, err := s.TokenByHash(ctx, []byte("hash-of-tok_old")); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("expired access token still found: %v", err)
	}
	for _, id := range []string{"tok_new", "tok_rotated"} {
		if _, err := s.TokenByHash(ctx, []byte("hash-of-"+id)); err != nil {
			t.Errorf("%s was deleted: %v", id, err)
		}
	}
}

func testCRUD(t *testing.T, s scim.Store) {
	ctx := context.Background()
	newDir(t, s, "dir_a", "org_1")
	u := user("usr_1", "bjensen@example.com", map[string]any{
		"name": map[string]any{"givenName": "Barbara"},
		"emails": []any{map[string]any{"value": "bjensen@example.com",
			"primary": true}},
		"active":                  true,
		scim.SchemaEnterpriseUser: map[string]any{"employeeNumber": "701984"},
	})
	u.ExternalID = "ext-1"
	insert(t, s, "dir_a", u)

	got, err := get(t, s, "dir_a", scim.KindUser, "usr_1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := diffResource(u, got); diff != "" {
		t.Errorf("Get after Insert (-want +got):\n%s", diff)
	}
	if _, err := get(t, s, "dir_a", scim.KindGroup, "usr_1"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("Get with the wrong kind: %v, want ErrNotFound", err)
	}

	next := got.Clone()
	next.Version = 2
	next.Attributes["active"] = false
	next.LastModified = base.Add(time.Minute)
	update(t, s, "dir_a", func(tx scim.Tx) error { return tx.Replace(ctx, next) })
	got, _ = get(t, s, "dir_a", scim.KindUser, "usr_1")
	if diff := diffResource(next, got); diff != "" {
		t.Errorf("Get after Replace (-want +got):\n%s", diff)
	}

	update(t, s, "dir_a", func(tx scim.Tx) error { return tx.Delete(ctx, scim.KindUser, "usr_1") })
	if _, err := get(t, s, "dir_a", scim.KindUser, "usr_1"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("Get after Delete: %v, want ErrNotFound", err)
	}
	err = s.Update(ctx, "dir_a", func(tx scim.Tx) error {
		return tx.Delete(ctx, scim.KindUser,
			"usr_1")
	})
	if !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("second Delete: %v, want ErrNotFound", err)
	}
}

func update(t *testing.T, s scim.Store, dir string, fn func(scim.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), dir, fn); err != nil {
		t.Fatal(err)
	}
}
