package scimtest_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/scim"
	"github.com/gatehouse/gatehouse/scim/scimtest"
)

func TestIdP(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := scim.NewMemoryStore()
	svc, _ := scim.New(scim.Config{Store: store})
	dir, _ := svc.CreateDirectory(ctx, "org_1", "Okta")
	_, sec, _ := svc.IssueToken(ctx, "org_1", dir.ID, "okta")
	idp := &scimtest.IdP{Handler: svc.Handler(), Token: sec.Reveal(), Prefix: "/scim/v2"}

	uid, err := idp.CreateUser("ada@example.com", "Ada", "Lovelace")
	if err != nil {
		t.Fatal(err)
	}
	gid, err := idp.CreateGroup("Engineers")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() error{
		func() error { return idp.AddMember(gid, uid) },
		func() error { return idp.RemoveMember(gid, uid) },
		func() error { return idp.Deactivate(uid) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	u, err := svc.User(ctx, "org_1", dir.ID, uid)
	if err != nil || u.Active || u.Name.GivenName != "Ada" {
		t.Errorf("user = %+v, %v", u, err)
	}
	if _, err := (&scimtest.IdP{Handler: svc.Handler(), Token: "wrong", Prefix: "/scim/v2"}).
		CreateUser("x@example.com", "X", "Y"); err == nil {
		t.Error("a wrong token was accepted")
	}
}
