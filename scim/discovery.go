package scim

import (
	"net/http"
	"strings"
)

func (s *Service) serveDiscovery(w http.ResponseWriter, r *request, rt route) error {
	if r.Method != http.MethodGet {
		return errorf(http.StatusMethodNotAllowed, "", "discovery endpoints are read-only")
	}
	switch rt.endpoint {
	case "ServiceProviderConfig":
		writeJSON(w, http.StatusOK, s.serviceProviderConfig(r.base))
		return nil
	case "ResourceTypes":
		return serveCollection(w, rt.id, s.resourceTypes(r.base), "name")
	}
	return serveCollection(w, rt.id, s.schemaDocs(r.base), "id")
}

// serveCollection answers a discovery list, or one entry of it by key.
func serveCollection(w http.ResponseWriter, id string, docs []map[string]any, key string) error {
	if id == "" {
		writeJSON(w, http.StatusOK, map[string]any{"schemas": []string{schemaListResponse},
			"totalResults": len(docs), "itemsPerPage": len(docs), "startIndex": 1, "Resources": docs})
		return nil
	}
	for _, d := range docs {
		if d[key] == id {
			writeJSON(w, http.StatusOK, d)
			return nil
		}
	}
	return errorf(http.StatusNotFound, "", "no such entry")
}

func (s *Service) serviceProviderConfig(base string) map[string]any {
	return map[string]any{
		"schemas":          []string{schemaSPConfig},
		"documentationUri": "https://pkg.go.dev/github.com/gatehouse/gatehouse/scim",
		"patch":            map[string]any{"supported": true},
		"bulk": map[string]any{"supported": true, "maxOperations": MaxBulkOperations,
			"maxPayloadSize": s.maxBody},
		"filter":         map[string]any{"supported": true, "maxResults": s.maxPage},
		"changePassword": map[string]any{"supported": false},
		"sort":           map[string]any{"supported": true},
		"etag":           map[string]any{"supported": true},
		"pagination": map[string]any{"cursor": true, "index": true,
			"defaultPaginationMethod": "index",
			"defaultPageSize":         s.maxPage, "maxPageSize": s.maxPage, "cursorTimeout": 0},
		"authenticationSchemes": []any{map[string]any{
			"type": "oauthbearertoken", "name": "Bearer token", "primary": true,
			"description": "A bearer token issued for the directory, in the Authorization header.",
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig",
			"location": base + "/ServiceProviderConfig"},
	}
}

func (s *Service) resourceTypes(base string) []map[string]any {
	var out []map[string]any
	for _, rt := range []*resourceType{s.schemas.user, s.schemas.group} {
		var exts []any
		for _, e := range rt.extensions {
			exts = append(exts, map[string]any{"schema": e.ID, "required": false})
		}
		d := map[string]any{
			"schemas": []string{schemaResourceType}, "id": string(rt.kind), "name": string(rt.kind),
			"endpoint": "/" + rt.endpoint, "schema": rt.core.ID,
			"meta": map[string]any{"resourceType": "ResourceType",
				"location": base + "/ResourceTypes/" + string(rt.kind)},
		}
		if exts != nil {
			d["schemaExtensions"] = exts
		}
		out = append(out, d)
	}
	return out
}

func (s *Service) schemaDocs(base string) []map[string]any {
	all := []*Schema{userSchema, groupSchema}
	all = append(all, s.schemas.user.extensions...)
	all = append(all, s.schemas.group.extensions...)
	var out []map[string]any
	for _, sc := range all {
		out = append(out, map[string]any{
			"schemas": []string{schemaSchema}, "id": sc.ID, "name": sc.Name,
			"description": sc.Description, "attributes": attrDocs(sc.Attributes),
			"meta": map[string]any{"resourceType": "Schema",
				"location": base + "/Schemas/" + sc.ID},
		})
	}
	return out
}

func attrDocs(attrs []*Attribute) []any {
	out := make([]any, 0, len(attrs))
	for _, a := range attrs {
		d := map[string]any{
			"name": a.Name, "type": string(a.Type), "multiValued": a.MultiValued,
			"required": a.Required, "caseExact": a.CaseExact, "mutability": string(a.mutability()),
			"returned": string(a.returned()), "uniqueness": uniqueness(a),
			"description": a.Description,
		}
		if len(a.CanonicalValues) > 0 {
			d["canonicalValues"] = a.CanonicalValues
		}
		if len(a.ReferenceTypes) > 0 {
			d["referenceTypes"] = a.ReferenceTypes
		}
		if len(a.SubAttributes) > 0 {
			d["subAttributes"] = attrDocs(a.SubAttributes)
		}
		out = append(out, d)
	}
	return out
}

func uniqueness(a *Attribute) string {
	if a.Uniqueness == "" {
		return "none"
	}
	return strings.ToLower(a.Uniqueness)
}
