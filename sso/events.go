package sso

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/internal/ids"
)

// Event types the service reports through Config.OnEvent.
const (
	// EventLoginSucceeded reports that a user signed in.
	EventLoginSucceeded = "sso.login.succeeded"
	// EventLoginFailed reports that a login was refused; the payload says why.
	EventLoginFailed = "sso.login.failed"
	// EventLogoutSucceeded reports a completed single logout, started by
	// the host or by the IdP.
	EventLogoutSucceeded = "sso.logout.succeeded"
	// EventLogoutFailed reports a refused or failed single logout; the
	// payload says why.
	EventLogoutFailed = "sso.logout.failed"
	// EventConnectionCreated reports that a connection was created.
	EventConnectionCreated = "sso.connection.created"
	// EventConnectionUpdated reports that a connection was changed.
	EventConnectionUpdated = "sso.connection.updated"
	// EventConnectionDeleted reports that a connection was deleted.
	EventConnectionDeleted = "sso.connection.deleted"
)

// Event is something the service did, in the envelope every Gatehouse
// package shares. Data is a [LoginEvent] for logins and logouts and a
// [ConnectionEvent] for changes of connections.
type Event struct {
	ID             string    `json:"id"`
	Type           string    `json:"type"`
	OrganizationID string    `json:"organization_id"`
	Time           time.Time `json:"time"`
	Data           any       `json:"data"`
}

// LoginEvent is the payload of the login and logout events. For a logout,
// Subject is the NameID that the IdP asked to log out, if known.
type LoginEvent struct {
	ConnectionID string   `json:"connection_id"`
	Protocol     Protocol `json:"protocol"`
	Subject      string   `json:"subject,omitempty"`
	Email        string   `json:"email,omitempty"`
	// Reason and Detail say why a login failed.
	Reason Reason `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// ConnectionEvent is the payload of the connection events.
type ConnectionEvent struct {
	ConnectionID string   `json:"connection_id"`
	Protocol     Protocol `json:"protocol"`
	Name         string   `json:"name,omitempty"`
	Enabled      bool     `json:"enabled"`
}

// emit hands an event to Config.OnEvent, if set.
func (s *Service) emit(ctx context.Context, typ, org string, data any) {
	if s.cfg.OnEvent == nil {
		return
	}
	now := s.now()
	s.cfg.OnEvent(ctx, Event{ID: ids.NewAt("evt", now), Type: typ, OrganizationID: org, Time: now,
		Data: data})
}

func (s *Service) emitConnection(ctx context.Context, typ string, c *Connection) {
	s.emit(ctx, typ, c.OrganizationID, ConnectionEvent{ConnectionID: c.ID, Protocol: c.Protocol,
		Name: c.Name, Enabled: c.Enabled})
}

func (s *Service) emitLogin(ctx context.Context, conn *Connection, p *Profile, a *Attempt) {
	e := LoginEvent{ConnectionID: conn.ID, Protocol: conn.Protocol, Subject: a.Subject,
		Reason: a.Reason, Detail: a.Detail}
	if p != nil {
		e.Email = p.Email
	}
	typ := EventLoginSucceeded
	if a.Reason != "" {
		typ = EventLoginFailed
	}
	s.emit(ctx, typ, conn.OrganizationID, e)
}
