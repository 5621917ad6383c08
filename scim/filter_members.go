package scim

import "context"

// maxMemberCandidates bounds the groups a membership filter may select
// before the rest of the filter applies.
const maxMemberCandidates = 1000

// list runs a query through the store. A group filter that tests
// membership, such as Entra ID's id eq "g" and members eq "u", is
// answered from the membership index: members are kept apart from the
// group, so stores never see such terms.
func (s *Service) list(ctx context.Context, rd Reader, kind Kind, q Query) (*Page, error) {
	if kind != KindGroup || q.Filter == nil || !mentionsMembers(q.Filter.expr) {
		return rd.List(ctx, kind, q)
	}
	rest, ids := memberTerms(q.Filter.expr)
	if len(ids) == 0 || (rest != nil && mentionsMembers(rest)) {
		return nil, errorf(400, ScimTypeInvalidFilter,
			`members can be filtered only as members eq "id" (or members[value eq "id"]) joined by and`)
	}
	groups, err := groupsOfAll(ctx, rd, ids)
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return &Page{}, nil
	}
	if len(groups) > maxMemberCandidates {
		return nil, errorf(400, ScimTypeTooMany, "the member belongs to too many groups to filter")
	}
	f := &Filter{raw: q.Filter.raw, expr: idsExpr(groups)}
	if rest != nil {
		f.expr = &Logical{Op: "and", Left: rest, Right: f.expr}
	}
	q.Filter = f
	return rd.List(ctx, kind, q)
}

// groupsOfAll returns the groups that have every one of ids as a member.
func groupsOfAll(ctx context.Context, rd Reader, ids []string) ([]string, error) {
	var out []string
	for i, id := range ids {
		gs, err := rd.GroupsOf(ctx, id)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			out = gs
			continue
		}
		keep := map[string]bool{}
		for _, g := range gs {
			keep[g] = true
		}
		kept := out[:0]
		for _, g := range out {
			if keep[g] {
				kept = append(kept, g)
			}
		}
		out = kept
	}
	return out, nil
}

var idPath = AttrPath{Name: "id", Attr: commonAttrs[0]}

// idsExpr is id eq "a" or id eq "b" or ...
func idsExpr(ids []string) Expr {
	var e Expr
	for _, id := range ids {
		c := &Compare{Path: idPath, Op: "eq", Value: id}
		if e == nil {
			e = c
		} else {
			e = &Logical{Op: "or", Left: e, Right: c}
		}
	}
	return e
}

// memberTerms splits the and-joined terms of e that test membership
// (members eq "id", members.value eq "id", members[value eq "id"]) from
// the rest, which is nil when nothing remains.
func memberTerms(e Expr) (rest Expr, ids []string) {
	if l, ok := e.(*Logical); ok && l.Op == "and" {
		lr, lids := memberTerms(l.Left)
		rr, rids := memberTerms(l.Right)
		ids = append(lids, rids...)
		switch {
		case lr == nil:
			return rr, ids
		case rr == nil:
			return lr, ids
		}
		return &Logical{Op: "and", Left: lr, Right: rr}, ids
	}
	if id, ok := memberTest(e); ok {
		return nil, []string{id}
	}
	return e, nil
}

// memberTest recognizes one membership test and returns the member ID.
func memberTest(e Expr) (string, bool) {
	switch x := e.(type) {
	case *Compare:
		id, ok := x.Value.(string)
		isMembers := x.Path.Schema == "" && x.Path.Name == "members" &&
			(x.Path.Sub == "" || x.Path.Sub == "value")
		return id, ok && isMembers && x.Op == "eq"
	case *ValueFilter:
		if x.Path.Schema != "" || x.Path.Name != "members" {
			return "", false
		}
		c, ok := x.Filter.(*Compare)
		if !ok || c.Op != "eq" || c.Path.Name != "value" {
			return "", false
		}
		id, ok := c.Value.(string)
		return id, ok
	}
	return "", false
}

// mentionsMembers reports whether a filter refers to members anywhere.
func mentionsMembers(e Expr) bool {
	switch x := e.(type) {
	case *Logical:
		return mentionsMembers(x.Left) || mentionsMembers(x.Right)
	case *Not:
		return mentionsMembers(x.X)
	case *Compare:
		return x.Path.Schema == "" && x.Path.Name == "members"
	case *ValueFilter:
		return x.Path.Schema == "" && x.Path.Name == "members"
	}
	return false
}
