package scim

import (
	"context"
	"fmt"
)

// ListOptions selects and pages a host-side list of users or groups.
type ListOptions struct {
	// Filter is a SCIM filter such as `active eq true`; "" selects all.
	Filter string
	// After is the cursor a previous page returned; "" starts at the
	// beginning.
	After string
	// Limit is the page size; 0 means 100, and at most MaxResults.
	Limit int
}

// UserPage is a page of users; Next is the cursor of the next page, or ""
// after the last one.
type UserPage struct {
	Users []*User
	Total int
	Next  string
}

// GroupPage is a page of groups.
type GroupPage struct {
	Groups []*Group
	Total  int
	Next   string
}

// hostQuery turns list options into a store query in ID order.
func (s *Service) hostQuery(kind Kind, o ListOptions) (Query, error) {
	q := Query{StartIndex: 1, Count: o.Limit, After: o.After}
	if q.Count <= 0 {
		q.Count = 100
	}
	q.Count = min(q.Count, s.maxPage)
	if o.Filter != "" {
		f, err := s.schemas.of(kind).parseFilter(o.Filter)
		if err != nil {
			return q, err
		}
		q.Filter = f
	}
	return q, nil
}

// listResources lists one page for the host read API.
func (s *Service) listResources(ctx context.Context, org, dir string, kind Kind,
	o ListOptions) (*Page, string, error) {
	if _, err := s.directory(ctx, org, dir); err != nil {
		return nil, "", err
	}
	q, err := s.hostQuery(kind, o)
	if err != nil {
		return nil, "", err
	}
	var p *Page
	err = s.store.View(ctx, dir, func(rd Reader) error {
		p, err = s.list(ctx, rd, kind, q)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if n := len(p.Resources); n == q.Count && n < p.Total {
		next = p.Resources[n-1].ID
	}
	return p, next, nil
}

// Users lists the users of a directory the organization owns, in ID
// order, a page at a time.
func (s *Service) Users(ctx context.Context, organizationID, directoryID string,
	o ListOptions) (*UserPage, error) {
	p, next, err := s.listResources(ctx, organizationID, directoryID, KindUser, o)
	if err != nil {
		return nil, fmt.Errorf("scim: listing users: %w", err)
	}
	out := &UserPage{Total: p.Total, Next: next}
	for _, r := range p.Resources {
		out.Users = append(out.Users, UserOf(r))
	}
	return out, nil
}

// Groups lists the groups of a directory the organization owns.
func (s *Service) Groups(ctx context.Context, organizationID, directoryID string,
	o ListOptions) (*GroupPage, error) {
	p, next, err := s.listResources(ctx, organizationID, directoryID, KindGroup, o)
	if err != nil {
		return nil, fmt.Errorf("scim: listing groups: %w", err)
	}
	out := &GroupPage{Total: p.Total, Next: next}
	for _, r := range p.Resources {
		out.Groups = append(out.Groups, GroupOf(r))
	}
	return out, nil
}

// User returns one user of a directory the organization owns, or an
// error wrapping ErrNotFound.
func (s *Service) User(ctx context.Context, organizationID, directoryID, id string) (*User, error) {
	r, err := s.getResource(ctx, organizationID, directoryID, KindUser, id)
	if err != nil {
		return nil, fmt.Errorf("scim: reading user: %w", err)
	}
	return UserOf(r), nil
}

// Group returns one group of a directory the organization owns.
func (s *Service) Group(ctx context.Context, organizationID, directoryID, id string) (*Group,
	error) {
	r, err := s.getResource(ctx, organizationID, directoryID, KindGroup, id)
	if err != nil {
		return nil, fmt.Errorf("scim: reading group: %w", err)
	}
	return GroupOf(r), nil
}

func (s *Service) getResource(ctx context.Context, org, dir string, kind Kind,
	id string) (*Resource, error) {
	if _, err := s.directory(ctx, org, dir); err != nil {
		return nil, err
	}
	var r *Resource
	err := s.store.View(ctx, dir, func(rd Reader) error {
		var err error
		r, err = rd.Get(ctx, kind, id)
		return err
	})
	return r, err
}

// Members returns up to limit members of a group after the member ID
// after, in ID order.
func (s *Service) Members(ctx context.Context, organizationID, directoryID, groupID,
	after string, limit int) ([]Member, error) {
	if _, err := s.directory(ctx, organizationID, directoryID); err != nil {
		return nil, fmt.Errorf("scim: listing members: %w", err)
	}
	var ms []Member
	err := s.store.View(ctx, directoryID, func(rd Reader) error {
		var err error
		ms, err = rd.Members(ctx, groupID, after, min(max(limit, 1), s.maxPage))
		return err
	})
	return ms, err
}

// GroupsOfUser returns the IDs of the groups a user directly belongs to.
func (s *Service) GroupsOfUser(ctx context.Context, organizationID, directoryID,
	userID string) ([]string, error) {
	if _, err := s.directory(ctx, organizationID, directoryID); err != nil {
		return nil, fmt.Errorf("scim: listing groups of a user: %w", err)
	}
	var ids []string
	err := s.store.View(ctx, directoryID, func(rd Reader) error {
		var err error
		ids, err = rd.GroupsOf(ctx, userID)
		return err
	})
	return ids, err
}

// MembershipsOfUser returns the groups a user belongs to, directly and
// through groups nested in them, as the user's groups attribute shows
// them: direct ones first, then each level of nesting, each group once.
// Nesting is followed 16 levels deep and to 1,000 groups at most.
func (s *Service) MembershipsOfUser(ctx context.Context, organizationID, directoryID,
	userID string) ([]Membership, error) {
	if _, err := s.directory(ctx, organizationID, directoryID); err != nil {
		return nil, fmt.Errorf("scim: listing memberships of a user: %w", err)
	}
	var ms []Membership
	err := s.store.View(ctx, directoryID, func(rd Reader) error {
		var err error
		ms, err = memberships(ctx, rd, userID)
		return err
	})
	return ms, err
}
