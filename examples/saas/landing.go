package main

import (
	"net/http"
)

var landingPage = newPage(`
<p>A multi-tenant app with one demo organization, <code>{{.Data.Org}}</code>. Its admin
authenticates API calls with the bearer token printed in the log at start-up
(<code>-admin-token</code>), or signs in on the <a href="/signin">sign-in page</a>.</p>

<h2>Domain verification and capture</h2>
<p>Claim a domain, publish the TXT record it shows, verify it, and users under it are
routed to the organization.</p>
<pre>curl -H "Authorization: Bearer $TOKEN" -d '{"domain": "example.com"}' {{.Data.Base}}/admin/domains/
curl -H "Authorization: Bearer $TOKEN" {{.Data.Base}}/admin/domains/
curl -H "Authorization: Bearer $TOKEN" -X POST {{.Data.Base}}/admin/domains/DOMAIN_ID/verify
curl '{{.Data.Base}}/api/capture?email=jane@example.com'</pre>
{{range .Data.Sections}}
<h2>{{.Title}}</h2>
<p>{{.Text}}</p>{{if .Example}}
<pre>{{.Example}}</pre>{{end}}
{{end}}`)

// landingSection is a feature's paragraph on the landing page.
type landingSection struct {
	Title, Text, Example string
}

func (a *app) handleLanding(w http.ResponseWriter, r *http.Request) {
	base := "http://" + r.Host
	var sections []landingSection
	for _, f := range a.features {
		if s, ok := f.(interface {
			landing(base string) landingSection
		}); ok {
			sections = append(sections, s.landing(base))
		}
	}
	a.render(w, r, http.StatusOK, landingPage, "Gatehouse demo", map[string]any{
		"Org": demoOrg, "Base": base, "Sections": sections,
	})
}
