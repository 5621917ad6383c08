package main

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
)

// app holds the Gatehouse services the demo wires together.
type app struct {
	cfg     config
	db      *sql.DB
	log     *slog.Logger
	domains *domainFeature
}

func newApp(ctx context.Context, cfg config, db *sql.DB, log *slog.Logger) (*app, error) {
	a := &app{cfg: cfg, db: db, log: log}
	if _, err := db.ExecContext(ctx, cursorsTable); err != nil {
		return nil, err
	}
	var err error
	if a.domains, err = newDomainFeature(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// adminOrganization is the demo's Config.Organization: the bearer token
// of the demo organization's admin names that organization; anything else
// is refused. A real host maps its own session to an organization here
// and checks that the user may administer it.
func (a *app) adminOrganization(r *http.Request) (string, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(a.cfg.adminToken)) != 1 {
		return "", errors.New("not the demo organization's admin")
	}
	return demoOrg, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.handleLanding)
	a.domains.mount(mux)
	return mux
}

// startBackground starts each feature's background work and returns a
// channel that is closed once all of it has stopped after ctx ends.
func (a *app) startBackground(ctx context.Context) <-chan struct{} {
	var wg sync.WaitGroup
	wg.Go(func() { a.domains.background(ctx) })
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}
