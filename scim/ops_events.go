package scim

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/ids"
)

// events writes the outbox events of one change, in its transaction.
type events struct {
	s  *Service
	d  *Directory
	tx Tx
	// changes counts the members added and removed.
	changes int
}

func (e *events) emit(ctx context.Context, typ string, payload any) error {
	return e.tx.Emit(ctx, Event{ID: ids.New("evt"), Type: typ, OrganizationID: e.d.OrganizationID,
		DirectoryID: e.d.ID, Time: e.s.stamp(), Payload: payload})
}

func userPayload(r *Resource, changed []string) UserEvent {
	return UserEvent{UserID: r.ID, UserName: r.UserName(), ExternalID: r.ExternalID,
		Active: r.Active(), Changed: changed}
}

func groupPayload(r *Resource, changed []string) GroupEvent {
	return GroupEvent{GroupID: r.ID, DisplayName: r.DisplayName(), ExternalID: r.ExternalID,
		Changed: changed}
}

func (e *events) created(ctx context.Context, r *Resource) error {
	if r.Kind == KindGroup {
		return e.emit(ctx, EventGroupCreated, groupPayload(r, nil))
	}
	return e.emit(ctx, EventUserCreated, userPayload(r, nil))
}

func (e *events) deleted(ctx context.Context, r *Resource) error {
	if r.Kind == KindGroup {
		return e.emit(ctx, EventGroupDeleted, groupPayload(r, nil))
	}
	return e.emit(ctx, EventUserDeleted, userPayload(r, nil))
}

// updated writes scim.*.updated, and for users whose active flag flipped,
// scim.user.deactivated or scim.user.reactivated as well.
func (e *events) updated(ctx context.Context, old, r *Resource, changed []string) error {
	if r.Kind == KindGroup {
		return e.emit(ctx, EventGroupUpdated, groupPayload(r, changed))
	}
	if err := e.emit(ctx, EventUserUpdated, userPayload(r, changed)); err != nil {
		return err
	}
	switch {
	case old.Active() && !r.Active():
		return e.emit(ctx, EventUserDeactivated, userPayload(r, changed))
	case !old.Active() && r.Active():
		return e.emit(ctx, EventUserReactivated, userPayload(r, changed))
	}
	return nil
}

// memberPage is how many members a clear reads at a time.
const memberPage = 500

// applyMembers applies member changes to a group, one member at a time,
// checking that added members exist in the directory. It counts the
// members added and removed in e.changes.
func (e *events) applyMembers(ctx context.Context, group string, ops []memberOp) error {
	for _, op := range ops {
		if op.clear {
			if err := e.clearMembers(ctx, group); err != nil {
				return err
			}
		}
		if op.replace {
			if err := e.replaceMembers(ctx, group, op.add); err != nil {
				return err
			}
			continue
		}
		for _, m := range op.add {
			if err := e.addMember(ctx, group, m); err != nil {
				return err
			}
		}
		for _, id := range op.remove {
			if err := e.removeMember(ctx, group, id, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *events) addMember(ctx context.Context, group string, m Member) error {
	r, err := e.tx.Get(ctx, m.Type, m.Value)
	if err == ErrNotFound && m.Type == KindUser {
		m.Type = KindGroup // clients often omit the type of nested groups
		r, err = e.tx.Get(ctx, KindGroup, m.Value)
	}
	if err == ErrNotFound || (err == nil && r.ID == group) {
		return errMemberMissing(m.Value)
	}
	if err != nil {
		return err
	}
	if m.Display == "" {
		m.Display = displayOf(r)
	}
	added, err := e.tx.AddMember(ctx, group, m)
	if err != nil || !added {
		return err
	}
	e.changes++
	return e.emit(ctx, EventMemberAdded, MemberEvent{GroupID: group, MemberID: m.Value,
		MemberType: m.Type})
}

func displayOf(r *Resource) string {
	if d := r.DisplayName(); d != "" {
		return d
	}
	return r.UserName()
}

func (e *events) removeMember(ctx context.Context, group, id string, typ Kind) error {
	removed, err := e.tx.RemoveMember(ctx, group, id)
	if err != nil || !removed {
		return err
	}
	e.changes++
	if typ == "" {
		typ = KindUser
		if _, err := e.tx.Get(ctx, KindGroup, id); err == nil {
			typ = KindGroup
		}
	}
	return e.emit(ctx, EventMemberRemoved, MemberEvent{GroupID: group, MemberID: id,
		MemberType: typ})
}

// replaceMembers makes want the group's membership, removing and adding
// only the difference, so that a full-membership PUT (Okta's Group Push)
// reports no change for members that stay. It reads the current members a
// page at a time.
func (e *events) replaceMembers(ctx context.Context, group string, want []Member) error {
	if len(want) == 0 {
		return e.clearMembers(ctx, group)
	}
	wanted := make(map[string]bool, len(want))
	for _, m := range want {
		wanted[m.Value] = true
	}
	var drop []Member
	after := ""
	for {
		ms, err := e.tx.Members(ctx, group, after, memberPage)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if !wanted[m.Value] {
				drop = append(drop, m)
			}
		}
		if len(ms) < memberPage {
			break
		}
		after = ms[len(ms)-1].Value
	}
	for _, m := range drop {
		if err := e.removeMember(ctx, group, m.Value, m.Type); err != nil {
			return err
		}
	}
	for _, m := range want {
		if err := e.addMember(ctx, group, m); err != nil {
			return err
		}
	}
	return nil
}

// clearMembers removes every member, a page at a time.
func (e *events) clearMembers(ctx context.Context, group string) error {
	for {
		ms, err := e.tx.Members(ctx, group, "", memberPage)
		if err != nil || len(ms) == 0 {
			return err
		}
		for _, m := range ms {
			if err := e.removeMember(ctx, group, m.Value, m.Type); err != nil {
				return err
			}
		}
	}
}

// leaveGroups removes a resource about to be deleted from its groups,
// with member_removed events.
func (e *events) leaveGroups(ctx context.Context, r *Resource) error {
	groups, err := e.tx.GroupsOf(ctx, r.ID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if err := e.removeMember(ctx, g, r.ID, r.Kind); err != nil {
			return err
		}
		if err := e.touch(ctx, g); err != nil {
			return err
		}
	}
	return nil
}

// touch moves a group's version and lastModified after a member change
// made from outside the group.
func (e *events) touch(ctx context.Context, group string) error {
	g, err := e.tx.Get(ctx, KindGroup, group)
	if err != nil {
		return err
	}
	g.Version++
	g.LastModified = e.s.stamp()
	return e.tx.Replace(ctx, g)
}
