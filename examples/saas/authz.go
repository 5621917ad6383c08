package main

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/authz/authzsql"
	"github.com/gatehouse/gatehouse/scim"
)

// documentsModel is the demo's authorization model: the organization
// roles and groups of authz.RolesModel, folders that nest, and documents
// that inherit from their folder.
const documentsModel = authz.RolesModel + `
type folder
  relations
    define organization: [organization]
    define parent: [folder]
    define owner: [user]
    define editor: [user, group#member] or owner or editor from parent or admin from organization
    define viewer: [user, group#member, organization#member] or editor or viewer from parent

type document
  relations
    define organization: [organization]
    define parent: [folder]
    define owner: [user]
    define editor: [user, group#member] or owner or editor from parent or admin from organization
    define viewer: [user, group#member, organization#member] or editor or viewer from parent
`

// demoDocument is one of the demo's documents.
type demoDocument struct {
	ID, Title, Folder, Body string
}

// demoDocuments are the documents the demo starts with, in folders
// handbook (every member sees it) and finance/q3 (the Finance group).
var demoDocuments = []demoDocument{
	{"welcome", "Welcome to Acme", "handbook", "Every member of the organization can read this."},
	{"budget", "Q3 budget", "q3", "Numbers for the Finance group, inherited from finance via q3."},
	{"roadmap", "Product roadmap", "", "Jane owns this one and shares it as she likes."},
}

// authzFeature wires package authz: the documents pages, sharing, an
// explanation of every answer, and denials in the audit log.
type authzFeature struct {
	app *app
	svc *authz.Service
	org string // the organization object, "organization:org_demo"
}

func newAuthzFeature(ctx context.Context, a *app) (*authzFeature, error) {
	if err := authzsql.Migrate(ctx, a.db); err != nil {
		return nil, err
	}
	store, err := authzsql.New(a.db)
	if err != nil {
		return nil, err
	}
	// The check cache is keyed by the organization's revision, so a share
	// or a SCIM group change is seen by the next check.
	svc, err := authz.New(authz.Config{Store: store, Logger: a.log.With("package", "authz"),
		CheckCacheSize: 10_000})
	if err != nil {
		return nil, err
	}
	f := &authzFeature{app: a, svc: svc, org: authz.OrganizationObject(demoOrg)}
	return f, f.seed(ctx)
}

// authzUser is the authz user for an email address.
func authzUser(email string) string { return "user:" + strings.ToLower(email) }

// groupObject is the authz group for a SCIM group's display name:
// "Finance" becomes group:finance.
func groupObject(displayName string) string {
	return "group:" + strings.ReplaceAll(strings.ToLower(strings.TrimSpace(displayName)), " ", "-")
}

// seed writes the model and the demo's tuples on first start.
func (f *authzFeature) seed(ctx context.Context) error {
	if _, err := f.svc.Model(ctx, demoOrg, ""); err == nil {
		return nil
	} else if !errors.Is(err, authz.ErrNotFound) {
		return err
	}
	if _, err := f.svc.WriteModelDSL(ctx, demoOrg, documentsModel); err != nil {
		return err
	}
	t := func(object, relation, user string) authz.Tuple {
		return authz.Tuple{Object: object, Relation: relation, User: user}
	}
	writes := []authz.Tuple{
		t(f.org, "admin", authzUser(adminEmail)),
		t("folder:handbook", "organization", f.org),
		t("folder:handbook", "viewer", f.org+"#member"),
		t("folder:finance", "organization", f.org),
		t("folder:finance", "viewer", "group:finance#member"),
		t("folder:q3", "organization", f.org),
		t("folder:q3", "parent", "folder:finance"),
		t("document:roadmap", "owner", authzUser("jane@acme-demo.example")),
	}
	for _, d := range demoDocuments {
		writes = append(writes, t("document:"+d.ID, "organization", f.org))
		if d.Folder != "" {
			writes = append(writes, t("document:"+d.ID, "parent", "folder:"+d.Folder))
		}
	}
	return f.svc.Write(ctx, demoOrg, authz.WriteRequest{Writes: writes})
}

func (f *authzFeature) mount(mux *http.ServeMux) {
	h, err := f.svc.Handler(authz.HandlerConfig{Organization: f.app.adminOrganization})
	if err == nil {
		mux.Handle("/admin/authz/", http.StripPrefix("/admin/authz", h))
	}
	view, edit := f.guard("viewer"), f.guard("editor")
	mux.HandleFunc("GET /documents", f.handleList)
	mux.Handle("GET /documents/{id}", view(http.HandlerFunc(f.handleDocument)))
	mux.Handle("POST /documents/{id}/share", edit(http.HandlerFunc(f.handleShare)))
	mux.HandleFunc("GET /documents/{id}/explain", f.handleExplain)
}

// guard is middleware that lets a request through only when the
// signed-in user holds relation on the document in its path.
func (f *authzFeature) guard(relation string) func(http.Handler) http.Handler {
	mw, err := f.svc.Middleware(authz.MiddlewareConfig{
		Relation:     relation,
		Organization: func(*http.Request) (string, error) { return demoOrg, nil },
		Object:       documentObject,
		User:         f.sessionUser,
		OnDeny:       f.recordDenial,
	})
	if err != nil {
		panic(err) // the configuration above is complete: a programming error, at start-up
	}
	return mw
}

func (f *authzFeature) landing(base string) landingSection {
	return landingSection{
		Title: "Fine-grained authorization",
		Text: "The documents are protected by an OpenFGA-style model: organization roles, sharing " +
			"with a user or a group (SCIM groups become authz groups), folders that pass access down, " +
			"a page that explains each answer, and denials in the audit log.",
	}
}

func (f *authzFeature) background(context.Context) {}

func documentObject(r *http.Request) (string, error) {
	id := r.PathValue("id")
	for _, d := range demoDocuments {
		if d.ID == id {
			return "document:" + id, nil
		}
	}
	return "", errors.New("no such document")
}

// sessionUser is the authz user of the signed-in browser.
func (f *authzFeature) sessionUser(r *http.Request) (string, error) {
	s, ok := f.app.currentSession(r)
	if !ok {
		return "", errNotSignedIn
	}
	return authzUser(s.Email), nil
}

// recordDenial puts an authorization denial into the audit log.
func (f *authzFeature) recordDenial(r *http.Request, d authz.Denial) {
	meta := map[string]any{"relation": d.Relation}
	if d.Err != nil {
		meta["error"] = d.Err.Error()
	}
	_ = f.app.audit.record(r.Context(), r, audit.Event{
		OrganizationID: d.Organization, Action: "authz.denied", Time: d.Time,
		Actor:    audit.Actor{Type: "user", ID: strings.TrimPrefix(d.User, "user:")},
		Targets:  []audit.Target{{Type: "document", ID: strings.TrimPrefix(d.Object, "document:")}},
		Metadata: meta,
	})
}

// onSCIMEvent mirrors SCIM group membership into authz groups: a user
// member becomes user:EMAIL, a nested group group:NAME#member, so that
// the engine resolves nesting as SCIM does.
func (f *authzFeature) onSCIMEvent(ctx context.Context, e scim.Event) error {
	m, ok := e.Payload.(scim.MemberEvent)
	if !ok {
		return nil
	}
	g, err := f.app.scim.svc.Group(ctx, e.OrganizationID, e.DirectoryID, m.GroupID)
	if err != nil {
		return ignoreNotFound(err)
	}
	member, err := f.scimMember(ctx, e, m)
	if err != nil {
		return ignoreNotFound(err)
	}
	tuple := authz.Tuple{Object: groupObject(g.DisplayName), Relation: "member", User: member}
	req := authz.WriteRequest{IgnoreDuplicates: true, IgnoreMissing: true}
	if e.Type == scim.EventMemberAdded {
		req.Writes = []authz.Tuple{tuple}
	} else {
		req.Deletes = []authz.Tuple{tuple}
	}
	return f.svc.Write(ctx, e.OrganizationID, req)
}

// scimMember is the authz subject of a SCIM group member.
func (f *authzFeature) scimMember(ctx context.Context, e scim.Event, m scim.MemberEvent) (string,
	error) {
	if m.MemberType == scim.KindGroup {
		sub, err := f.app.scim.svc.Group(ctx, e.OrganizationID, e.DirectoryID, m.MemberID)
		if err != nil {
			return "", err
		}
		return groupObject(sub.DisplayName) + "#member", nil
	}
	u, err := f.app.scim.svc.User(ctx, e.OrganizationID, e.DirectoryID, m.MemberID)
	if err != nil {
		return "", err
	}
	return authzUser(u.UserName), nil
}

func ignoreNotFound(err error) error {
	if errors.Is(err, scim.ErrNotFound) {
		return nil
	}
	return err
}

// join makes a signed-in user a member of the demo organization.
func (f *authzFeature) join(ctx context.Context, email string) error {
	return f.svc.Write(ctx, demoOrg, authz.WriteRequest{IgnoreDuplicates: true,
		Writes: []authz.Tuple{{Object: f.org, Relation: "member", User: authzUser(email)}}})
}

var documentsPage = newPage(`
{{if not .Session}}<p><a href="/signin">Sign in</a> to see what you may read.</p>{{end}}
<table><tr><th>Document</th><th>Folder</th><th>You may view</th><th>You may edit</th><th></th></tr>
{{range .Data.Rows}}<tr><td><a href="/documents/{{.Doc.ID}}">{{.Doc.Title}}</a></td><td>{{.Doc.Folder}}</td>
<td>{{.View}}</td><td>{{.Edit}}</td><td><a href="/documents/{{.Doc.ID}}/explain">why?</a></td></tr>{{end}}</table>`)

var documentPage = newPage(`<p>{{.Data.Body}}</p>
<h2>Share</h2>
<form method="post" action="/documents/{{.Data.ID}}/share">
<input name="subject" placeholder="user:jane@acme-demo.example or group:finance#member" required size="40">
<select name="relation"><option>viewer</option><option>editor</option></select>
<button>Share</button></form>
<p><a href="/documents/{{.Data.ID}}/explain">Who may see this, and why?</a></p>`)

var explainPage = newPage(`
<form method="get"><input name="user" value="{{.Data.Email}}" size="30"> <button>Explain</button></form>
<p>{{if .Data.Allowed}}<strong>{{.Data.Email}} may view</strong> document:{{.Data.ID}}:{{else}}
<strong>{{.Data.Email}} may not view</strong> document:{{.Data.ID}}. No chain of tuples grants it; these do grant access:{{end}}</p>
<ul>{{range .Data.Lines}}<li><code>{{.}}</code></li>{{end}}</ul>`)

type documentRow struct {
	Doc        demoDocument
	View, Edit bool
}

func (f *authzFeature) handleList(w http.ResponseWriter, r *http.Request) {
	rows := make([]documentRow, len(demoDocuments))
	user, err := f.sessionUser(r)
	var checks []authz.CheckRequest
	for i, d := range demoDocuments {
		rows[i].Doc = d
		for _, rel := range []string{"viewer", "editor"} {
			checks = append(checks, authz.CheckRequest{Object: "document:" + d.ID, Relation: rel, User: user})
		}
	}
	if err == nil {
		results, err := f.svc.BatchCheck(r.Context(), demoOrg, checks)
		if err != nil {
			f.app.log.Error("checking documents", "err", err)
		}
		for i, res := range results {
			if i%2 == 0 {
				rows[i/2].View = res.Allowed
			} else {
				rows[i/2].Edit = res.Allowed
			}
		}
	}
	f.app.render(w, r, http.StatusOK, documentsPage, "Documents", map[string]any{"Rows": rows})
}

func (f *authzFeature) handleDocument(w http.ResponseWriter, r *http.Request) {
	for _, d := range demoDocuments {
		if d.ID == r.PathValue("id") {
			f.app.render(w, r, http.StatusOK, documentPage, d.Title, d)
			return
		}
	}
}

func (f *authzFeature) handleShare(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "That form did not come from this site.", http.StatusForbidden)
		return
	}
	relation := r.PostFormValue("relation")
	if relation != "viewer" && relation != "editor" {
		http.Error(w, "Share as viewer or editor.", http.StatusBadRequest)
		return
	}
	err := f.svc.Write(r.Context(), demoOrg, authz.WriteRequest{IgnoreDuplicates: true, Writes: []authz.Tuple{{
		Object: "document:" + r.PathValue("id"), Relation: relation, User: strings.TrimSpace(r.PostFormValue("subject")),
	}}})
	if err != nil {
		http.Error(w, "That cannot be shared: "+err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/documents/"+r.PathValue("id")+"/explain", http.StatusSeeOther)
}

// handleExplain shows why a user may or may not view a document. Anyone
// signed in may ask about themselves; an admin may ask about anyone.
func (f *authzFeature) handleExplain(w http.ResponseWriter, r *http.Request) {
	s, ok := f.app.currentSession(r)
	_, adminErr := f.app.adminOrganization(r)
	if !ok && adminErr != nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	object, err := documentObject(r)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	email := r.URL.Query().Get("user")
	if email == "" || adminErr != nil {
		email = s.Email
	}
	allowed, lines, err := f.explain(r.Context(), object, "viewer", authzUser(email))
	if err != nil {
		f.app.log.Error("explaining", "err", err)
		http.Error(w, "The answer could not be explained.", http.StatusInternalServerError)
		return
	}
	f.app.render(w, r, http.StatusOK, explainPage, "Why?", map[string]any{
		"ID": r.PathValue("id"), "Email": email, "Allowed": allowed, "Lines": lines,
	})
}

// explain answers whether user holds relation on object and why: for a
// grant, the chain of tuples that grants it; for a denial, how the
// relation resolves, which shows what would grant it.
func (f *authzFeature) explain(ctx context.Context, object, relation, user string) (bool, []string, error) {
	e, err := f.svc.Explain(ctx, demoOrg, authz.CheckRequest{Object: object, Relation: relation, User: user})
	if err != nil {
		return false, nil, err
	}
	var lines []string
	for _, t := range e.Path {
		lines = append(lines, t.String())
	}
	if !e.Allowed {
		lines = treeLines(lines, e.Tree, 0)
	}
	return e.Allowed, lines, nil
}

// treeLines writes an expansion tree one node a line, indented by depth.
func treeLines(lines []string, t *authz.Tree, depth int) []string {
	if t == nil {
		return lines
	}
	line := strings.Repeat("  ", depth) + t.Name + " (" + t.Op + ")"
	if who := append(append([]string(nil), t.Users...), t.Usersets...); len(who) > 0 {
		line += ": " + strings.Join(who, ", ")
	}
	lines = append(lines, line)
	for _, c := range append(append([]*authz.Tree(nil), t.Children...), t.Expanded...) {
		lines = treeLines(lines, c, depth+1)
	}
	return lines
}
