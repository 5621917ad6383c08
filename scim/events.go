package scim

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The event types the package writes to its outbox.
const (
	// EventUserCreated means a user was provisioned.
	EventUserCreated = "scim.user.created"
	// EventUserUpdated means a user changed; the payload names the attributes.
	EventUserUpdated = "scim.user.updated"
	// EventUserDeactivated means active became false; revoke the user's access.
	EventUserDeactivated = "scim.user.deactivated"
	// EventUserReactivated means active became true again.
	EventUserReactivated = "scim.user.reactivated"
	// EventUserDeleted means the user was deleted; revoke the user's access.
	EventUserDeleted = "scim.user.deleted"
	// EventGroupCreated means a group was provisioned.
	EventGroupCreated = "scim.group.created"
	// EventGroupUpdated means a group's own attributes changed.
	EventGroupUpdated = "scim.group.updated"
	// EventGroupDeleted means the group was deleted.
	EventGroupDeleted = "scim.group.deleted"
	// EventMemberAdded means a member joined a group.
	EventMemberAdded = "scim.group.member_added"
	// EventMemberRemoved means a member left a group.
	EventMemberRemoved = "scim.group.member_removed"
)

// Event is one entry of the outbox: something that changed in a directory.
// Payload is a [UserEvent], [GroupEvent] or [MemberEvent], as Type says.
type Event struct {
	ID             string    `json:"id"`
	Type           string    `json:"type"`
	OrganizationID string    `json:"organizationId"`
	DirectoryID    string    `json:"directoryId"`
	Time           time.Time `json:"time"`
	// Cursor is the event's position in the outbox, set by the Store;
	// pass it to Events to read what follows.
	Cursor  string `json:"cursor,omitempty"`
	Payload any    `json:"payload"`
}

// UserEvent is the payload of the scim.user.* events.
type UserEvent struct {
	UserID     string `json:"userId"`
	UserName   string `json:"userName"`
	ExternalID string `json:"externalId,omitempty"`
	Active     bool   `json:"active"`
	// Changed names the top-level attributes an update changed, such as
	// "active", "emails" or the enterprise extension's URN.
	Changed []string `json:"changed,omitempty"`
}

// GroupEvent is the payload of scim.group.created, updated and deleted.
type GroupEvent struct {
	GroupID     string   `json:"groupId"`
	DisplayName string   `json:"displayName"`
	ExternalID  string   `json:"externalId,omitempty"`
	Changed     []string `json:"changed,omitempty"`
}

// MemberEvent is the payload of scim.group.member_added and
// member_removed.
type MemberEvent struct {
	GroupID    string `json:"groupId"`
	MemberID   string `json:"memberId"`
	MemberType Kind   `json:"memberType"`
}

// UnmarshalJSON decodes an event and its payload into the payload's type.
func (e *Event) UnmarshalJSON(b []byte) error {
	type plain Event
	var raw struct {
		plain
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*e = Event(raw.plain)
	var p any
	switch {
	case strings.HasPrefix(e.Type, "scim.user."):
		p = &UserEvent{}
	case strings.HasPrefix(e.Type, "scim.group.member_"):
		p = &MemberEvent{}
	case strings.HasPrefix(e.Type, "scim.group."):
		p = &GroupEvent{}
	default:
		return fmt.Errorf("scim: unknown event type %q", e.Type)
	}
	if err := json.Unmarshal(raw.Payload, p); err != nil {
		return fmt.Errorf("scim: decoding %s payload: %w", e.Type, err)
	}
	e.Payload = derefPayload(p)
	return nil
}

func derefPayload(p any) any {
	switch v := p.(type) {
	case *UserEvent:
		return *v
	case *MemberEvent:
		return *v
	case *GroupEvent:
		return *v
	}
	return p
}

// CursorStore keeps the position of an event consumer. Stores of this
// package implement it.
type CursorStore interface {
	// Cursor returns the saved cursor of the named consumer, or "".
	Cursor(ctx context.Context, consumer string) (string, error)
	// SetCursor saves the cursor of the named consumer.
	SetCursor(ctx context.Context, consumer, cursor string) error
}

// Consumer delivers outbox events to a host function, at least once and
// in order, and keeps its place in a [CursorStore]. A crash between
// handling an event and saving the cursor delivers that event again, so
// Handle must be idempotent.
type Consumer struct {
	// Name identifies the consumer's saved cursor.
	Name string
	// Store is read for events.
	Store interface {
		Events(ctx context.Context, after string, limit int) ([]Event, error)
	}
	// Cursors keeps the position; usually the same Store.
	Cursors CursorStore
	// Handle is called for each event. When it fails, Poll stops and the
	// event is delivered again on the next Poll.
	Handle func(context.Context, Event) error
	// Batch is the most events read at once; 0 means 100.
	Batch int
}

// Poll delivers the events written since the saved cursor, saving the
// cursor after each one, and returns how many it delivered.
func (c *Consumer) Poll(ctx context.Context) (int, error) {
	cur, err := c.Cursors.Cursor(ctx, c.Name)
	if err != nil {
		return 0, fmt.Errorf("scim: loading cursor of %q: %w", c.Name, err)
	}
	batch := c.Batch
	if batch <= 0 {
		batch = 100
	}
	n := 0
	for {
		evs, err := c.Store.Events(ctx, cur, batch)
		if err != nil {
			return n, fmt.Errorf("scim: reading events: %w", err)
		}
		for _, e := range evs {
			if err := c.Handle(ctx, e); err != nil {
				return n, fmt.Errorf("scim: handling event %s: %w", e.ID, err)
			}
			if err := c.Cursors.SetCursor(ctx, c.Name, e.Cursor); err != nil {
				return n, fmt.Errorf("scim: saving cursor of %q: %w", c.Name, err)
			}
			cur = e.Cursor
			n++
		}
		if len(evs) < batch {
			return n, nil
		}
	}
}

// Run polls every interval until ctx is done, and returns ctx's error.
// Errors of Poll are passed to onError (when not nil) and retried at the
// next tick.
func (c *Consumer) Run(ctx context.Context, interval time.Duration, onError func(error)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := c.Poll(ctx); err != nil && onError != nil && ctx.Err() == nil {
			onError(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
