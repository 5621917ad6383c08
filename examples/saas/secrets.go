package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/gatehouse/gatehouse/secrets"
	"github.com/gatehouse/gatehouse/secrets/secretssql"
)

// secretsFeature wires package secrets: the demo's own secrets (the OIDC
// client secret and a webhook signing secret) sealed under a key ring,
// a page to issue, rotate and revoke API keys, and an API route that
// takes them.
type secretsFeature struct {
	app    *app
	svc    *secrets.Service
	sealer *secrets.Sealer
}

// masterKeyEnv names the variable that holds the demo's master keys.
const masterKeyEnv = "GATEHOUSE_DEMO_MASTER_KEY"

func newSecretsFeature(ctx context.Context, a *app) (*secretsFeature, error) {
	if err := secretssql.Migrate(ctx, a.db); err != nil {
		return nil, err
	}
	store, err := secretssql.New(a.db)
	if err != nil {
		return nil, err
	}
	ring, err := keyRing(ctx, a)
	if err != nil {
		return nil, err
	}
	svc, err := secrets.New(secrets.Config{
		Store: store, Keys: ring, APIKeyPrefix: "ghdemo", Logger: a.log.With("package", "secrets"),
		Organization: a.adminOrganization,
	})
	if err != nil {
		return nil, err
	}
	sealer, err := secrets.NewSealer(ring)
	if err != nil {
		return nil, err
	}
	f := &secretsFeature{app: a, svc: svc, sealer: sealer}
	return f, f.ensureWebhookSecret(ctx)
}

// keyRing reads the master keys from GATEHOUSE_DEMO_MASTER_KEY or, so that
// the demo needs no set-up, from the demo database, where it makes one on
// first start.
//
// SAFETY: a real host MUST NOT keep master keys beside the data they
// protect; it reads them from its secret manager, or uses a KMS.
func keyRing(ctx context.Context, a *app) (*secrets.KeyRing, error) {
	if os.Getenv(masterKeyEnv) != "" {
		return secrets.KeyRingFromEnv(masterKeyEnv)
	}
	text, err := setting(ctx, a.db, "master_key", func() (string, error) {
		return secrets.GenerateMasterKey(), nil
	})
	if err != nil {
		return nil, err
	}
	return secrets.ParseKeyRing(text)
}

// webhookSecret is the name of the secret that signs the demo's webhooks.
const webhookSecret = "webhook-signing"

func (f *secretsFeature) ensureWebhookSecret(ctx context.Context) error {
	ctx = secrets.WithActor(ctx, secrets.Actor{Type: "system", ID: "demo"})
	_, err := f.svc.Get(ctx, demoOrg, webhookSecret, secrets.GetOptions{Purpose: "start-up check"})
	if !errors.Is(err, secrets.ErrNotFound) {
		return err
	}
	_, err = f.svc.Put(ctx, demoOrg, webhookSecret, secrets.NewValue(randomBytes(32)), &secrets.Metadata{
		Owner: "platform", Description: "signs the webhooks the demo sends",
		RotateBy: time.Now().Add(90 * 24 * time.Hour),
	})
	return err
}

func (f *secretsFeature) mount(mux *http.ServeMux) {
	mux.Handle("/admin/secrets/", http.StripPrefix("/admin/secrets", f.svc.AdminHandler()))
	mux.HandleFunc("GET /keys", f.handleKeys)
	mux.HandleFunc("POST /keys", f.handleIssue)
	mux.HandleFunc("POST /keys/{id}/rotate", f.handleRotate)
	mux.HandleFunc("POST /keys/{id}/revoke", f.handleRevoke)
	mux.Handle("GET /api/v1/whoami", f.svc.RequireAPIKey(secrets.MiddlewareOptions{
		Scopes: []string{"whoami:read"},
	})(http.HandlerFunc(f.handleWhoami)))
}

func (f *secretsFeature) landing(base string) landingSection {
	return landingSection{
		Title: "API keys and secrets",
		Text: "Issue API keys for users and service accounts on the API keys page; they expire, " +
			"rotate with an overlap and are revoked when SCIM deactivates their user. The demo's " +
			"own OIDC client secret and webhook secret are sealed under a local key ring.",
		Example: fmt.Sprintf(`curl -H "Authorization: Bearer $API_KEY" %s/api/v1/whoami`, base),
	}
}

// background hands the secrets and API key events to the audit log.
func (f *secretsFeature) background(ctx context.Context) {
	// A master key added to GATEHOUSE_DEMO_MASTER_KEY ("1:old,2:new")
	// becomes current at once; this moves the older data keys to it.
	if p, err := f.svc.Rewrap(ctx, secrets.RewrapOptions{}); err != nil {
		f.app.log.Warn("rewrapping data keys", "err", err)
	} else if p.Rewrapped > 0 || p.Failed > 0 {
		f.app.log.Info("rewrapped data keys", "key", p.KeyID, "rewrapped", p.Rewrapped, "failed", p.Failed)
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		forward(ctx, f.app, "secrets", f.svc.Events,
			func(e secrets.Event) string { return e.Cursor }, fromSecretsEvent)
	}
}

func fromSecretsEvent(e secrets.Event) audit.Event {
	ev := audit.Event{
		OrganizationID: e.OrganizationID, Action: e.Type, Time: e.Time,
		Actor:    audit.Actor{Type: or(e.Actor.Type, "system"), ID: or(e.Actor.ID, "unknown")},
		Metadata: map[string]any{},
	}
	switch {
	case e.Data.Secret != "":
		ev.Targets = []audit.Target{{Type: "secret", ID: e.Data.Secret}}
		ev.Metadata["version"] = e.Data.Version
		if e.Data.Purpose != "" {
			ev.Metadata["purpose"] = e.Data.Purpose
		}
	case e.Data.APIKeyID != "":
		ev.Targets = []audit.Target{{Type: "api_key", ID: e.Data.APIKeyID}}
	case e.Data.OwnerID != "":
		ev.Targets = []audit.Target{{Type: "user", ID: e.Data.OwnerID}}
		ev.Metadata["count"] = e.Data.Count
	}
	if e.Data.Reason != "" {
		ev.Metadata["reason"] = e.Data.Reason
	}
	return ev
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// revokeUserKeys is the offboarding hook: SCIM deactivated or deleted the
// user, so every API key the user owns stops working now.
func (f *secretsFeature) revokeUserKeys(ctx context.Context, org, userName string) error {
	ctx = secrets.WithActor(ctx, secrets.Actor{Type: "system", ID: "scim-offboarding"})
	owner := secrets.Owner{Type: secrets.OwnerUser, ID: strings.ToLower(userName)}
	n, err := f.svc.RevokeOwnerAPIKeys(ctx, org, owner, "deprovisioned by the identity provider")
	if n > 0 {
		f.app.log.Info("revoked the API keys of a deprovisioned user", "user", userName, "keys", n)
	}
	return err
}

var keysPage = newPage(`
{{with .Data.Token}}<p><strong>New key, shown once:</strong> <code>{{.}}</code></p>{{end}}
{{with .Data.Error}}<p class="error">{{.}}</p>{{end}}
<form method="post" action="/keys">
<select name="owner_type"><option value="service_account">service account</option><option value="user">user</option></select>
<input name="owner_id" placeholder="owner, e.g. ci-bot or jane@acme-demo.example" required size="30">
<input name="name" placeholder="name" required>
<input name="scopes" placeholder="scopes, e.g. whoami:read" value="whoami:read">
<input name="days" type="number" min="1" max="365" value="30" style="width:4rem"> days
<button>Issue</button></form>
<table><tr><th>Name</th><th>Owner</th><th>Scopes</th><th>Key</th><th>Expires</th><th>Last used</th><th>State</th><th></th></tr>
{{range .Data.Keys}}<tr><td>{{.Name}}</td><td>{{.Owner.Type}} {{.Owner.ID}}</td><td>{{range .Scopes}}{{.}} {{end}}</td>
<td><code>{{.Hint}}</code></td><td>{{.ExpiresAt.Format "2006-01-02 15:04"}}</td>
<td>{{if .LastUsedAt.IsZero}}never{{else}}{{.LastUsedAt.Format "2006-01-02 15:04"}}{{end}}</td>
<td>{{if not .RevokedAt.IsZero}}revoked{{else}}active{{end}}</td>
<td>{{if .RevokedAt.IsZero}}<form class="inline" method="post" action="/keys/{{.ID}}/rotate"><button>Rotate</button></form>
<form class="inline" method="post" action="/keys/{{.ID}}/revoke"><button>Revoke</button></form>{{end}}</td></tr>
{{else}}<tr><td colspan="8" class="muted">No keys yet.</td></tr>{{end}}</table>`)

// adminCtx checks that the caller administers the demo organization and
// returns a context that names the admin as the actor of secrets events.
func (f *secretsFeature) adminCtx(w http.ResponseWriter, r *http.Request) (context.Context, bool) {
	org, err := f.app.adminOrganization(r)
	if err != nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return nil, false
	}
	actor := "admin"
	if s, ok := f.app.currentSession(r); ok {
		actor = s.Email
	}
	return secrets.WithActor(r.Context(), secrets.Actor{Type: "user", ID: actor + "@" + org}), true
}

func (f *secretsFeature) showKeys(w http.ResponseWriter, r *http.Request, status int, token, problem string) {
	keys, err := f.svc.ListAPIKeys(r.Context(), demoOrg, secrets.APIKeyListOptions{Limit: 200})
	if err != nil && problem == "" {
		problem = "The keys could not be listed."
	}
	f.app.render(w, r, status, keysPage, "API keys", map[string]any{"Keys": keys, "Token": token, "Error": problem})
}

func (f *secretsFeature) handleKeys(w http.ResponseWriter, r *http.Request) {
	if _, ok := f.adminCtx(w, r); ok {
		f.showKeys(w, r, http.StatusOK, "", "")
	}
}

func (f *secretsFeature) handleIssue(w http.ResponseWriter, r *http.Request) {
	ctx, ok := f.adminCtx(w, r)
	if !ok {
		return
	}
	days, err := strconv.Atoi(r.PostFormValue("days"))
	if err != nil || days < 1 || days > 365 {
		f.showKeys(w, r, http.StatusBadRequest, "", "The expiry must be 1 to 365 days.")
		return
	}
	ownerID := strings.TrimSpace(r.PostFormValue("owner_id"))
	ownerType := secrets.OwnerType(r.PostFormValue("owner_type"))
	if ownerType == secrets.OwnerUser {
		ownerID = strings.ToLower(ownerID)
	}
	issued, err := f.svc.IssueAPIKey(ctx, demoOrg, secrets.IssueRequest{
		Owner: secrets.Owner{Type: ownerType, ID: ownerID}, Name: r.PostFormValue("name"),
		Scopes:    strings.Fields(r.PostFormValue("scopes")),
		ExpiresAt: time.Now().Add(time.Duration(days) * 24 * time.Hour),
	})
	if err != nil {
		f.showKeys(w, r, http.StatusBadRequest, "", err.Error())
		return
	}
	f.showKeys(w, r, http.StatusCreated, string(issued.Token.Reveal()), "")
}

func (f *secretsFeature) handleRotate(w http.ResponseWriter, r *http.Request) {
	ctx, ok := f.adminCtx(w, r)
	if !ok {
		return
	}
	issued, err := f.svc.RotateAPIKey(ctx, demoOrg, r.PathValue("id"), 24*time.Hour)
	if err != nil {
		f.showKeys(w, r, http.StatusBadRequest, "", err.Error())
		return
	}
	f.showKeys(w, r, http.StatusOK, string(issued.Token.Reveal()), "")
}

func (f *secretsFeature) handleRevoke(w http.ResponseWriter, r *http.Request) {
	ctx, ok := f.adminCtx(w, r)
	if !ok {
		return
	}
	if err := f.svc.RevokeAPIKey(ctx, demoOrg, r.PathValue("id"), "revoked by an admin"); err != nil {
		f.showKeys(w, r, http.StatusBadRequest, "", err.Error())
		return
	}
	http.Redirect(w, r, "/keys", http.StatusSeeOther)
}

// handleWhoami is an API route behind RequireAPIKey: it answers for the
// organization the key belongs to, never one named in the request.
func (f *secretsFeature) handleWhoami(w http.ResponseWriter, r *http.Request) {
	k, _ := secrets.APIKeyFromContext(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{
		"organization": k.OrganizationID, "owner": k.Owner, "key": k.ID, "scopes": k.Scopes,
	})
}
