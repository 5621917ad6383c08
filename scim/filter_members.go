package scim

import "context"

// maxMemberCandidates bounds how many groups the membership terms of one
// filter may select in all before the rest of the filter applies.
const maxMemberCandidates = 1000

// list runs a query through the store. Members are kept apart from their
// group, so stores never see a term that tests membership, such as Entra
// ID's id eq "g" and members eq "u": each such term, wherever it stands
// under and, or and not, is first answered from the membership index and
// replaced by the IDs of the groups it selects.
func (s *Service) list(ctx context.Context, rd Reader, kind Kind, q Query) (*Page, error) {
	if kind != KindGroup || q.Filter == nil || !mentionsMembers(q.Filter.expr) {
		return rd.List(ctx, kind, q)
	}
	budget := maxMemberCandidates
	expr, err := resolveMembers(ctx, rd, q.Filter.expr, &budget)
	if err != nil {
		return nil, err
	}
	q.Filter = &Filter{raw: q.Filter.raw, expr: expr}
	return rd.List(ctx, kind, q)
}

// resolveMembers returns e with each membership test replaced by an id
// test on the member's groups, charging their number to budget.
func resolveMembers(ctx context.Context, rd Reader, e Expr, budget *int) (Expr, error) {
	switch x := e.(type) {
	case *Logical:
		l, err := resolveMembers(ctx, rd, x.Left, budget)
		if err != nil {
			return nil, err
		}
		r, err := resolveMembers(ctx, rd, x.Right, budget)
		if err != nil {
			return nil, err
		}
		return &Logical{Op: x.Op, Left: l, Right: r}, nil
	case *Not:
		inner, err := resolveMembers(ctx, rd, x.X, budget)
		if err != nil {
			return nil, err
		}
		return &Not{X: inner}, nil
	}
	if !mentionsMembers(e) {
		return e, nil
	}
	member, ok := memberTest(e)
	if !ok {
		return nil, errorf(400, ScimTypeInvalidFilter,
			`members can be filtered only by a member's id: members eq "id", members.value eq "id" `+
				`or members[value eq "id"]`)
	}
	groups, err := rd.GroupsOf(ctx, member)
	if err != nil {
		return nil, err
	}
	if *budget -= len(groups); *budget < 0 {
		return nil, errorf(400, ScimTypeTooMany, "the filter's members belong to too many groups to filter")
	}
	return idsExpr(groups), nil
}

var idPath = AttrPath{Name: "id", Attr: commonAttrs[0]}

// noResource matches nothing: every resource has a non-empty id.
var noResource = &Compare{Path: idPath, Op: "eq", Value: ""}

// idsExpr is id eq "a" or id eq "b" or ..., and matches nothing when ids
// is empty.
func idsExpr(ids []string) Expr {
	var e Expr = noResource
	for i, id := range ids {
		c := &Compare{Path: idPath, Op: "eq", Value: id}
		if i == 0 {
			e = c
		} else {
			e = &Logical{Op: "or", Left: e, Right: c}
		}
	}
	return e
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
