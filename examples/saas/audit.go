package main

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/gatehouse/gatehouse/audit/auditsql"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/scim"
	"github.com/gatehouse/gatehouse/sso"
)

// auditFeature wires package audit: every other feature records into the
// demo organization's log, a page lists and filters it, and the admin API
// serves exports, checkpoints and proofs at /admin/audit.
type auditFeature struct {
	app *app
	svc *audit.Service
	rc  audit.RequestContext
}

func newAuditFeature(ctx context.Context, a *app) (*auditFeature, error) {
	if err := auditsql.Migrate(ctx, a.db); err != nil {
		return nil, err
	}
	store, err := auditsql.New(a.db)
	if err != nil {
		return nil, err
	}
	key, err := auditKey(ctx, a.db)
	if err != nil {
		return nil, err
	}
	svc, err := audit.New(audit.Config{
		Store:        store,
		Signer:       key,
		KeyName:      "gatehouse-demo",
		LogName:      "demo.gatehouse.localhost",
		Organization: a.adminOrganization,
		Logger:       a.log.With("package", "audit"),
	})
	if err != nil {
		return nil, err
	}
	return &auditFeature{app: a, svc: svc}, nil
}

// auditKey loads the checkpoint-signing key's seed from the database,
// making one on first start. A real host keeps this key in a KMS or HSM
// behind crypto.Signer.
func auditKey(ctx context.Context, db *sql.DB) (ed25519.PrivateKey, error) {
	v, err := setting(ctx, db, "audit_seed", func() (string, error) {
		return base64.StdEncoding.EncodeToString(randomBytes(ed25519.SeedSize)), nil
	})
	if err != nil {
		return nil, err
	}
	seed, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("the stored audit key is malformed")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

func (f *auditFeature) mount(mux *http.ServeMux) {
	mux.Handle("/admin/audit/", http.StripPrefix("/admin/audit", f.svc.Handler()))
	mux.HandleFunc("GET /audit", f.handlePage)
}

func (f *auditFeature) landing(base string) landingSection {
	return landingSection{
		Title: "Audit log",
		Text: "Sign-ins, SSO connection changes, SCIM changes, domain changes, secret and API key " +
			"use and authorization denials are recorded in a tamper-evident log with signed " +
			"checkpoints. Export it and check it without the app, with the command-line verifier:",
		Example: fmt.Sprintf(`curl -H "Authorization: Bearer $TOKEN" -o audit.jsonl %[1]s/admin/audit/export
KEY=$(curl -s -H "Authorization: Bearer $TOKEN" %[1]s/admin/audit/checkpoint | jq -r .verifier_key)
go run ./audit/cmd/auditverify -key "$KEY" audit.jsonl`, base),
	}
}

// background signs a checkpoint of every changed log each minute.
func (f *auditFeature) background(ctx context.Context) {
	if err := f.svc.RunCheckpoints(ctx, time.Minute); err != nil && ctx.Err() == nil {
		f.app.log.Error("audit checkpoints stopped", "err", err)
	}
}

// record writes an event into the log, with the request's context when
// there is a request, and returns once it is durable. A failure is logged
// and returned: event consumers then deliver the event again later.
func (f *auditFeature) record(ctx context.Context, r *http.Request, e audit.Event) error {
	if e.OrganizationID == "" {
		e.OrganizationID = demoOrg
	}
	if r != nil {
		e.Context = f.rc.FromRequest(r)
	}
	err := f.svc.Record(ctx, e)
	if err != nil {
		f.app.log.Error("recording an audit event", "action", e.Action, "err", err)
	}
	return err
}

// fromDomainEvent turns a domain event into an audit event.
func fromDomainEvent(e domain.Event) audit.Event {
	meta := map[string]any{}
	if e.Data.Reason != "" {
		meta["reason"] = e.Data.Reason
	}
	return audit.Event{
		OrganizationID: e.OrganizationID, Action: string(e.Type), Time: e.Time,
		Actor:    audit.Actor{Type: "system", ID: "gatehouse.domain"},
		Targets:  []audit.Target{{Type: "domain", ID: e.Data.DomainID, Name: e.Data.Domain}},
		Metadata: meta,
	}
}

// fromSCIMEvent turns a SCIM lifecycle event into an audit event: the
// actor is the directory, whose identity provider made the change.
func fromSCIMEvent(e scim.Event) audit.Event {
	ev := audit.Event{
		OrganizationID: e.OrganizationID, Action: e.Type, Time: e.Time,
		Actor: audit.Actor{Type: "scim_directory", ID: e.DirectoryID},
	}
	switch p := e.Payload.(type) {
	case scim.UserEvent:
		ev.Targets = []audit.Target{{Type: "user", ID: p.UserID, Name: p.UserName}}
		ev.Metadata = map[string]any{"active": p.Active, "changed": strings.Join(p.Changed, ",")}
	case scim.GroupEvent:
		ev.Targets = []audit.Target{{Type: "group", ID: p.GroupID, Name: p.DisplayName}}
	}
	return ev
}

// fromSSOEvent turns an SSO connection event into an audit event. The
// connection's admins make changes through the admin API, whose caller
// the event does not name; a metadata refresh that brought other
// certificates is the identity provider's doing.
func fromSSOEvent(e sso.Event) audit.Event {
	ev := audit.Event{
		OrganizationID: e.OrganizationID, Action: e.Type, Time: e.Time,
		Actor: audit.Actor{Type: "system", ID: "gatehouse.sso"},
	}
	if p, ok := e.Data.(sso.ConnectionEvent); ok {
		ev.Targets = []audit.Target{{Type: "sso_connection", ID: p.ConnectionID, Name: p.Name}}
		ev.Metadata = map[string]any{"protocol": string(p.Protocol), "enabled": p.Enabled}
		if p.Refreshed {
			ev.Actor = audit.Actor{Type: "idp", ID: p.ConnectionID}
			ev.Metadata["source"] = "metadata_refresh"
		}
	}
	return ev
}

var auditPage = newPage(`
<form method="get" action="/audit">
<input name="action" placeholder="action, e.g. scim.user.deactivated" value="{{.Data.Action}}" size="32">
<input name="actor" placeholder="actor ID" value="{{.Data.Actor}}">
<input name="target" placeholder="target ID" value="{{.Data.Target}}">
<button>Filter</button></form>
<p>Download: <a href="/admin/audit/export">verifiable export (JSON Lines)</a> ·
<a href="/admin/audit/export?format=csv">CSV</a> · <a href="/admin/audit/checkpoint">latest signed checkpoint</a></p>
<table><tr><th>Time</th><th>Action</th><th>Actor</th><th>Targets</th><th>IP</th></tr>
{{range .Data.Entries}}<tr><td>{{.Event.Time.Format "2006-01-02 15:04:05"}}</td><td>{{.Event.Action}}</td>
<td>{{.Event.Actor.Type}} {{.Event.Actor.ID}}</td>
<td>{{range .Event.Targets}}{{.Type}} {{or .Name .ID}} {{end}}</td><td>{{.Event.Context.IP}}</td></tr>
{{else}}<tr><td colspan="5" class="muted">No events.</td></tr>{{end}}</table>`)

func (f *auditFeature) handlePage(w http.ResponseWriter, r *http.Request) {
	org, err := f.app.adminOrganization(r)
	if err != nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	v := r.URL.Query()
	q := audit.Query{ActorID: v.Get("actor"), TargetID: v.Get("target"), Limit: 200}
	if a := strings.TrimSpace(v.Get("action")); a != "" {
		q.Actions = []string{a}
	}
	entries, err := f.svc.Query(r.Context(), org, q)
	if err != nil {
		f.app.log.Error("querying the audit log", "err", err)
		http.Error(w, "The audit log could not be read.", http.StatusInternalServerError)
		return
	}
	f.app.render(w, r, http.StatusOK, auditPage, "Audit log", map[string]any{
		"Entries": entries, "Action": v.Get("action"), "Actor": v.Get("actor"), "Target": v.Get("target"),
	})
}
