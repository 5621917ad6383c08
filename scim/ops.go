package scim

import (
	"context"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/ids"
)

// etag returns the entity tag of a resource version.
func etag(version int64) string { return `W/"` + strconv.FormatInt(version, 10) + `"` }

// checkVersion applies an If-Match header ("" means none) to r.
func checkVersion(r *Resource, ifMatch string) error {
	if ifMatch == "" || ifMatch == "*" {
		return nil
	}
	for _, tag := range strings.Split(ifMatch, ",") {
		tag = strings.TrimSpace(tag)
		if tag == etag(r.Version) || `W/`+tag == etag(r.Version) {
			return nil
		}
	}
	return errorf(412, "", "the resource's version is not the one given in If-Match")
}

// idPrefix returns the ID prefix of a kind.
func idPrefix(k Kind) string {
	if k == KindGroup {
		return "grp"
	}
	return "usr"
}

// create stores a new resource from a client's document.
func (s *Service) create(ctx context.Context, d *Directory, rt *resourceType,
	doc map[string]any) (*Resource, error) {
	n, err := rt.normalize(doc)
	if err != nil {
		return nil, err
	}
	now := s.stamp()
	r := &Resource{ID: ids.NewAt(idPrefix(rt.kind), now), DirectoryID: d.ID, Kind: rt.kind,
		ExternalID: n.externalID, Attributes: n.attrs, Created: now, LastModified: now, Version: 1}
	err = s.store.Update(ctx, d.ID, func(tx Tx) error {
		if err := tx.Insert(ctx, r); err != nil {
			return err
		}
		ev := &events{s: s, d: d, tx: tx}
		if err := ev.created(ctx, r); err != nil {
			return err
		}
		return ev.applyMembers(ctx, r.ID, []memberOp{{add: n.members}})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// replace replaces a resource with a client's document (PUT).
func (s *Service) replace(ctx context.Context, d *Directory, rt *resourceType, id string,
	doc map[string]any, ifMatch string) (*Resource, error) {
	n, err := rt.normalize(doc)
	if err != nil {
		return nil, err
	}
	var out *Resource
	err = s.store.Update(ctx, d.ID, func(tx Tx) error {
		old, err := tx.Get(ctx, rt.kind, id)
		if err != nil {
			return err
		}
		if err := checkVersion(old, ifMatch); err != nil {
			return err
		}
		var ops []memberOp
		if n.hasMembers {
			ops = []memberOp{{replace: true, add: n.members}}
		}
		out, err = s.write(ctx, d, tx, old, n, ops)
		return err
	})
	return out, err
}

// patch applies PATCH operations to a resource, all or none.
func (s *Service) patch(ctx context.Context, d *Directory, rt *resourceType, id string,
	ops []PatchOp, ifMatch string) (*Resource, error) {
	var out *Resource
	err := s.store.Update(ctx, d.ID, func(tx Tx) error {
		old, err := tx.Get(ctx, rt.kind, id)
		if err != nil {
			return err
		}
		if err := checkVersion(old, ifMatch); err != nil {
			return err
		}
		p, err := rt.patch(old, ops)
		if err != nil {
			return err
		}
		n, err := rt.normalize(p.doc)
		if err != nil {
			return err
		}
		out, err = s.write(ctx, d, tx, old, n, p.members)
		return err
	})
	return out, err
}

// write stores the new state of old, if it changed, with its events.
func (s *Service) write(ctx context.Context, d *Directory, tx Tx, old *Resource, n *normalized,
	ops []memberOp) (*Resource, error) {
	r := old.Clone()
	r.Attributes, r.ExternalID = n.attrs, n.externalID
	changed := changedAttrs(old, r)
	ev := &events{s: s, d: d, tx: tx}
	if len(changed) > 0 {
		r.Version++
		r.LastModified = s.stamp()
		if err := tx.Replace(ctx, r); err != nil {
			return nil, err
		}
		if err := ev.updated(ctx, old, r, changed); err != nil {
			return nil, err
		}
	}
	if err := ev.applyMembers(ctx, r.ID, ops); err != nil {
		return nil, err
	}
	if ev.changes > 0 && len(changed) == 0 {
		// Members are part of the group: its version and lastModified
		// move, so that ETags stay true. The member events tell what.
		r.Version++
		r.LastModified = s.stamp()
		if err := tx.Replace(ctx, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// changedAttrs names the top-level attributes that differ between a and b.
func changedAttrs(a, b *Resource) []string {
	var out []string
	if a.ExternalID != b.ExternalID {
		out = append(out, "externalId")
	}
	for k, v := range b.Attributes {
		if !reflect.DeepEqual(a.Attributes[k], v) {
			out = append(out, k)
		}
	}
	for k := range a.Attributes {
		if _, ok := b.Attributes[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// remove deletes a resource, telling the groups it was in.
func (s *Service) remove(ctx context.Context, d *Directory, rt *resourceType, id,
	ifMatch string) error {
	return s.store.Update(ctx, d.ID, func(tx Tx) error {
		old, err := tx.Get(ctx, rt.kind, id)
		if err != nil {
			return err
		}
		if err := checkVersion(old, ifMatch); err != nil {
			return err
		}
		ev := &events{s: s, d: d, tx: tx}
		if err := ev.leaveGroups(ctx, old); err != nil {
			return err
		}
		if err := tx.Delete(ctx, rt.kind, id); err != nil {
			return err
		}
		return ev.deleted(ctx, old)
	})
}

// errMemberMissing is returned for a member that is not in the directory.
func errMemberMissing(id string) error {
	return errorf(400, ScimTypeInvalidValue, "member %q is not a user or group of this directory",
		id)
}
