package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/scim"
	"github.com/gatehouse/gatehouse/scim/scimsql"
)

// scimFeature wires package scim: the SCIM endpoint of the demo
// organization's directory at /scim/v2, a consumer of its lifecycle
// events, and a page of the provisioned users.
type scimFeature struct {
	app   *app
	svc   *scim.Service
	store *scimsql.Store
	dir   *scim.Directory
	// onEvent, when set, is told of each lifecycle event after the demo's
	// own reaction (the audit log and API key revocation hook in here).
	onEvent []func(ctx context.Context, e scim.Event) error
}

// usersTable is the demo's own record of who may use the app: SCIM keeps
// it current, and a deactivated or deleted user's sessions stop working.
const usersTable = `CREATE TABLE IF NOT EXISTS demo_users (
	organization_id TEXT NOT NULL,
	user_name TEXT NOT NULL,
	scim_id TEXT NOT NULL,
	active BOOLEAN NOT NULL,
	PRIMARY KEY (organization_id, user_name)
)`

func newSCIMFeature(ctx context.Context, a *app) (*scimFeature, error) {
	if err := scimsql.Migrate(ctx, a.db); err != nil {
		return nil, err
	}
	if _, err := a.db.ExecContext(ctx, usersTable); err != nil {
		return nil, err
	}
	store, err := scimsql.New(a.db)
	if err != nil {
		return nil, err
	}
	svc, err := scim.New(scim.Config{Store: store, Logger: a.log.With("package", "scim")})
	if err != nil {
		return nil, err
	}
	f := &scimFeature{app: a, svc: svc, store: store}
	if f.dir, err = f.directory(ctx); err != nil {
		return nil, err
	}
	return f, f.issueToken(ctx)
}

// directory returns the demo organization's directory, made on first
// start.
func (f *scimFeature) directory(ctx context.Context) (*scim.Directory, error) {
	dirs, err := f.svc.Directories(ctx, demoOrg)
	if err != nil {
		return nil, err
	}
	if len(dirs) > 0 {
		return dirs[0], nil
	}
	return f.svc.CreateDirectory(ctx, demoOrg, "Demo identity provider")
}

// issueToken makes the bearer token the identity provider uses: the one
// given with -scim-token or GATEHOUSE_DEMO_SCIM_TOKEN, or a new one,
// printed in the log. Tokens of earlier runs are revoked.
func (f *scimFeature) issueToken(ctx context.Context) error {
	old, err := f.svc.Tokens(ctx, demoOrg, f.dir.ID)
	if err != nil {
		return err
	}
	for _, t := range old {
		if t.RevokedAt.IsZero() {
			if err := f.svc.RevokeToken(ctx, demoOrg, f.dir.ID, t.ID); err != nil {
				return err
			}
		}
	}
	given := f.app.cfg.scimToken
	if given == "" {
		given = os.Getenv("GATEHOUSE_DEMO_SCIM_TOKEN")
	}
	if given != "" {
		_, err := f.svc.ImportToken(ctx, demoOrg, f.dir.ID, "demo", given)
		return err
	}
	_, secret, err := f.svc.IssueToken(ctx, demoOrg, f.dir.ID, "demo")
	if err != nil {
		return err
	}
	f.app.log.Info("SCIM endpoint ready", "path", "/scim/v2", "token", secret.Reveal())
	return nil
}

func (f *scimFeature) mount(mux *http.ServeMux) {
	mux.Handle("/scim/v2/", f.svc.Handler())
	mux.HandleFunc("GET /users", f.handleUsers)
}

func (f *scimFeature) landing(base string) landingSection {
	return landingSection{
		Title: "SCIM provisioning",
		Text: "Point an identity provider at the SCIM endpoint with the token printed at start-up; " +
			"provisioned users appear on the Users page, and a deactivated user can no longer sign in.",
		Example: fmt.Sprintf(`curl -H "Authorization: Bearer $SCIM_TOKEN" -H "Content-Type: application/scim+json" \
  -d '{"userName": "jane@acme-demo.example", "active": true}' %s/scim/v2/Users`, base),
	}
}

// background delivers the lifecycle events, at least once, keeping the
// cursor in the SCIM store.
func (f *scimFeature) background(ctx context.Context) {
	c := &scim.Consumer{Name: "demo", Store: f.store, Cursors: f.store, Handle: f.handle}
	err := c.Run(ctx, time.Second, func(err error) { f.app.log.Warn("consuming SCIM events", "err", err) })
	if err != nil && ctx.Err() == nil {
		f.app.log.Error("SCIM event consumer stopped", "err", err)
	}
}

// handle keeps demo_users current, then passes the event on.
func (f *scimFeature) handle(ctx context.Context, e scim.Event) error {
	if u, ok := e.Payload.(scim.UserEvent); ok {
		active := u.Active && e.Type != scim.EventUserDeleted
		_, err := f.app.db.ExecContext(ctx, `INSERT INTO demo_users (organization_id, user_name, scim_id, active)
			VALUES (?, ?, ?, ?) ON CONFLICT (organization_id, user_name)
			DO UPDATE SET scim_id = excluded.scim_id, active = excluded.active`,
			e.OrganizationID, strings.ToLower(u.UserName), u.UserID, active)
		if err != nil {
			return err
		}
		if e.Type == scim.EventUserDeactivated || e.Type == scim.EventUserDeleted {
			f.app.log.Info("user deprovisioned", "organization", e.OrganizationID, "user", u.UserName)
		}
	}
	for _, h := range f.onEvent {
		if err := h(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// userActive reports whether a SCIM-provisioned user may use the app:
// false once the identity provider deactivated or deleted the user. Users
// the directory never provisioned are allowed.
func (a *app) userActive(ctx context.Context, org, userName string) bool {
	var active bool
	err := a.db.QueryRowContext(ctx, `SELECT active FROM demo_users WHERE organization_id = ? AND user_name = ?`,
		org, strings.ToLower(userName)).Scan(&active)
	return err != nil || active
}

var usersPage = newPage(`
<p>The users and groups that the demo organization's identity provider provisioned through
<code>/scim/v2</code> (directory <code>{{.Data.Directory}}</code>).</p>
<table><tr><th>userName</th><th>Name</th><th>Active</th><th>Groups</th><th>Last modified</th></tr>
{{range .Data.Users}}<tr><td>{{.UserName}}</td><td>{{.DisplayName}}</td><td>{{.Active}}</td>
<td>{{index $.Data.Groups .ID}}</td><td>{{.LastModified.Format "2006-01-02 15:04:05"}}</td></tr>
{{else}}<tr><td colspan="5" class="muted">No users yet.</td></tr>{{end}}</table>`)

func (f *scimFeature) handleUsers(w http.ResponseWriter, r *http.Request) {
	if _, err := f.app.adminOrganization(r); err != nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	page, err := f.svc.Users(r.Context(), demoOrg, f.dir.ID, scim.ListOptions{Limit: 200})
	if err != nil {
		f.app.log.Error("listing SCIM users", "err", err)
		http.Error(w, "The users could not be listed.", http.StatusInternalServerError)
		return
	}
	groups := map[string]string{}
	for _, u := range page.Users {
		ids, _ := f.svc.GroupsOfUser(r.Context(), demoOrg, f.dir.ID, u.ID)
		var names []string
		for _, id := range ids {
			if g, err := f.svc.Group(r.Context(), demoOrg, f.dir.ID, id); err == nil {
				names = append(names, g.DisplayName)
			}
		}
		groups[u.ID] = strings.Join(names, ", ")
	}
	f.app.render(w, r, http.StatusOK, usersPage, "Users", map[string]any{
		"Directory": f.dir.ID, "Users": page.Users, "Groups": groups,
	})
}
