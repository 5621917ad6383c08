package scim

import (
	"context"
	"slices"
)

// Bounds of a user's nested memberships.
const (
	// maxNesting is how many levels of nested groups are followed.
	maxNesting = 16
	// maxMemberships is how many groups, direct and indirect, are
	// reported for one member.
	maxMemberships = 1000
)

// Membership is a group that a user (or group) belongs to: directly, as
// one of its members, or indirectly, as a member of a group nested in it.
type Membership struct {
	GroupID string
	Direct  bool
}

// memberships returns the groups memberID belongs to, as RFC 7643
// section 4.1.2 reports them in a user's groups: the direct ones first,
// then each level of nesting in turn, each group once, in ID order
// within a level. Cycles end where a group comes round again. Past
// maxNesting levels or maxMemberships groups the rest is left out, so
// that a pathological directory cannot make one read unbounded.
func memberships(ctx context.Context, rd Reader, memberID string) ([]Membership, error) {
	seen := map[string]bool{memberID: true}
	var out []Membership
	level := []string{memberID}
	for depth := 0; depth < maxNesting && len(level) > 0; depth++ {
		var next []string
		for _, id := range level {
			gids, err := rd.GroupsOf(ctx, id)
			if err != nil {
				return nil, err
			}
			for _, g := range gids {
				if !seen[g] {
					seen[g] = true
					next = append(next, g)
				}
			}
		}
		slices.Sort(next)
		for _, g := range next {
			if len(out) == maxMemberships {
				return out, nil
			}
			out = append(out, Membership{GroupID: g, Direct: depth == 0})
		}
		level = next
	}
	return out, nil
}
