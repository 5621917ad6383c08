-- Event IDs are idempotency keys within an organization's log: Append
-- skips an event whose ID is already here, and this index both finds
-- those and refuses a duplicate that got past the check.
CREATE UNIQUE INDEX audit_events_id ON audit_events (org, id);
