package scimtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatehouse/gatehouse/scim"
)

func diffResource(want, got *scim.Resource) string {
	return cmp.Diff(want, got, cmpopts.EquateEmpty(), cmp.Comparer(func(a, b time.Time) bool {
		return a.Equal(b)
	}))
}

func testUniqueness(t *testing.T, s scim.Store) {
	ctx := context.Background()
	newDir(t, s, "dir_a", "org_1")
	newDir(t, s, "dir_b", "org_1")
	insert(t, s, "dir_a", user("usr_1", "Alice@Example.com", nil), user("usr_2", "bob", nil))
	err := s.Update(ctx, "dir_a", func(tx scim.Tx) error {
		return tx.Insert(ctx, user("usr_3", "alice@example.COM", nil))
	})
	if !errors.Is(err, scim.ErrUniqueness) {
		t.Errorf("Insert of a userName differing in case: %v, want ErrUniqueness", err)
	}
	insert(t, s, "dir_b", user("usr_4", "alice@example.com", nil)) // another directory

	bob, _ := get(t, s, "dir_a", scim.KindUser, "usr_2")
	bob.Version++
	bob.Attributes["userName"] = "ALICE@example.com"
	err = s.Update(ctx, "dir_a", func(tx scim.Tx) error { return tx.Replace(ctx, bob) })
	if !errors.Is(err, scim.ErrUniqueness) {
		t.Errorf("Replace onto a taken userName: %v, want ErrUniqueness", err)
	}
	alice, _ := get(t, s, "dir_a", scim.KindUser, "usr_1")
	alice.Version++
	alice.Attributes["userName"] = "alice@example.com" // own name, new case
	update(t, s, "dir_a", func(tx scim.Tx) error { return tx.Replace(ctx, alice) })

	// A renamed user frees its old name; a deleted one too.
	bob.Attributes["userName"] = "robert"
	update(t, s, "dir_a", func(tx scim.Tx) error { return tx.Replace(ctx, bob) })
	update(t, s, "dir_a", func(tx scim.Tx) error { return tx.Delete(ctx, scim.KindUser, "usr_1") })
	insert(t, s, "dir_a", user("usr_5", "BOB", nil), user("usr_6", "alice@example.com", nil))
}

func testVersionConflict(t *testing.T, s scim.Store) {
	ctx := context.Background()
	newDir(t, s, "dir_a", "org_1")
	insert(t, s, "dir_a", user("usr_1", "a", nil))
	stale := user("usr_1", "a2", nil)
	stale.DirectoryID, stale.Version = "dir_a", 5
	err := s.Update(ctx, "dir_a", func(tx scim.Tx) error { return tx.Replace(ctx, stale) })
	if !errors.Is(err, scim.ErrConflict) {
		t.Errorf("Replace with a stale version: %v, want ErrConflict", err)
	}
	missing := user("usr_9", "z", nil)
	missing.Version = 2
	err = s.Update(ctx, "dir_a", func(tx scim.Tx) error { return tx.Replace(ctx, missing) })
	if !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("Replace of a missing resource: %v, want ErrNotFound", err)
	}
}

func testRollback(t *testing.T, s scim.Store) {
	ctx := context.Background()
	newDir(t, s, "dir_a", "org_1")
	insert(t, s, "dir_a", user("usr_1", "a", nil), group("grp_1", "Eng"))
	boom := errors.New("boom")
	err := s.Update(ctx, "dir_a", func(tx scim.Tx) error {
		steps := []func() error{
			func() error { return tx.Insert(ctx, user("usr_2", "b", nil)) },
			func() error { return tx.Delete(ctx, scim.KindGroup, "grp_1") },
			func() error {
				_, err := tx.AddMember(ctx, "grp_1", scim.Member{Value: "usr_1",
					Type: scim.KindUser})
				return err
			},
			func() error { return tx.Emit(ctx, event("evt_1", scim.EventUserCreated)) },
			func() error {
				r := user("usr_1", "renamed", nil)
				r.DirectoryID, r.Version = "dir_a", 2
				return tx.Replace(ctx, r)
			},
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want the function's error", err)
	}
	if _, err := get(t, s, "dir_a", scim.KindUser, "usr_2"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("inserted user survived the rollback: %v", err)
	}
	if _, err := get(t, s, "dir_a", scim.KindGroup, "grp_1"); err != nil {
		t.Errorf("deleted group not restored: %v", err)
	}
	if u, _ := get(t, s, "dir_a", scim.KindUser, "usr_1"); u == nil || u.UserName() != "a" ||
		u.Version != 1 {
		t.Errorf("replaced user not restored: %+v", u)
	}
	if evs, _ := s.Events(ctx, "", 10); len(evs) != 0 {
		t.Errorf("events survived the rollback: %v", evs)
	}
	if ms := members(t, s, "dir_a", "grp_1"); len(ms) != 0 {
		t.Errorf("members survived the rollback: %v", ms)
	}
	// The old userName is still taken and the new one free.
	insert(t, s, "dir_a", user("usr_3", "renamed", nil))
}

func event(id, typ string) scim.Event {
	return scim.Event{ID: id, Type: typ, OrganizationID: "org_1", DirectoryID: "dir_a", Time: base,
		Payload: scim.UserEvent{UserID: "usr_1", UserName: "a", Active: true,
			Changed: []string{"active"}}}
}

func members(t *testing.T, s scim.Store, dir, group string) []string {
	t.Helper()
	var out []string
	err := s.View(context.Background(), dir, func(rd scim.Reader) error {
		after := ""
		for {
			ms, err := rd.Members(context.Background(), group, after, 2)
			if err != nil || len(ms) == 0 {
				return err
			}
			for _, m := range ms {
				out = append(out, m.Value)
			}
			after = ms[len(ms)-1].Value
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func testMembers(t *testing.T, s scim.Store) {
	ctx := context.Background()
	newDir(t, s, "dir_a", "org_1")
	insert(t, s, "dir_a", group("grp_1", "Eng"), group("grp_2", "Ops"),
		user("usr_1", "a", nil), user("usr_2", "b", nil), user("usr_3", "c", nil))
	update(t, s, "dir_a", func(tx scim.Tx) error {
		for _, id := range []string{"usr_3", "usr_1", "usr_2", "grp_2"} {
			kind := scim.KindUser
			if id == "grp_2" {
				kind = scim.KindGroup
			}
			added, err := tx.AddMember(ctx, "grp_1", scim.Member{Value: id, Type: kind,
				Display: "d-" + id})
			if err != nil || !added {
				return fmt.Errorf("AddMember(%s) = %v, %v", id, added, err)
			}
		}
		again, err := tx.AddMember(ctx, "grp_1", scim.Member{Value: "usr_1", Type: scim.KindUser})
		if err != nil || again {
			return fmt.Errorf("AddMember of a member = %v, %v; want false", again, err)
		}
		_, err = tx.AddMember(ctx, "grp_2", scim.Member{Value: "usr_1", Type: scim.KindUser})
		return err
	})
	if got, want := members(t, s, "dir_a", "grp_1"), []string{"grp_2", "usr_1", "usr_2",
		"usr_3"}; !slices.Equal(got, want) {
		t.Errorf("Members = %v, want %v", got, want)
	}
	checkMembership(t, s, "grp_1", "usr_2", true)
	checkMembership(t, s, "grp_2", "usr_2", false)
	checkGroupsOf(t, s, "usr_1", []string{"grp_1", "grp_2"})

	update(t, s, "dir_a", func(tx scim.Tx) error {
		removed, err := tx.RemoveMember(ctx, "grp_1", "usr_2")
		if err != nil || !removed {
			return fmt.Errorf("RemoveMember = %v, %v", removed, err)
		}
		removed, err = tx.RemoveMember(ctx, "grp_1", "usr_2")
		if err != nil || removed {
			return fmt.Errorf("RemoveMember of a non-member = %v, %v", removed, err)
		}
		return nil
	})
	checkMembership(t, s, "grp_1", "usr_2", false)
	var first []scim.Member
	_ = s.View(ctx, "dir_a", func(rd scim.Reader) error {
		first, _ = rd.Members(ctx, "grp_1", "", 1)
		return nil
	})
	want := []scim.Member{{Value: "grp_2", Type: scim.KindGroup, Display: "d-grp_2"}}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("first member (-want +got):\n%s", diff)
	}
}

func checkMembership(t *testing.T, s scim.Store, group, member string, want bool) {
	t.Helper()
	_ = s.View(context.Background(), "dir_a", func(rd scim.Reader) error {
		got, err := rd.IsMember(context.Background(), group, member)
		if err != nil || got != want {
			t.Errorf("IsMember(%s, %s) = %v, %v; want %v", group, member, got, err, want)
		}
		return nil
	})
}

func checkGroupsOf(t *testing.T, s scim.Store, member string, want []string) {
	t.Helper()
	_ = s.View(context.Background(), "dir_a", func(rd scim.Reader) error {
		got, err := rd.GroupsOf(context.Background(), member)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("GroupsOf(%s) = %v, %v; want %v", member, got, err, want)
		}
		return nil
	})
}

func testDeleteCascades(t *testing.T, s scim.Store) {
	ctx := context.Background()
	newDir(t, s, "dir_a", "org_1")
	insert(t, s, "dir_a", group("grp_1", "Eng"), group("grp_2", "Ops"), user("usr_1", "a", nil),
		user("usr_2", "b", nil))
	update(t, s, "dir_a", func(tx scim.Tx) error {
		for _, m := range [][2]string{{"grp_1", "usr_1"}, {"grp_1", "usr_2"}, {"grp_2", "usr_1"}} {
			if _, err := tx.AddMember(ctx, m[0], scim.Member{Value: m[1],
				Type: scim.KindUser}); err != nil {
				return err
			}
		}
		return nil
	})
	update(t, s, "dir_a", func(tx scim.Tx) error { return tx.Delete(ctx, scim.KindUser, "usr_1") })
	if got := members(t, s, "dir_a", "grp_1"); !slices.Equal(got, []string{"usr_2"}) {
		t.Errorf("grp_1 members after deleting usr_1 = %v", got)
	}
	update(t, s, "dir_a", func(tx scim.Tx) error { return tx.Delete(ctx, scim.KindGroup, "grp_1") })
	checkGroupsOf(t, s, "usr_2", nil)
	insert(t, s, "dir_a", group("grp_1", "Eng again"))
	if got := members(t, s, "dir_a", "grp_1"); len(got) != 0 {
		t.Errorf("a new group with a deleted group's ID has members %v", got)
	}
}

func testEvents(t *testing.T, s scim.Store) {
	ctx := context.Background()
	newDir(t, s, "dir_a", "org_1")
	var want []scim.Event
	for i := range 5 {
		e := event(fmt.Sprintf("evt_%d", i), scim.EventUserDeactivated)
		e.Time = base.Add(time.Duration(i) * time.Second)
		want = append(want, e)
		update(t, s, "dir_a", func(tx scim.Tx) error { return tx.Emit(ctx, e) })
	}
	var got []scim.Event
	after := ""
	for {
		evs, err := s.Events(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		got = append(got, evs...)
		after = evs[len(evs)-1].Cursor
	}
	opts := []cmp.Option{cmpopts.IgnoreFields(scim.Event{}, "Cursor"),
		cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })}
	if diff := cmp.Diff(want, got, opts...); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if _, err := s.Events(ctx, "not a cursor!", 2); err == nil {
		t.Error("Events accepted a malformed cursor")
	}
}

func testCursors(t *testing.T, s scim.Store) {
	ctx := context.Background()
	if c, err := s.Cursor(ctx, "app"); err != nil || c != "" {
		t.Errorf("Cursor of a new consumer = %q, %v", c, err)
	}
	for _, c := range []string{"3", "7"} {
		if err := s.SetCursor(ctx, "app", c); err != nil {
			t.Fatal(err)
		}
	}
	if c, err := s.Cursor(ctx, "app"); err != nil || c != "7" {
		t.Errorf("Cursor = %q, %v; want 7", c, err)
	}
}

func testIsolation(t *testing.T, s scim.Store) {
	ctx := context.Background()
	newDir(t, s, "dir_a", "org_1")
	newDir(t, s, "dir_b", "org_2")
	insert(t, s, "dir_a", user("usr_1", "a", nil), group("grp_1", "Eng"))
	update(t, s, "dir_a", func(tx scim.Tx) error {
		_, err := tx.AddMember(ctx, "grp_1", scim.Member{Value: "usr_1", Type: scim.KindUser})
		return err
	})
	if _, err := get(t, s, "dir_b", scim.KindUser, "usr_1"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("dir_b reads dir_a's user: %v", err)
	}
	if p := list(t, s, "dir_b", scim.KindUser, scim.Query{Count: -1}); p.Total != 0 {
		t.Errorf("dir_b lists %d users of dir_a", p.Total)
	}
	if got := members(t, s, "dir_b", "grp_1"); len(got) != 0 {
		t.Errorf("dir_b reads dir_a's members: %v", got)
	}
	for name, fn := range map[string]func(tx scim.Tx) error{
		"Delete": func(tx scim.Tx) error { return tx.Delete(ctx, scim.KindUser, "usr_1") },
		"Replace": func(tx scim.Tx) error {
			r := user("usr_1", "stolen", nil)
			r.Version = 2
			return tx.Replace(ctx, r)
		},
	} {
		if err := s.Update(ctx, "dir_b", fn); !errors.Is(err, scim.ErrNotFound) {
			t.Errorf("%s from dir_b: %v, want ErrNotFound", name, err)
		}
	}
	update(t, s, "dir_b", func(tx scim.Tx) error {
		removed, err := tx.RemoveMember(ctx, "grp_1", "usr_1")
		if removed {
			return errors.New("dir_b removed a member of dir_a's group")
		}
		return err
	})
	if got, _ := get(t, s, "dir_a", scim.KindUser, "usr_1"); got == nil || got.UserName() != "a" {
		t.Errorf("dir_a's user changed: %+v", got)
	}
	checkMembership(t, s, "grp_1", "usr_1", true)
}

func testFederatedIssuers(t *testing.T, s scim.Store) {
	ctx := context.Background()
	newDir(t, s, "dir_a", "org_1")
	newDir(t, s, "dir_b", "org_2")
	mk := func(id, dir, iss, aud string) error {
		return s.CreateFederatedIssuer(ctx, &scim.FederatedIssuer{ID: id, DirectoryID: dir, Issuer: iss,
			JWKSURL: "https://login.example/keys", Audience: aud, Created: base})
	}
	if err := mk("fed_1", "dir_a", "https://sts.example/t1/", "app-a"); err != nil {
		t.Fatal(err)
	}
	if err := mk("fed_2", "dir_a", "https://sts.example/t2/", "app-a"); err != nil {
		t.Fatal(err)
	}
	if err := mk("fed_3", "dir_b", "https://sts.example/t1/", "app-a"); !errors.Is(err, scim.ErrUniqueness) {
		t.Errorf("a second directory trusting the same issuer and audience: %v, want ErrUniqueness", err)
	}
	if err := mk("fed_4", "dir_b", "https://sts.example/t1/", "app-b"); err != nil {
		t.Fatal(err)
	}
	if err := mk("fed_5", "dir_x", "https://sts.example/t9/", "x"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("a trust for a missing directory: %v, want ErrNotFound", err)
	}
	ids := func(fs []*scim.FederatedIssuer, err error) []string {
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range fs {
			out = append(out, f.ID)
		}
		return out
	}
	if got := ids(s.FederatedIssuers(ctx, "https://sts.example/t1/", "")); !slices.Equal(got, []string{"fed_1", "fed_4"}) {
		t.Errorf("by issuer: %v", got)
	}
	if got := ids(s.FederatedIssuers(ctx, "", "dir_a")); !slices.Equal(got, []string{"fed_1", "fed_2"}) {
		t.Errorf("by directory: %v", got)
	}
	if err := s.DeleteFederatedIssuer(ctx, "dir_b", "fed_1"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("deleting another directory's trust: %v", err)
	}
	if err := s.DeleteFederatedIssuer(ctx, "dir_a", "fed_1"); err != nil {
		t.Fatal(err)
	}
	if got := ids(s.FederatedIssuers(ctx, "", "dir_a")); !slices.Equal(got, []string{"fed_2"}) {
		t.Errorf("after delete: %v", got)
	}
}
