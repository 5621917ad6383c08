package authz

import (
	"fmt"
	"strings"
)

// tokenize splits a relation's rewrite into names and the punctuation
// [ ] ( ) , : * #.
func tokenize(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case strings.IndexByte("[](),:*#", c) >= 0:
			toks = append(toks, s[i:i+1])
			i++
		default:
			j := i
			for j < len(s) && strings.IndexByte("[](),:*# \t\r", s[j]) < 0 {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty rewrite")
	}
	return toks, nil
}

// exprParser reads a rewrite:
//
//	expr  = term { "or" term } | term { "and" term } | term "but" "not" term
//	term  = "[" types "]" | name "from" name | name | "(" expr ")"
//
// Operators do not mix without parentheses, as in OpenFGA.
type exprParser struct {
	toks []string
	i    int
}

func (p *exprParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *exprParser) take(want string) error {
	if got := p.peek(); got != want {
		if got == "" {
			return fmt.Errorf("expected %q at the end", want)
		}
		return fmt.Errorf("expected %q, found %q", want, got)
	}
	p.i++
	return nil
}

func (p *exprParser) expr(depth int) (Rewrite, error) {
	if depth > maxRewriteNesting {
		return Rewrite{}, fmt.Errorf("parentheses nested deeper than %d", maxRewriteNesting)
	}
	first, err := p.term(depth)
	if err != nil {
		return Rewrite{}, err
	}
	op := p.peek()
	switch op {
	case "or", "and":
		kids := []Rewrite{first}
		for p.peek() == op {
			p.i++
			t, err := p.term(depth)
			if err != nil {
				return Rewrite{}, err
			}
			kids = append(kids, t)
		}
		if next := p.peek(); next == "or" || next == "and" || next == "but" {
			return Rewrite{}, fmt.Errorf("%q and %q need parentheses to mix", op, next)
		}
		if op == "or" {
			return Union(kids...), nil
		}
		return Intersection(kids...), nil
	case "but":
		p.i++
		if err := p.take("not"); err != nil {
			return Rewrite{}, err
		}
		sub, err := p.term(depth)
		if err != nil {
			return Rewrite{}, err
		}
		if next := p.peek(); next == "or" || next == "and" || next == "but" {
			return Rewrite{}, fmt.Errorf("\"but not\" and %q need parentheses to mix", next)
		}
		return Exclusion(first, sub), nil
	}
	return first, nil
}

func (p *exprParser) term(depth int) (Rewrite, error) {
	switch tok := p.peek(); tok {
	case "[":
		p.i++
		return p.direct()
	case "(":
		p.i++
		w, err := p.expr(depth + 1)
		if err != nil {
			return Rewrite{}, err
		}
		return w, p.take(")")
	case "", "]", ")", ",", ":", "*", "#", "or", "and", "but", "not", "from", "with":
		if tok == "" {
			return Rewrite{}, fmt.Errorf("expected a relation at the end")
		}
		return Rewrite{}, fmt.Errorf("expected a relation, found %q", tok)
	default:
		p.i++
		if p.peek() != "from" {
			return Computed(tok), nil
		}
		p.i++
		tupleset := p.peek()
		if !validName(tupleset) || isKeyword(tupleset) {
			return Rewrite{}, fmt.Errorf("expected a relation after \"from\"")
		}
		p.i++
		return From(tupleset, tok), nil
	}
}

func isKeyword(s string) bool {
	switch s {
	case "or", "and", "but", "not", "from", "with":
		return true
	}
	return false
}

// direct reads "user, user:*, group#member, user with cond ]".
func (p *exprParser) direct() (Rewrite, error) {
	var refs []TypeRef
	for {
		ref, err := p.typeRef()
		if err != nil {
			return Rewrite{}, err
		}
		refs = append(refs, ref)
		if p.peek() == "]" {
			p.i++
			return Direct(refs...), nil
		}
		if err := p.take(","); err != nil {
			return Rewrite{}, err
		}
	}
}

func (p *exprParser) typeRef() (TypeRef, error) {
	name := p.peek()
	if !validName(name) || isKeyword(name) {
		return TypeRef{}, fmt.Errorf("expected a type, found %q", name)
	}
	p.i++
	ref := TypeRef{Type: name}
	switch p.peek() {
	case ":":
		p.i++
		if err := p.take("*"); err != nil {
			return TypeRef{}, err
		}
		ref.Wildcard = true
	case "#":
		p.i++
		rel := p.peek()
		if !validName(rel) || isKeyword(rel) {
			return TypeRef{}, fmt.Errorf("expected a relation after %q", name+"#")
		}
		p.i++
		ref.Relation = rel
	}
	if p.peek() == "with" {
		p.i++
		cond := p.peek()
		if !validName(cond) || isKeyword(cond) {
			return TypeRef{}, fmt.Errorf("expected a condition after \"with\"")
		}
		p.i++
		ref.Condition = cond
	}
	return ref, nil
}
