package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// LoginRequest says whom a login is for: a connection, an organization
// (its first enabled connection) or an email address (the organization
// that holds its domain, through Config.Domains). ReturnPath is where to
// go after success; it must be local (see [ValidReturnPath]).
type LoginRequest struct {
	ConnectionID   string
	OrganizationID string
	Email          string
	ReturnPath     string
}

// ErrNoConnection reports that no enabled connection serves a login
// request.
var ErrNoConnection = errors.New("sso: no enabled connection for this login")

// Login starts a login: it stores the login state and sends the browser
// to the identity provider (a redirect, or an auto-submitting form for the
// SAML HTTP-POST binding). It writes nothing when it returns an error, so
// the host can answer as it likes.
func (s *Service) Login(w http.ResponseWriter, r *http.Request, req LoginRequest) error {
	rp, err := ValidReturnPath(req.ReturnPath)
	if err != nil {
		return err
	}
	conn, err := s.connectionFor(r.Context(), req)
	if err != nil {
		return err
	}
	switch conn.Protocol {
	case ProtocolSAML:
		return s.startSAML(w, r, conn, rp)
	case ProtocolOIDC:
		return s.startOIDC(w, r, conn, rp)
	}
	return fmt.Errorf("sso: connection %s has unknown protocol %q", conn.ID, conn.Protocol)
}

func (s *Service) connectionFor(ctx context.Context, req LoginRequest) (*Connection, error) {
	org := req.OrganizationID
	if req.ConnectionID != "" {
		c, err := s.cfg.Store.ConnectionByID(ctx, req.ConnectionID)
		if errors.Is(err, ErrNotFound) || (err == nil && org != "" && c.OrganizationID != org) {
			return nil, ErrNoConnection
		}
		if err != nil {
			return nil, fmt.Errorf("sso: loading connection: %w", err)
		}
		if !c.Enabled {
			return nil, ErrNoConnection
		}
		return c, nil
	}
	if org == "" && req.Email != "" {
		if s.cfg.Domains == nil {
			return nil, errors.New("sso: login by email needs Config.Domains")
		}
		o, err := s.cfg.Domains.OrganizationForEmail(ctx, req.Email)
		if err != nil {
			return nil, fmt.Errorf("sso: resolving the email's organization: %w", err)
		}
		org = o
	}
	if org == "" {
		return nil, ErrNoConnection
	}
	return s.firstEnabled(ctx, org)
}

func (s *Service) firstEnabled(ctx context.Context, org string) (*Connection, error) {
	after := ""
	for {
		page, err := s.cfg.Store.ListConnections(ctx, org, after, 50)
		if err != nil {
			return nil, fmt.Errorf("sso: listing connections: %w", err)
		}
		for _, c := range page {
			if c.Enabled {
				return c, nil
			}
		}
		if len(page) < 50 {
			return nil, ErrNoConnection
		}
		after = page[len(page)-1].ID
	}
}

// handleLogin starts a login from query parameters, for a sign-in page.
func (s *Service) handleLogin(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	err := s.Login(w, r, LoginRequest{
		ConnectionID: q.Get("connection"), OrganizationID: q.Get("organization"),
		Email: q.Get("email"), ReturnPath: q.Get("return"),
	})
	switch {
	case err == nil:
	case errors.Is(err, ErrBadReturnPath):
		http.Error(w, "The return path is not allowed.", http.StatusBadRequest)
	case errors.Is(err, ErrNoConnection):
		http.Error(w, "Single sign-on is not set up for this account.", http.StatusNotFound)
	default:
		s.cfg.Logger.WarnContext(r.Context(), "sso: starting login", "error", err)
		http.Error(w, "Sign-in could not start.", http.StatusInternalServerError)
	}
}

// newState returns a new login state for conn, not yet stored.
func (s *Service) newState(conn *Connection, rp string) *LoginState {
	now := s.now()
	return &LoginState{
		ID: newToken(), OrganizationID: conn.OrganizationID, ConnectionID: conn.ID,
		ReturnPath: rp, CreatedAt: now, ExpiresAt: now.Add(s.cfg.LoginTTL),
	}
}
