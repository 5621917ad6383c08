-- One row per organization: the compact state of its Merkle tree. Appends
-- lock this row, so one organization's log never forks.
CREATE TABLE audit_logs (
	org TEXT PRIMARY KEY,
	size {{INT64}} NOT NULL,
	frontier {{BYTES}} NOT NULL,
	start_idx {{INT64}} NOT NULL
);

-- Events by their place in the log. data is the canonical encoding, kept
-- byte for byte (not JSONB, which would reformat it).
CREATE TABLE audit_events (
	org TEXT NOT NULL,
	idx {{INT64}} NOT NULL,
	id TEXT NOT NULL,
	action TEXT NOT NULL,
	occurred_at {{TIME}} NOT NULL,
	actor_id TEXT NOT NULL,
	data {{BYTES}} NOT NULL,
	PRIMARY KEY (org, idx)
);

-- Listing newest first, by time range, action or actor.
CREATE INDEX audit_events_time ON audit_events (org, occurred_at, idx);
CREATE INDEX audit_events_action ON audit_events (org, action, occurred_at, idx);
CREATE INDEX audit_events_actor ON audit_events (org, actor_id, occurred_at, idx);

-- Listing by target: one row per target of an event, ordered as the
-- listing reads them.
CREATE TABLE audit_targets (
	org TEXT NOT NULL,
	target_id TEXT NOT NULL,
	occurred_at {{TIME}} NOT NULL,
	idx {{INT64}} NOT NULL,
	PRIMARY KEY (org, target_id, occurred_at, idx)
);
CREATE INDEX audit_targets_idx ON audit_targets (org, idx);

-- The hash of every complete subtree, for proofs; retention keeps them.
CREATE TABLE audit_nodes (
	org TEXT NOT NULL,
	level INTEGER NOT NULL,
	idx {{INT64}} NOT NULL,
	hash {{BYTES}} NOT NULL,
	PRIMARY KEY (org, level, idx)
);

CREATE TABLE audit_checkpoints (
	org TEXT NOT NULL,
	size {{INT64}} NOT NULL,
	made_at {{TIME}} NOT NULL,
	note {{BYTES}} NOT NULL,
	PRIMARY KEY (org, size, made_at)
);
