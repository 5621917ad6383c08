package scim

import (
	"context"
	"strings"
	"time"
)

// projection is what the attributes and excludedAttributes parameters ask
// for, as canonical top-level keys ("" sub means the whole attribute).
type projection struct {
	include map[string][]string // top-level key -> sub-attributes ("" = all)
	exclude map[string][]string
}

// parseProjection resolves the comma-separated attribute lists.
func (rt *resourceType) parseProjection(attrs, excluded string) (*projection, error) {
	p := &projection{}
	var err error
	if p.include, err = rt.attrList(attrs); err != nil {
		return nil, err
	}
	if p.exclude, err = rt.attrList(excluded); err != nil {
		return nil, err
	}
	return p, nil
}

func (rt *resourceType) attrList(s string) (map[string][]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string][]string{}
	for _, raw := range strings.Split(s, ",") {
		raw = strings.TrimSpace(raw)
		urn, rest := rt.splitURN(raw)
		if rest == "" && urn != "" {
			out[urn] = append(out[urn], "")
			continue
		}
		name, sub, _ := strings.Cut(rest, ".")
		p, err := rt.lookupPath(urn, name, sub, ScimTypeInvalidValue)
		if err != nil {
			return nil, err
		}
		key := p.Name
		if p.Schema != "" {
			key = p.Schema + ":" + p.Name
		}
		out[key] = append(out[key], p.Sub)
	}
	return out, nil
}

// wants reports whether the projection asks for the top-level key, given
// whether it is returned by default.
func (p *projection) wants(key string, byDefault bool) bool {
	if p == nil {
		return byDefault
	}
	if p.include != nil {
		_, ok := p.include[key]
		return ok
	}
	if subs, ok := p.exclude[key]; ok && containsEmpty(subs) {
		return false
	}
	return byDefault
}

func containsEmpty(subs []string) bool {
	for _, s := range subs {
		if s == "" {
			return true
		}
	}
	return false
}

// render returns the JSON form of a resource. Members and groups are read
// from the store only when the projection wants them.
func (s *Service) render(ctx context.Context, rd Reader, rt *resourceType, r *Resource,
	base string, p *projection) (map[string]any, error) {
	out := map[string]any{"id": r.ID}
	schemas := []any{rt.core.ID}
	for _, ext := range rt.extensions {
		if _, ok := r.Attributes[ext.ID]; ok {
			schemas = append(schemas, ext.ID)
		}
	}
	out["schemas"] = schemas
	if r.ExternalID != "" && p.wants("externalId", true) {
		out["externalId"] = r.ExternalID
	}
	if p.wants("meta", true) {
		out["meta"] = meta(rt, r, base)
	}
	s.renderAttrs(out, rt, r, p)
	if err := s.renderRelations(ctx, rd, out, rt, r, base, p); err != nil {
		return nil, err
	}
	return out, nil
}

func meta(rt *resourceType, r *Resource, base string) map[string]any {
	return map[string]any{
		"resourceType": string(rt.kind),
		"created":      r.Created.UTC().Format(time.RFC3339Nano),
		"lastModified": r.LastModified.UTC().Format(time.RFC3339Nano),
		"location":     base + "/" + rt.endpoint + "/" + r.ID,
		"version":      etag(r.Version),
	}
}

func (s *Service) renderAttrs(out map[string]any, rt *resourceType, r *Resource, p *projection) {
	for _, a := range rt.core.Attributes {
		v, ok := r.Attributes[a.Name]
		if ok && a.returned() != ReturnedNever && p.wants(a.Name, a.returned() != ReturnedRequest) {
			out[a.Name] = p.subs(a.Name, v)
		}
	}
	for _, ext := range rt.extensions {
		em, _ := r.Attributes[ext.ID].(map[string]any)
		keep := map[string]any{}
		for _, a := range ext.Attributes {
			key := ext.ID + ":" + a.Name
			v, ok := em[a.Name]
			if ok && a.returned() != ReturnedNever &&
				p.wantsExt(ext.ID, key, a.returned() != ReturnedRequest) {
				keep[a.Name] = p.subs(key, v)
			}
		}
		if len(keep) > 0 {
			out[ext.ID] = keep
		}
	}
}

// wantsExt reports whether the projection asks for an extension
// attribute, named by its URN-prefixed key.
func (p *projection) wantsExt(urn, key string, byDefault bool) bool {
	if p == nil {
		return byDefault
	}
	if p.include != nil {
		_, whole := p.include[urn]
		_, one := p.include[key]
		return whole || one
	}
	return p.wants(urn, byDefault) && p.wants(key, byDefault)
}

// subs applies sub-attribute selections such as name.givenName to a
// value.
func (p *projection) subs(key string, v any) any {
	if p == nil {
		return cloneValue(v)
	}
	inc, exc := p.include[key], p.exclude[key]
	if (len(inc) == 0 || containsEmpty(inc)) && len(exc) == 0 {
		return cloneValue(v)
	}
	keep := func(m map[string]any) map[string]any {
		o := map[string]any{}
		for k, sv := range m {
			if (len(inc) == 0 || containsEmpty(inc) || contains(inc, k)) && !contains(exc, k) {
				o[k] = cloneValue(sv)
			}
		}
		return o
	}
	switch x := v.(type) {
	case map[string]any:
		return keep(x)
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				out = append(out, keep(m))
			}
		}
		return out
	}
	return v
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// renderRelations adds a group's members and a user's groups.
func (s *Service) renderRelations(ctx context.Context, rd Reader, out map[string]any,
	rt *resourceType, r *Resource, base string, p *projection) error {
	if rt.kind == KindGroup && p.wants("members", true) {
		ms, err := allMembers(ctx, rd, r.ID)
		if err != nil {
			return err
		}
		if len(ms) > 0 {
			out["members"] = p.subs("members", renderMembers(ms, base))
		}
	}
	if rt.kind == KindUser && p.wants("groups", true) {
		return s.renderGroups(ctx, rd, out, r, base, p)
	}
	return nil
}

func (s *Service) renderGroups(ctx context.Context, rd Reader, out map[string]any, r *Resource,
	base string, p *projection) error {
	ms, err := memberships(ctx, rd, r.ID)
	if err != nil || len(ms) == 0 {
		return err
	}
	var gs []any
	for _, m := range ms {
		typ := "indirect"
		if m.Direct {
			typ = "direct"
		}
		g := map[string]any{"value": m.GroupID, "$ref": base + "/Groups/" + m.GroupID, "type": typ}
		if gr, err := rd.Get(ctx, KindGroup, m.GroupID); err == nil {
			g["display"] = gr.DisplayName()
		}
		gs = append(gs, g)
	}
	out["groups"] = p.subs("groups", gs)
	return nil
}

func allMembers(ctx context.Context, rd Reader, group string) ([]Member, error) {
	var all []Member
	after := ""
	for {
		ms, err := rd.Members(ctx, group, after, memberPage)
		if err != nil {
			return nil, err
		}
		all = append(all, ms...)
		if len(ms) < memberPage {
			return all, nil
		}
		after = ms[len(ms)-1].Value
	}
}

func renderMembers(ms []Member, base string) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		ep := "Users"
		if m.Type == KindGroup {
			ep = "Groups"
		}
		e := map[string]any{"value": m.Value, "type": string(m.Type),
			"$ref": base + "/" + ep + "/" + m.Value}
		if m.Display != "" {
			e["display"] = m.Display
		}
		out[i] = e
	}
	return out
}
