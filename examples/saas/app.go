package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"

	"github.com/gatehouse/gatehouse/scim"
)

// app holds the Gatehouse services the demo wires together.
type app struct {
	cfg        config
	db         *sql.DB
	log        *slog.Logger
	sessionKey []byte

	signin   *signinFeature
	domains  *domainFeature
	scim     *scimFeature
	audit    *auditFeature
	secrets  *secretsFeature
	authz    *authzFeature
	sso      *ssoFeature
	features []feature
}

// feature is one package's part of the demo.
type feature interface {
	// mount adds the feature's routes.
	mount(mux *http.ServeMux)
	// background runs the feature's background work until ctx ends.
	background(ctx context.Context)
}

func newApp(ctx context.Context, cfg config, db *sql.DB, log *slog.Logger) (*app, error) {
	a := &app{cfg: cfg, db: db, log: log}
	if _, err := db.ExecContext(ctx, cursorsTable); err != nil {
		return nil, err
	}
	var err error
	if a.sessionKey, err = sessionKey(ctx, db); err != nil {
		return nil, err
	}
	if a.audit, err = newAuditFeature(ctx, a); err != nil {
		return nil, err
	}
	if a.secrets, err = newSecretsFeature(ctx, a); err != nil {
		return nil, err
	}
	if a.authz, err = newAuthzFeature(ctx, a); err != nil {
		return nil, err
	}
	if a.domains, err = newDomainFeature(ctx, a); err != nil {
		return nil, err
	}
	if a.scim, err = newSCIMFeature(ctx, a); err != nil {
		return nil, err
	}
	if a.sso, err = newSSOFeature(ctx, a); err != nil {
		return nil, err
	}
	a.signin = &signinFeature{app: a, sso: a.sso.login}
	a.scim.onEvent = append(a.scim.onEvent, a.offboard, a.authz.onSCIMEvent, func(ctx context.Context, e scim.Event) error {
		return a.audit.record(ctx, nil, fromSCIMEvent(e))
	})
	a.features = append(a.features, a.signin, a.domains, a.scim, a.audit, a.secrets, a.authz, a.sso)
	return a, nil
}

// offboard revokes the API keys of a user whom SCIM deactivated or
// deleted.
func (a *app) offboard(ctx context.Context, e scim.Event) error {
	u, ok := e.Payload.(scim.UserEvent)
	if !ok || (e.Type != scim.EventUserDeactivated && e.Type != scim.EventUserDeleted) {
		return nil
	}
	return a.secrets.revokeUserKeys(ctx, e.OrganizationID, u.UserName)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.handleLanding)
	for _, f := range a.features {
		f.mount(mux)
	}
	return mux
}

// startBackground starts each feature's background work and returns a
// channel that is closed once all of it has stopped after ctx ends.
func (a *app) startBackground(ctx context.Context) <-chan struct{} {
	var wg sync.WaitGroup
	for _, f := range a.features {
		wg.Go(func() { f.background(ctx) })
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}
