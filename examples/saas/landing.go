package main

import (
	"html/template"
	"net/http"
)

var landing = template.Must(template.New("landing").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Gatehouse demo</title>
<style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
code,pre{background:#f4f4f4;padding:.1rem .3rem;border-radius:3px}pre{padding:.6rem;overflow-x:auto}
.planned{color:#888}</style></head>
<body>
<h1>Gatehouse demo</h1>
<p>A multi-tenant app with one demo organization, <code>{{.Org}}</code>, whose admin
authenticates with the bearer token printed in the log at start-up.</p>

<h2>Domain verification and capture</h2>
<p>Claim a domain, publish the TXT record it shows, verify it, and users under it are
routed to the organization.</p>
<pre>curl -H "Authorization: Bearer $TOKEN" -d '{"domain": "example.com"}' {{.Base}}/admin/domains/
curl -H "Authorization: Bearer $TOKEN" {{.Base}}/admin/domains/
curl -H "Authorization: Bearer $TOKEN" -X POST {{.Base}}/admin/domains/DOMAIN_ID/verify
curl '{{.Base}}/api/capture?email=jane@example.com'</pre>

<h2 class="planned">Coming as the packages land</h2>
<ul class="planned">
<li>Single sign-on through a built-in development identity provider (SAML and OIDC)</li>
<li>A SCIM endpoint and token for provisioning</li>
<li>Routes protected by fine-grained authorization</li>
<li>An audit log with export and verification</li>
<li>API keys and secrets</li>
</ul>
</body></html>
`))

func (a *app) handleLanding(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = landing.Execute(w, map[string]string{"Org": demoOrg, "Base": "http://" + r.Host})
}
