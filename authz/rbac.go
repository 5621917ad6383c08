package authz

import (
	"context"
	"fmt"
)

// RolesModel is a ready model for organization roles that a host can
// start from and extend: owners are admins, admins are members, and
// groups (nested) can hold roles. A host adds its own types below it, for
// example a document whose viewers include "member from organization".
const RolesModel = `model
  schema 1.1

type user

type group
  relations
    define member: [user, group#member]

type organization
  relations
    define owner: [user]
    define admin: [user, group#member] or owner
    define member: [user, group#member] or admin
`

// OrganizationObject returns the object that stands for an organization in
// a roles model: "organization:"+org. The organization ID must be a valid
// object ID (no "#", ":" or whitespace), as the IDs of package ids are.
func OrganizationObject(org string) string { return "organization:" + org }

// AssignRole gives the user (such as "user:anne" or "group:eng#member")
// the role, a relation of the organization type, in the organization.
// Assigning a role the user has is not an error.
func (s *Service) AssignRole(ctx context.Context, org, role, user string) error {
	return s.Write(ctx, org, WriteRequest{IgnoreDuplicates: true,
		Writes: []Tuple{{Object: OrganizationObject(org), Relation: role, User: user}}})
}

// RevokeRole takes the role from the user. Revoking a role the user does
// not hold directly is not an error; roles held through groups or
// implied by other roles remain.
func (s *Service) RevokeRole(ctx context.Context, org, role, user string) error {
	return s.Write(ctx, org, WriteRequest{IgnoreMissing: true,
		Deletes: []Tuple{{Object: OrganizationObject(org), Relation: role, User: user}}})
}

// HasRole reports whether the user holds the role, directly, through a
// group or through a role that implies it.
func (s *Service) HasRole(ctx context.Context, org, role, user string) (bool, error) {
	return s.Check(ctx, org, CheckRequest{Object: OrganizationObject(org), Relation: role, User: user})
}

// Roles returns the roles (relations of the organization type) that the
// user holds, in model order.
func (s *Service) Roles(ctx context.Context, org, user string) ([]string, error) {
	cm, err := s.compiled(ctx, org, "")
	if err != nil {
		return nil, err
	}
	ti := cm.types["organization"]
	if ti == nil {
		return nil, fmt.Errorf("%w: the model has no organization type", ErrInvalidRequest)
	}
	roles := []string{}
	for _, rel := range ti.def.Relations {
		ok, err := s.checkWith(ctx, org, cm, CheckRequest{Object: OrganizationObject(org), Relation: rel.Name, User: user})
		if err != nil {
			return nil, err
		}
		if ok {
			roles = append(roles, rel.Name)
		}
	}
	return roles, nil
}

// RoleMembers lists the users of type userType ("user") holding the
// role, a page at a time.
func (s *Service) RoleMembers(ctx context.Context, org, role, userType, cursor string,
	limit int) (ListPage, error) {
	return s.ListUsers(ctx, org, ListUsersRequest{Object: OrganizationObject(org), Relation: role,
		UserType: userType, Cursor: cursor, Limit: limit})
}
