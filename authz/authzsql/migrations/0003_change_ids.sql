-- Changes carry an ID so that the outbox (Events) can hand them out in
-- the shared event envelope.
ALTER TABLE authz_changes ADD COLUMN id TEXT NOT NULL DEFAULT '';
