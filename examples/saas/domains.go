package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/domain/domainsql"
)

// domainFeature wires package domain: the admin API, domain capture, a
// scheduled re-verification and a consumer of the domain events.
type domainFeature struct {
	app *app
	svc *domain.Service
	dns *devDNS
}

func newDomainFeature(ctx context.Context, a *app) (*domainFeature, error) {
	if err := domainsql.Migrate(ctx, a.db); err != nil {
		return nil, err
	}
	store, err := domainsql.New(a.db)
	if err != nil {
		return nil, err
	}
	dns := &devDNS{next: domain.NewNetResolver(a.cfg.nameserver, 0), records: map[string]string{}}
	svc, err := domain.New(domain.Config{
		Store:        store,
		Resolver:     dns,
		Organization: a.adminOrganization,
		Logger:       a.log.With("package", "domain"),
	})
	if err != nil {
		return nil, err
	}
	f := &domainFeature{app: a, svc: svc, dns: dns}
	return f, f.ensureDemoDomain(ctx)
}

// demoDomain is the demo organization's email domain. The development DNS
// below serves its challenge record, so it is verified with no set-up.
const demoDomain = "acme-demo.example"

// devDNS answers TXT lookups for the demo's own domain from memory and
// passes every other name on to a real resolver.
type devDNS struct {
	next    domain.Resolver
	mu      sync.Mutex
	records map[string]string
}

func (d *devDNS) LookupTXT(ctx context.Context, name string) ([]string, error) {
	d.mu.Lock()
	v, ok := d.records[strings.TrimSuffix(name, ".")]
	d.mu.Unlock()
	if ok {
		return []string{v}, nil
	}
	return d.next.LookupTXT(ctx, name)
}

func (d *devDNS) publish(c domain.Challenge) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.records[c.RecordName] = c.RecordValue
}

// ensureDemoDomain adds and verifies acme-demo.example for the demo
// organization on first start, and publishes its record on every start so
// that re-verification keeps passing.
func (f *domainFeature) ensureDemoDomain(ctx context.Context) error {
	list, _, err := f.svc.List(ctx, demoOrg, "", 1000)
	if err != nil {
		return err
	}
	var d domain.Domain
	for _, x := range list {
		if x.Name == demoDomain {
			d = x
		}
	}
	if d.ID == "" {
		if d, err = f.svc.Add(ctx, demoOrg, demoDomain, domain.AddOptions{IncludeSubdomains: true}); err != nil {
			return err
		}
	}
	f.dns.publish(f.svc.Challenge(d))
	if d.Status != domain.StatusVerified {
		_, err = f.svc.Verify(ctx, demoOrg, d.ID)
	}
	return err
}

func (f *domainFeature) mount(mux *http.ServeMux) {
	mux.Handle("/admin/domains/", http.StripPrefix("/admin/domains", f.svc.AdminHandler()))
	mux.HandleFunc("GET /api/capture", f.handleCapture)
}

// handleCapture tells which organization an email address belongs to, as
// a login page does before it sends the user to the organization's SSO.
func (f *domainFeature) handleCapture(w http.ResponseWriter, r *http.Request) {
	d, err := f.svc.Capture(r.Context(), r.URL.Query().Get("email"))
	switch {
	case errors.Is(err, domain.ErrNotFound):
		writeJSON(w, http.StatusOK, map[string]any{"captured": false})
	case err != nil:
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"error": map[string]string{"code": "invalid_email", "message": err.Error()},
		})
	default:
		writeJSON(w, http.StatusOK, map[string]any{
			"captured": true, "organization": d.OrganizationID, "domain": d.Name,
		})
	}
}

// background re-verifies domains every hour and hands each domain event
// to the log, at least once, with the cursor kept in the database.
func (f *domainFeature) background(ctx context.Context) {
	recheck := time.NewTicker(time.Hour)
	defer recheck.Stop()
	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-recheck.C:
			report, err := f.svc.Recheck(ctx, 0)
			if err != nil {
				f.app.log.Warn("re-verifying domains", "err", err)
			} else if report.Checked > 0 {
				f.app.log.Info("re-verified domains", "checked", report.Checked, "lapsed", report.Lapsed)
			}
		case <-poll.C:
			forward(ctx, f.app, "domain", f.svc.Events,
				func(e domain.Event) string { return e.Cursor }, fromDomainEvent)
		}
	}
}
