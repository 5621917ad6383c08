package authz

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// The property tests compare the engine with ref, an evaluator that
// follows the definitions literally: no indexes, no cycle detection, no
// depth bound. The generated data is acyclic (groups and folders nest
// only towards higher numbers) so that the literal definitions terminate.

const (
	propUsers   = 3
	propGroups  = 3
	propFolders = 3
	propDocs    = 3
	propRels    = 3
)

type reference struct {
	m      *compiledModel
	tuples []Tuple
}

func (r *reference) has(object, relation, user string) bool {
	for _, t := range r.tuples {
		if t.Object == object && t.Relation == relation && t.User == user {
			return true
		}
	}
	return false
}

func (r *reference) holds(object, relation, user string) bool {
	typ, _, _ := strings.Cut(object, ":")
	ri := r.m.lookup(typ, relation)
	return r.eval(ri, object, &ri.def.Rewrite, user)
}

func (r *reference) eval(ri *relInfo, object string, w *Rewrite, user string) bool {
	switch w.Op {
	case OpDirect:
		if r.has(object, ri.name, user) {
			return true
		}
		if !strings.HasSuffix(user, ":*") && r.has(object, ri.name, "user:*") {
			return true
		}
		for _, t := range r.tuples {
			if t.Object == object && t.Relation == ri.name && strings.Contains(t.User, "#") {
				obj, rel, _ := strings.Cut(t.User, "#")
				if r.holds(obj, rel, user) {
					return true
				}
			}
		}
		return false
	case OpComputed:
		return r.holds(object, w.Relation, user)
	case OpTupleToUserset:
		for _, t := range r.tuples {
			if t.Object == object && t.Relation == w.Tupleset && r.holds(t.User, w.Relation, user) {
				return true
			}
		}
		return false
	case OpUnion:
		return slices.ContainsFunc(w.Children, func(c Rewrite) bool { return r.eval(ri, object, &c, user) })
	case OpIntersection:
		return !slices.ContainsFunc(w.Children, func(c Rewrite) bool { return !r.eval(ri, object, &c, user) })
	case OpExclusion:
		return r.eval(ri, object, &w.Children[0], user) && !r.eval(ri, object, &w.Children[1], user)
	}
	panic("unknown op")
}

// genExpr draws a rewrite over the relations r0..r(i-1) of the same type
// and any relation of the parent folder.
func genExpr(t *rapid.T, i, depth int) Rewrite {
	kinds := []string{"from"}
	if i > 0 {
		kinds = append(kinds, "computed")
	}
	if depth < 2 {
		kinds = append(kinds, "or", "and", "but not")
	}
	switch rapid.SampledFrom(kinds).Draw(t, "kind") {
	case "computed":
		return Computed(fmt.Sprintf("r%d", rapid.IntRange(0, i-1).Draw(t, "rel")))
	case "from":
		return From("parent", fmt.Sprintf("r%d", rapid.IntRange(0, propRels-1).Draw(t, "rel")))
	case "or":
		return Union(genExpr(t, i, depth+1), genExpr(t, i, depth+1))
	case "and":
		return Intersection(genExpr(t, i, depth+1), genExpr(t, i, depth+1))
	}
	return Exclusion(genExpr(t, i, depth+1), genExpr(t, i, depth+1))
}

func genRelations(t *rapid.T) []RelationDefinition {
	rels := []RelationDefinition{Define("parent", Direct(User("folder")))}
	for i := range propRels {
		direct := Direct(User("user"), Wildcard("user"), Userset("group", "member"))
		var w Rewrite
		switch rapid.IntRange(0, 3).Draw(t, "combine") {
		case 0:
			w = direct
		case 1:
			w = Union(direct, genExpr(t, i, 0))
		case 2:
			w = Intersection(direct, genExpr(t, i, 0))
		default:
			w = Exclusion(direct, genExpr(t, i, 0))
		}
		rels = append(rels, Define(fmt.Sprintf("r%d", i), w))
	}
	return rels
}

func genModel(t *rapid.T) *Model {
	return &Model{Types: []TypeDefinition{
		Type("user"),
		Type("group", Define("member", Direct(User("user"), Wildcard("user"), Userset("group", "member")))),
		Type("folder", genRelations(t)...),
		Type("doc", genRelations(t)...),
	}}
}

func genUser(t *rapid.T, minGroup int) string {
	switch rapid.IntRange(0, 4).Draw(t, "userKind") {
	case 0:
		return "user:*"
	case 1:
		if minGroup < propGroups {
			return fmt.Sprintf("group:g%d#member", rapid.IntRange(minGroup, propGroups-1).Draw(t, "group"))
		}
	}
	return fmt.Sprintf("user:u%d", rapid.IntRange(0, propUsers-1).Draw(t, "user"))
}

func genTuples(t *rapid.T) []Tuple {
	seen := map[Tuple]bool{}
	var out []Tuple
	add := func(tp Tuple) {
		if !seen[tp] {
			seen[tp] = true
			out = append(out, tp)
		}
	}
	n := rapid.IntRange(0, 25).Draw(t, "tuples")
	for range n {
		switch rapid.IntRange(0, 3).Draw(t, "tupleKind") {
		case 0:
			g := rapid.IntRange(0, propGroups-1).Draw(t, "g")
			add(tup(fmt.Sprintf("group:g%d", g), "member", genUser(t, g+1)))
		case 1:
			f := rapid.IntRange(0, propFolders-2).Draw(t, "f")
			add(tup(fmt.Sprintf("folder:f%d", f), "parent",
				fmt.Sprintf("folder:f%d", rapid.IntRange(f+1, propFolders-1).Draw(t, "p"))))
		case 2:
			add(tup(fmt.Sprintf("doc:d%d", rapid.IntRange(0, propDocs-1).Draw(t, "d")), "parent",
				fmt.Sprintf("folder:f%d", rapid.IntRange(0, propFolders-1).Draw(t, "p"))))
		default:
			typ := rapid.SampledFrom([]string{"doc:d", "folder:f"}).Draw(t, "type")
			add(tup(fmt.Sprintf("%s%d", typ, rapid.IntRange(0, 2).Draw(t, "o")),
				fmt.Sprintf("r%d", rapid.IntRange(0, propRels-1).Draw(t, "r")), genUser(t, 0)))
		}
	}
	return out
}

func TestEngineMatchesReference(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		m := genModel(t)
		cm, err := compile(m)
		if err != nil && strings.Contains(err.Error(), "never resolve") {
			t.Skip("the model has a relation that no finite data satisfies")
		}
		if err != nil {
			t.Fatalf("generated an invalid model: %v", err)
		}
		tuples := genTuples(t)
		s, _ := New(Config{Store: NewMemoryStore()})
		ctx := context.Background()
		if _, err := s.WriteModel(ctx, "o", m); err != nil {
			t.Fatal(err)
		}
		if len(tuples) > 0 {
			if err := s.Write(ctx, "o", WriteRequest{Writes: tuples}); err != nil {
				t.Fatal(err)
			}
		}
		r := &reference{m: cm, tuples: tuples}
		users := []string{"user:*"}
		for u := range propUsers {
			users = append(users, fmt.Sprintf("user:u%d", u))
		}
		for _, typ := range []string{"doc", "folder"} {
			for rel := range propRels {
				compareRelation(t, s, r, typ, fmt.Sprintf("r%d", rel), users)
			}
		}
	})
}

func compareRelation(t *rapid.T, s *Service, r *reference, typ, rel string, users []string) {
	ctx := context.Background()
	prefix := typ[:1]
	wantUsers := map[string][]string{}
	for _, u := range users {
		var wantObjects []string
		for o := range 3 {
			obj := fmt.Sprintf("%s:%s%d", typ, prefix, o)
			want := r.holds(obj, rel, u)
			got, err := s.Check(ctx, "o", CheckRequest{Object: obj, Relation: rel, User: u})
			if err != nil || got != want {
				t.Fatalf("Check(%s#%s@%s) = %v, %v; reference says %v", obj, rel, u, got, err, want)
			}
			if want {
				wantObjects = append(wantObjects, obj)
				wantUsers[obj] = append(wantUsers[obj], u)
			}
		}
		if u == "user:*" {
			continue
		}
		p, err := s.ListObjects(ctx, "o", ListObjectsRequest{Type: typ, Relation: rel, User: u})
		if err != nil || strings.Join(p.Items, ",") != strings.Join(wantObjects, ",") {
			t.Fatalf("ListObjects(%s#%s@%s) = %v, %v; reference says %v", typ, rel, u, p.Items, err, wantObjects)
		}
	}
	for o := range 3 {
		obj := fmt.Sprintf("%s:%s%d", typ, prefix, o)
		p, err := s.ListUsers(ctx, "o", ListUsersRequest{Object: obj, Relation: rel, UserType: "user"})
		if err != nil {
			t.Fatal(err)
		}
		// A listed user holds the relation; a user who holds it is listed,
		// or covered by a listed user:*; user:* is listed when it holds.
		wild := slices.Contains(p.Items, "user:*")
		ok := wild == r.holds(obj, rel, "user:*")
		for _, u := range users[1:] {
			listed, holds := slices.Contains(p.Items, u), r.holds(obj, rel, u)
			excluded := slices.Contains(p.Excluded, u)
			ok = ok && (!listed || holds) && (!holds || listed || wild)
			// Under a wildcard, exactly the users who do not hold are excluded.
			ok = ok && (wild && excluded == !holds || !wild && !excluded)
		}
		if !ok {
			t.Fatalf("ListUsers(%s#%s) = %v; reference says %v", obj, rel, p.Items, wantUsers[obj])
		}
	}
}
