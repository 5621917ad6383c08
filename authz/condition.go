package authz

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
)

// ErrMissingParameter reports that a condition could not be evaluated
// because the tuple's and the request's contexts lack one of its
// parameters. The error's text names the condition and the parameters.
var ErrMissingParameter = errors.New("authz: condition parameter missing")

// ErrConditionEvaluation reports that a condition failed to evaluate, for
// example because a parameter has the wrong type.
var ErrConditionEvaluation = errors.New("authz: condition evaluation failed")

// maxConditionCost bounds the work one condition evaluation may do.
const maxConditionCost = 10_000

// compiledCondition is a condition ready to evaluate.
type compiledCondition struct {
	c          *Condition
	prg        cel.Program
	referenced []string // parameters the expression reads, sorted
}

// celType maps a parameter type to the CEL type it is declared with. An
// ipaddress is a string in CEL with the in_cidr member function.
func celType(typ string) (*cel.Type, error) {
	if outer, inner, ok := strings.Cut(typ, "<"); ok {
		inner, ok = strings.CutSuffix(inner, ">")
		if !ok {
			return nil, fmt.Errorf("unknown parameter type %q", typ)
		}
		it, err := celType(inner)
		switch {
		case err != nil:
			return nil, err
		case outer == "list":
			return cel.ListType(it), nil
		case outer == "map":
			return cel.MapType(cel.StringType, it), nil
		}
		return nil, fmt.Errorf("unknown parameter type %q", typ)
	}
	switch typ {
	case "string", "ipaddress":
		return cel.StringType, nil
	case "int":
		return cel.IntType, nil
	case "uint":
		return cel.UintType, nil
	case "double":
		return cel.DoubleType, nil
	case "bool":
		return cel.BoolType, nil
	case "bytes":
		return cel.BytesType, nil
	case "duration":
		return cel.DurationType, nil
	case "timestamp":
		return cel.TimestampType, nil
	case "any":
		return cel.DynType, nil
	}
	return nil, fmt.Errorf("unknown parameter type %q", typ)
}

// inCIDR is the ipaddress.in_cidr(string) function.
func inCIDR(addr, cidr ref.Val) ref.Val {
	a, err := netip.ParseAddr(fmt.Sprint(addr.Value()))
	if err != nil {
		return types.NewErr("in_cidr: %q is not an IP address", addr.Value())
	}
	p, err := netip.ParsePrefix(fmt.Sprint(cidr.Value()))
	if err != nil {
		return types.NewErr("in_cidr: %q is not a CIDR range", cidr.Value())
	}
	return types.Bool(p.Contains(a.Unmap()))
}

func compileCondition(c *Condition) (*compiledCondition, error) {
	opts := []cel.EnvOption{cel.Function("in_cidr",
		cel.MemberOverload("string_in_cidr_string", []*cel.Type{cel.StringType, cel.StringType},
			cel.BoolType, cel.BinaryBinding(inCIDR)))}
	names := make([]string, 0, len(c.Parameters))
	for name, typ := range c.Parameters {
		if !validName(name) {
			return nil, fmt.Errorf("invalid parameter name %q", name)
		}
		t, err := celType(typ)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %w", name, err)
		}
		opts = append(opts, cel.Variable(name, t))
		names = append(names, name)
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, err
	}
	ast, iss := env.Compile(c.Expression)
	if iss.Err() != nil {
		return nil, fmt.Errorf("expression: %w", iss.Err())
	}
	if ast.OutputType() != cel.BoolType {
		return nil, fmt.Errorf("expression yields %s, not bool", ast.OutputType())
	}
	prg, err := env.Program(ast, cel.CostLimit(maxConditionCost))
	if err != nil {
		return nil, err
	}
	return &compiledCondition{c: c, prg: prg, referenced: referenced(ast, names)}, nil
}

func referenced(ast *cel.Ast, params []string) []string {
	seen := map[string]bool{}
	for _, r := range ast.NativeRep().ReferenceMap() {
		if r != nil && len(r.OverloadIDs) == 0 {
			seen[r.Name] = true
		}
	}
	var out []string
	for _, p := range params {
		if seen[p] {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// eval evaluates the condition with the tuple's context, which wins over
// the request's for a parameter both give (a caller cannot override what
// was granted).
func (cc *compiledCondition) eval(tupleCtx, reqCtx map[string]any) (bool, error) {
	vars := make(map[string]any, len(cc.referenced))
	var missing []string
	for _, name := range cc.referenced {
		v, ok := tupleCtx[name]
		if !ok {
			v, ok = reqCtx[name]
		}
		if !ok {
			missing = append(missing, name)
			continue
		}
		cv, err := convertParam(cc.c.Parameters[name], v)
		if err != nil {
			return false, fmt.Errorf("%w: condition %q, parameter %q: %v",
				ErrConditionEvaluation, cc.c.Name, name, err)
		}
		vars[name] = cv
	}
	if len(missing) > 0 {
		return false, fmt.Errorf("%w: condition %q needs %s", ErrMissingParameter,
			cc.c.Name, strings.Join(missing, ", "))
	}
	out, _, err := cc.prg.Eval(vars)
	if err != nil {
		return false, fmt.Errorf("%w: condition %q: %v", ErrConditionEvaluation, cc.c.Name, err)
	}
	b, ok := out.Value().(bool)
	return ok && b, nil
}

// convertParam turns a context value, typically decoded from JSON, into
// the Go value CEL expects for the parameter's type.
func convertParam(typ string, v any) (any, error) {
	if outer, inner, ok := strings.Cut(typ, "<"); ok {
		return convertGeneric(outer, strings.TrimSuffix(inner, ">"), v)
	}
	switch typ {
	case "timestamp":
		return toTime(v)
	case "duration":
		return toDuration(v)
	case "int":
		return toInt(v)
	case "uint":
		n, err := toInt(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("want a non-negative integer, got %v", v)
		}
		return uint64(n), nil
	case "double":
		return toFloat(v)
	case "ipaddress":
		s, _ := v.(string)
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("want an IP address, got %v", v)
		}
		// The normal form, so that == compares addresses, not spellings.
		return a.Unmap().String(), nil
	case "string":
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, fmt.Errorf("want a string, got %T", v)
	case "bool":
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("want a bool, got %T", v)
	}
	return v, nil
}

func convertGeneric(outer, inner string, v any) (any, error) {
	switch outer {
	case "list":
		in, ok := v.([]any)
		if !ok {
			if ss, isStrings := v.([]string); isStrings {
				in = make([]any, len(ss))
				for i, s := range ss {
					in[i] = s
				}
				ok = true
			}
		}
		if !ok {
			return nil, fmt.Errorf("want a list, got %T", v)
		}
		out := make([]any, len(in))
		for i, e := range in {
			c, err := convertParam(inner, e)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			out[i] = c
		}
		return out, nil
	case "map":
		in, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("want a map, got %T", v)
		}
		out := make(map[string]any, len(in))
		for k, e := range in {
			c, err := convertParam(inner, e)
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", k, err)
			}
			out[k] = c
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown parameter type %s<%s>", outer, inner)
}

func toTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t, nil
	case string:
		return time.Parse(time.RFC3339Nano, t)
	}
	return time.Time{}, fmt.Errorf("want an RFC 3339 timestamp, got %T", v)
}

func toDuration(v any) (time.Duration, error) {
	switch d := v.(type) {
	case time.Duration:
		return d, nil
	case string:
		return time.ParseDuration(d)
	}
	return 0, fmt.Errorf("want a duration such as \"10m\", got %T", v)
}

func toInt(v any) (int64, error) {
	switch n := v.(type) {
	case int:
		return int64(n), nil
	case int64:
		return n, nil
	case float64:
		if n == float64(int64(n)) {
			return int64(n), nil
		}
	case json.Number:
		return n.Int64()
	}
	return 0, fmt.Errorf("want an integer, got %v", v)
}

func toFloat(v any) (float64, error) {
	switch n := v.(type) {
	case float64:
		return n, nil
	case int:
		return float64(n), nil
	case int64:
		return float64(n), nil
	case json.Number:
		return n.Float64()
	}
	return 0, fmt.Errorf("want a number, got %T", v)
}
