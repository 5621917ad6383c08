package scim

// applyMembers turns an operation on a group's members into member
// changes, applied later one member at a time, so that a group of any
// size is changed without reading its members.
func (p *patcher) applyMembers(op string, t *target, v any) error {
	if t.sub != "" || t.path.Sub != "" {
		return errorf(400, ScimTypeInvalidPath, "members can only be added or removed whole")
	}
	if t.filter != nil {
		if op != "remove" {
			return errorf(400, ScimTypeInvalidPath, "members[...] is supported only with remove")
		}
		ids, ok := memberIDs(t.filter, nil)
		if !ok {
			return errorf(400, ScimTypeInvalidFilter,
				`member filters must be of the form value eq "id" (joined with or)`)
		}
		p.members = append(p.members, memberOp{remove: ids})
		return nil
	}
	ms, err := normalizeMembers(v)
	if err != nil {
		return err
	}
	switch {
	case op == "remove" && v == nil:
		p.members = append(p.members, memberOp{clear: true})
	case op == "remove":
		ids := make([]string, len(ms))
		for i, m := range ms {
			ids[i] = m.Value
		}
		p.members = append(p.members, memberOp{remove: ids})
	case op == "replace":
		p.members = append(p.members, memberOp{replace: true, add: ms})
	default:
		p.members = append(p.members, memberOp{add: ms})
	}
	return nil
}

// memberIDs reads the IDs of a filter made of value eq "..." comparisons
// joined with or.
func memberIDs(e Expr, into []string) ([]string, bool) {
	switch x := e.(type) {
	case *Logical:
		if x.Op != "or" {
			return nil, false
		}
		into, ok := memberIDs(x.Left, into)
		if !ok {
			return nil, false
		}
		return memberIDs(x.Right, into)
	case *Compare:
		s, ok := x.Value.(string)
		if x.Op != "eq" || x.Path.Name != "value" || !ok {
			return nil, false
		}
		return append(into, s), true
	}
	return nil, false
}
