package authztest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/authz"
	"pgregory.net/rapid"
)

// The engine test compares the engine with reference, an evaluator that
// follows the definitions literally. The generated data is acyclic
// (groups and folders nest only towards higher numbers) so that the
// literal definitions terminate.

const (
	propUsers   = 3
	propGroups  = 3
	propFolders = 3
	propDocs    = 3
	propRels    = 3
)

type reference struct {
	m      *authz.Model
	tuples []authz.Tuple
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
	rd := r.m.TypeDef(typ).Relation(relation)
	return r.eval(rd, object, &rd.Rewrite, user)
}

func (r *reference) eval(rd *authz.RelationDefinition, object string, w *authz.Rewrite,
	user string) bool {
	switch w.Op {
	case authz.OpDirect:
		if r.has(object, rd.Name, user) {
			return true
		}
		if !strings.HasSuffix(user, ":*") && r.has(object, rd.Name, "user:*") {
			return true
		}
		for _, t := range r.tuples {
			if t.Object == object && t.Relation == rd.Name && strings.Contains(t.User, "#") {
				obj, rel, _ := strings.Cut(t.User, "#")
				if r.holds(obj, rel, user) {
					return true
				}
			}
		}
		return false
	case authz.OpComputed:
		return r.holds(object, w.Relation, user)
	case authz.OpTupleToUserset:
		for _, t := range r.tuples {
			if t.Object == object && t.Relation == w.Tupleset && r.holds(t.User, w.Relation, user) {
				return true
			}
		}
		return false
	case authz.OpUnion:
		return slices.ContainsFunc(w.Children, func(c authz.Rewrite) bool { return r.eval(rd, object, &c, user) })
	case authz.OpIntersection:
		return !slices.ContainsFunc(w.Children, func(c authz.Rewrite) bool { return !r.eval(rd, object, &c, user) })
	case authz.OpExclusion:
		return r.eval(rd, object, &w.Children[0], user) && !r.eval(rd, object, &w.Children[1], user)
	}
	panic("unknown op")
}

// genExpr draws a rewrite over the relations r0..r(i-1) of the same type
// and any relation of the parent folder.
func genExpr(t *rapid.T, i, depth int) authz.Rewrite {
	kinds := []string{"from"}
	if i > 0 {
		kinds = append(kinds, "computed")
	}
	if depth < 2 {
		kinds = append(kinds, "or", "and", "but not")
	}
	switch rapid.SampledFrom(kinds).Draw(t, "kind") {
	case "computed":
		return authz.Computed(fmt.Sprintf("r%d", rapid.IntRange(0, i-1).Draw(t, "rel")))
	case "from":
		return authz.From("parent", fmt.Sprintf("r%d", rapid.IntRange(0, propRels-1).Draw(t, "rel")))
	case "or":
		return authz.Union(genExpr(t, i, depth+1), genExpr(t, i, depth+1))
	case "and":
		return authz.Intersection(genExpr(t, i, depth+1), genExpr(t, i, depth+1))
	}
	return authz.Exclusion(genExpr(t, i, depth+1), genExpr(t, i, depth+1))
}

func genRelations(t *rapid.T) []authz.RelationDefinition {
	rels := []authz.RelationDefinition{authz.Define("parent", authz.Direct(authz.User("folder")))}
	for i := range propRels {
		direct := authz.Direct(authz.User("user"), authz.Wildcard("user"), authz.Userset("group", "member"))
		var w authz.Rewrite
		switch rapid.IntRange(0, 3).Draw(t, "combine") {
		case 0:
			w = direct
		case 1:
			w = authz.Union(direct, genExpr(t, i, 0))
		case 2:
			w = authz.Intersection(direct, genExpr(t, i, 0))
		default:
			w = authz.Exclusion(direct, genExpr(t, i, 0))
		}
		rels = append(rels, authz.Define(fmt.Sprintf("r%d", i), w))
	}
	return rels
}

func genModel(t *rapid.T) *authz.Model {
	return &authz.Model{Types: []authz.TypeDefinition{
		authz.Type("user"),
		authz.Type("group", authz.Define("member", authz.Direct(authz.User("user"), authz.Wildcard("user"), authz.Userset("group", "member")))),
		authz.Type("folder", genRelations(t)...),
		authz.Type("doc", genRelations(t)...),
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

func genTuples(t *rapid.T) []authz.Tuple {
	seen := map[authz.Tuple]bool{}
	var out []authz.Tuple
	add := func(tp authz.Tuple) {
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

// TestEngine checks a Store through the engine: it draws random models
// (direct types with wildcards and usersets, computed relations,
// tuple-to-userset, union, intersection and exclusion nested two deep)
// and acyclic data, writes them through an [authz.Service] on one store
// from newStore (each case in an organization of its own), and compares
// Check, ListObjects and ListUsers with a literal reference evaluator
// that uses no indexes, no cycle detection and no depth bound. The
// number of cases follows rapid's -rapid.checks flag (default 100).
func TestEngine(t *testing.T, newStore func(t *testing.T) authz.Store) {
	t.Helper()
	store := newStore(t)
	s, err := authz.New(authz.Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	// A second instance with the revision-keyed cache must agree with
	// the reference too, after the first instance deletes tuples.
	cached, err := authz.New(authz.Config{Store: store, CheckCacheSize: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	rapid.Check(t, func(t *rapid.T) {
		n++
		org := fmt.Sprintf("org_prop_%d", n)
		m := genModel(t)
		err := m.Validate()
		if err != nil && strings.Contains(err.Error(), "never resolve") {
			t.Skip("the model has a relation that no finite data satisfies")
		}
		if err != nil {
			t.Fatalf("generated an invalid model: %v", err)
		}
		tuples := genTuples(t)
		ctx := context.Background()
		if _, err := s.WriteModel(ctx, org, m); err != nil {
			t.Fatal(err)
		}
		if len(tuples) > 0 {
			if err := s.Write(ctx, org, authz.WriteRequest{Writes: tuples}); err != nil {
				t.Fatal(err)
			}
		}
		r := &reference{m: m, tuples: tuples}
		users := []string{"user:*"}
		for u := range propUsers {
			users = append(users, fmt.Sprintf("user:u%d", u))
		}
		for _, typ := range []string{"doc", "folder"} {
			for rel := range propRels {
				compareRelation(t, s, org, r, typ, fmt.Sprintf("r%d", rel), users)
			}
		}
		compareChecks(t, cached, org, r, users)
		if kept, deleted := splitTuples(t, tuples); len(deleted) > 0 {
			if err := s.Write(ctx, org, authz.WriteRequest{Deletes: deleted}); err != nil {
				t.Fatal(err)
			}
			compareChecks(t, cached, org, &reference{m: m, tuples: kept}, users)
		}
	})
}

// compareChecks compares Check through s, twice (the second answer may
// come from a cache), with the reference for every object and user.
func compareChecks(t *rapid.T, s *authz.Service, org string, r *reference, users []string) {
	ctx := context.Background()
	for _, typ := range []string{"doc", "folder"} {
		for rel := range propRels {
			for o := range 3 {
				obj := fmt.Sprintf("%s:%s%d", typ, typ[:1], o)
				for _, u := range users {
					want := r.holds(obj, fmt.Sprintf("r%d", rel), u)
					for range 2 {
						got, err := s.Check(ctx, org, authz.CheckRequest{Object: obj,
							Relation: fmt.Sprintf("r%d", rel), User: u})
						if err != nil || got != want {
							t.Fatalf("cached Check(%s#r%d@%s) = %v, %v; reference says %v",
								obj, rel, u, got, err, want)
						}
					}
				}
			}
		}
	}
}

// splitTuples draws which tuples to delete.
func splitTuples(t *rapid.T, tuples []authz.Tuple) (kept, deleted []authz.Tuple) {
	for i, tp := range tuples {
		if rapid.Bool().Draw(t, fmt.Sprintf("delete%d", i)) {
			deleted = append(deleted, tp)
		} else {
			kept = append(kept, tp)
		}
	}
	return kept, deleted
}

func compareRelation(t *rapid.T, s *authz.Service, org string, r *reference, typ, rel string,
	users []string) {
	ctx := context.Background()
	prefix := typ[:1]
	wantUsers := map[string][]string{}
	for _, u := range users {
		var wantObjects []string
		for o := range 3 {
			obj := fmt.Sprintf("%s:%s%d", typ, prefix, o)
			want := r.holds(obj, rel, u)
			got, err := s.Check(ctx, org, authz.CheckRequest{Object: obj, Relation: rel, User: u})
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
		p, err := s.ListObjects(ctx, org, authz.ListObjectsRequest{Type: typ, Relation: rel, User: u})
		if err != nil || strings.Join(p.Items, ",") != strings.Join(wantObjects, ",") {
			t.Fatalf("ListObjects(%s#%s@%s) = %v, %v; reference says %v", typ, rel, u, p.Items, err, wantObjects)
		}
	}
	for o := range 3 {
		obj := fmt.Sprintf("%s:%s%d", typ, prefix, o)
		p, err := s.ListUsers(ctx, org, authz.ListUsersRequest{Object: obj, Relation: rel, UserType: "user"})
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
