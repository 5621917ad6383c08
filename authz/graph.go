package authz

import "sync"

// edge is a way in which holding one relation leads to holding another,
// walked backwards by ListObjects.
type edge struct {
	kind     edgeKind
	typ, rel string // the relation reached
	tupleset string // for edgeTTU
}

type edgeKind int

const (
	// edgeComputed: the same object's typ#rel is defined through it.
	edgeComputed edgeKind = iota
	// edgeUserset: typ#rel directly allows the userset.
	edgeUserset
	// edgeTTU: typ#rel is "rel from tupleset" and the tupleset relates
	// objects of the type.
	edgeTTU
)

// graph holds the reverse edges of a model.
type graph struct {
	// from maps a type and relation to the relations it leads to.
	from map[typeRel][]edge
	// direct maps a user form ("user", "user:*", "group#member") to the
	// relations that allow it directly.
	direct map[string][]edge
}

// typeRel names a relation of a type.
type typeRel struct{ typ, rel string }

// lazyGraph builds a model's graph once, when first needed.
type lazyGraph struct {
	once sync.Once
	g    *graph
}

func (cm *compiledModel) graph() *graph {
	cm.lazy.once.Do(func() {
		g := &graph{from: map[typeRel][]edge{}, direct: map[string][]edge{}}
		for _, t := range cm.m.Types {
			for _, r := range t.Relations {
				g.add(cm, t.Name, r.Name, &r.Rewrite)
			}
		}
		cm.lazy.g = g
	})
	return cm.lazy.g
}

func (g *graph) add(cm *compiledModel, typ, rel string, w *Rewrite) {
	switch w.Op {
	case OpDirect:
		for _, ref := range w.Types {
			k := refKey(ref)
			g.direct[k] = appendEdge(g.direct[k], edge{kind: edgeUserset, typ: typ, rel: rel})
			if ref.Relation != "" {
				k := typeRel{ref.Type, ref.Relation}
				g.from[k] = appendEdge(g.from[k], edge{kind: edgeUserset, typ: typ, rel: rel})
			}
		}
	case OpComputed:
		k := typeRel{typ, w.Relation}
		g.from[k] = appendEdge(g.from[k], edge{kind: edgeComputed, typ: typ, rel: rel})
	case OpTupleToUserset:
		for _, ref := range cm.lookup(typ, w.Tupleset).direct {
			if cm.lookup(ref.Type, w.Relation) == nil {
				continue
			}
			k := typeRel{ref.Type, w.Relation}
			g.from[k] = appendEdge(g.from[k], edge{kind: edgeTTU, typ: typ, rel: rel, tupleset: w.Tupleset})
		}
	case OpExclusion:
		// Only the base can grant; the subtracted side never adds users.
		g.add(cm, typ, rel, &w.Children[0])
	default:
		for i := range w.Children {
			g.add(cm, typ, rel, &w.Children[i])
		}
	}
}

func appendEdge(es []edge, e edge) []edge {
	for _, x := range es {
		if x == e {
			return es
		}
	}
	return append(es, e)
}
