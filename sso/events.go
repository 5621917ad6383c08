package sso

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gatehouse/gatehouse/internal/ids"
)

// Event types the service reports. The connection events are durable:
// the Store writes them to its outbox with the change, and
// [Service.Events] reads them. All of them go to Config.OnEvent.
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
	// EventConnectionUpdated reports that a connection was changed, by an
	// admin or by a metadata refresh that changed its certificates.
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
	// Cursor is the event's position in the Store's outbox, set by the
	// Store on the events that [Store.Events] returns; pass it to Events
	// to read what follows. It is "" on events handed to Config.OnEvent.
	Cursor string `json:"cursor,omitempty"`
	Data   any    `json:"data"`
}

// UnmarshalJSON decodes an event and its payload into the payload's type
// ([ConnectionEvent] or [LoginEvent]), so that a Store can keep events as
// JSON documents. The Data of an event of another type stays the raw
// JSON, a [json.RawMessage].
func (e *Event) UnmarshalJSON(b []byte) error {
	type plain Event
	var raw struct {
		plain
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*e = Event(raw.plain)
	switch e.Type {
	case EventConnectionCreated, EventConnectionUpdated, EventConnectionDeleted:
		var d ConnectionEvent
		err := json.Unmarshal(raw.Data, &d)
		e.Data = d
		return err
	case EventLoginSucceeded, EventLoginFailed, EventLogoutSucceeded, EventLogoutFailed:
		var d LoginEvent
		err := json.Unmarshal(raw.Data, &d)
		e.Data = d
		return err
	}
	e.Data = raw.Data
	return nil
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
	// Refreshed is true when a metadata refresh, not an admin, made the
	// change: the identity provider's metadata named other certificates.
	Refreshed bool `json:"refreshed,omitempty"`
}

// Events returns up to limit connection events (100 if limit is 0, at
// most 1000) that follow the cursor after ("" for the first), oldest
// first, from the Store's outbox. A host consumes them at least once by
// storing the Cursor of the last event it handled. Login and logout
// events are not in the outbox: see Config.OnEvent.
func (s *Service) Events(ctx context.Context, after string, limit int) ([]Event, error) {
	if limit <= 0 {
		limit = 100
	}
	return s.cfg.Store.Events(ctx, after, min(limit, 1000))
}

// newEvent returns an event of the given type, with a new ID and the
// current time.
func (s *Service) newEvent(typ, org string, data any) Event {
	now := s.now()
	return Event{ID: ids.NewAt("evt", now), Type: typ, OrganizationID: org, Time: now, Data: data}
}

// connectionEvent returns the event that reports a change of c.
func (s *Service) connectionEvent(typ string, c *Connection) Event {
	return s.newEvent(typ, c.OrganizationID, ConnectionEvent{ConnectionID: c.ID,
		Protocol: c.Protocol, Name: c.Name, Enabled: c.Enabled})
}

// notify hands an event to Config.OnEvent, if set.
func (s *Service) notify(ctx context.Context, e Event) {
	if s.cfg.OnEvent != nil {
		s.cfg.OnEvent(ctx, e)
	}
}

// emit hands a new event to Config.OnEvent, if set.
func (s *Service) emit(ctx context.Context, typ, org string, data any) {
	if s.cfg.OnEvent != nil {
		s.notify(ctx, s.newEvent(typ, org, data))
	}
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
