package authz

import (
	"errors"
	"fmt"
	"strings"
)

// MaxDSLSize is the largest model source [ParseDSL] accepts, in bytes.
const MaxDSLSize = 1 << 20

// SyntaxError is a problem in model source, with the line it is on.
type SyntaxError struct {
	Line int
	Msg  string
}

// Error returns "authz: line N: msg".
func (e *SyntaxError) Error() string { return fmt.Sprintf("authz: line %d: %s", e.Line, e.Msg) }

// ParseDSL parses a model written in the OpenFGA modeling language (schema
// 1.1) and validates it. Errors name the line, or the type and relation.
func ParseDSL(src string) (*Model, error) {
	if len(src) > MaxDSLSize {
		return nil, &SyntaxError{Line: 1, Msg: fmt.Sprintf("model is larger than %d bytes", MaxDSLSize)}
	}
	p := &dslParser{lines: strings.Split(src, "\n"), defs: map[string]int{}}
	m, err := p.parse()
	if err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		var me *ModelError
		if errors.As(err, &me) {
			me.Line = p.lineOf(me)
		}
		return nil, err
	}
	return m, nil
}

// MustParseDSL is like [ParseDSL] but panics on error. It is for models
// written into programs and tests, never for input.
func MustParseDSL(src string) *Model {
	m, err := ParseDSL(src)
	if err != nil {
		panic(err)
	}
	return m
}

type dslParser struct {
	lines []string
	n     int // index of the next line
	line  int // number of the current line, for errors
	m     Model
	cur   *TypeDefinition
	// defs maps "type", "type#relation" and "condition name" to the line
	// that defines it, for validation errors.
	defs map[string]int
}

func (p *dslParser) lineOf(e *ModelError) int {
	switch {
	case e.Condition != "":
		return p.defs["condition "+e.Condition]
	case e.Relation != "":
		return p.defs[e.Type+"#"+e.Relation]
	}
	return p.defs[e.Type]
}

func (p *dslParser) errorf(format string, args ...any) error {
	return &SyntaxError{Line: p.line, Msg: fmt.Sprintf(format, args...)}
}

// next returns the next line that holds something other than a comment,
// with comments and surrounding space removed.
func (p *dslParser) next() (string, bool) {
	for p.n < len(p.lines) {
		p.line = p.n + 1
		s := stripComment(p.lines[p.n])
		p.n++
		if s != "" {
			return s, true
		}
	}
	return "", false
}

// stripComment cuts a "#" comment that starts a line or follows a space,
// so that usersets such as group#member survive.
func stripComment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			s = s[:i]
			break
		}
	}
	return strings.TrimSpace(s)
}

func (p *dslParser) parse() (*Model, error) {
	if err := p.header(); err != nil {
		return nil, err
	}
	for {
		s, ok := p.next()
		if !ok {
			break
		}
		if err := p.statement(s); err != nil {
			return nil, err
		}
	}
	p.endType()
	m := p.m
	return &m, nil
}

func (p *dslParser) header() error {
	s, ok := p.next()
	if !ok || s != "model" {
		return p.errorf(`a model starts with "model"`)
	}
	s, ok = p.next()
	f := strings.Fields(s)
	if !ok || len(f) != 2 || f[0] != "schema" {
		return p.errorf(`"model" is followed by "schema 1.1"`)
	}
	if f[1] != SchemaVersion {
		return p.errorf("unsupported schema version %q (want %s)", f[1], SchemaVersion)
	}
	p.m.SchemaVersion = SchemaVersion
	return nil
}

func (p *dslParser) statement(s string) error {
	word, rest, _ := strings.Cut(s, " ")
	rest = strings.TrimSpace(rest)
	switch word {
	case "type":
		p.endType()
		if !validName(rest) {
			return p.errorf("invalid type name %q", rest)
		}
		p.cur = &TypeDefinition{Name: rest}
		if _, seen := p.defs[rest]; !seen {
			p.defs[rest] = p.line
		}
		return nil
	case "relations":
		if p.cur == nil || rest != "" {
			return p.errorf(`"relations" belongs on its own line under a type`)
		}
		return nil
	case "define":
		return p.define(rest)
	case "condition":
		p.endType()
		return p.condition(s)
	}
	return p.errorf("unexpected %q", word)
}

func (p *dslParser) endType() {
	if p.cur != nil {
		p.m.Types = append(p.m.Types, *p.cur)
		p.cur = nil
	}
}

func (p *dslParser) define(s string) error {
	if p.cur == nil {
		return p.errorf(`"define" outside a type`)
	}
	name, expr, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || !validName(name) {
		return p.errorf("a relation is written \"define name: rewrite\"")
	}
	toks, err := tokenize(expr)
	if err != nil {
		return p.errorf("relation %q: %v", name, err)
	}
	ep := &exprParser{toks: toks}
	w, err := ep.expr(0)
	if err == nil && ep.i < len(ep.toks) {
		err = fmt.Errorf("unexpected %q", ep.toks[ep.i])
	}
	if err != nil {
		return p.errorf("relation %q: %v", name, err)
	}
	p.cur.Relations = append(p.cur.Relations, Define(name, w))
	if k := p.cur.Name + "#" + name; p.defs[k] == 0 {
		p.defs[k] = p.line
	}
	return nil
}

// condition parses "condition name(p: type, ...) { expression }", where
// the expression may span lines.
func (p *dslParser) condition(s string) error {
	head, body, ok := strings.Cut(s, "{")
	if !ok {
		return p.errorf(`a condition is written "condition name(params) { expression }"`)
	}
	head = strings.TrimSpace(strings.TrimPrefix(head, "condition"))
	name, params, ok := strings.Cut(head, "(")
	name = strings.TrimSpace(name)
	params, ok2 := strings.CutSuffix(strings.TrimSpace(params), ")")
	if !ok || !ok2 || !validName(name) {
		return p.errorf("condition %q: malformed name or parameter list", name)
	}
	c := Condition{Name: name, Parameters: map[string]string{}}
	if k := "condition " + name; p.defs[k] == 0 {
		p.defs[k] = p.line
	}
	if err := parseParams(params, c.Parameters); err != nil {
		return p.errorf("condition %q: %v", name, err)
	}
	expr, err := p.conditionBody(body)
	if err != nil {
		return p.errorf("condition %q: %v", name, err)
	}
	c.Expression = expr
	p.m.Conditions = append(p.m.Conditions, c)
	return nil
}

func parseParams(s string, into map[string]string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		name, typ, ok := strings.Cut(part, ":")
		name, typ = strings.TrimSpace(name), strings.ReplaceAll(strings.TrimSpace(typ), " ", "")
		if !ok || !validName(name) || typ == "" {
			return fmt.Errorf("parameter %q is not written \"name: type\"", strings.TrimSpace(part))
		}
		if _, dup := into[name]; dup {
			return fmt.Errorf("parameter %q is declared twice", name)
		}
		into[name] = typ
	}
	return nil
}

// conditionBody collects the text up to the brace that closes the body,
// counting braces outside string literals.
func (p *dslParser) conditionBody(first string) (string, error) {
	var b strings.Builder
	depth, quote := 1, byte(0)
	text := first
	for {
		for i := 0; i < len(text); i++ {
			c := text[i]
			switch {
			case quote != 0:
				if c == '\\' {
					i++
				} else if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '{':
				depth++
			case c == '}':
				depth--
			}
			if depth == 0 {
				if strings.TrimSpace(text[i+1:]) != "" {
					return "", fmt.Errorf("unexpected text after the closing brace")
				}
				b.WriteString(text[:i])
				return strings.TrimSpace(b.String()), nil
			}
		}
		b.WriteString(text)
		b.WriteByte('\n')
		if p.n >= len(p.lines) {
			return "", fmt.Errorf("the expression has no closing brace")
		}
		p.line = p.n + 1
		text = p.lines[p.n]
		p.n++
	}
}
