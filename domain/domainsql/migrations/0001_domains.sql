CREATE TABLE domain_domains (
	id TEXT PRIMARY KEY,
	organization_id TEXT NOT NULL,
	name TEXT NOT NULL,
	status TEXT NOT NULL,
	include_subdomains BOOLEAN NOT NULL,
	challenge_token TEXT NOT NULL,
	challenge_expires_at {{TIME}},
	verified_at {{TIME}},
	last_checked_at {{TIME}},
	consecutive_failures INTEGER NOT NULL,
	last_error TEXT NOT NULL,
	created_at {{TIME}} NOT NULL,
	updated_at {{TIME}} NOT NULL,
	revision {{INT64}} NOT NULL
);

-- An organization adds a name once; listing pages through its domains by ID.
CREATE UNIQUE INDEX domain_domains_org_name ON domain_domains (organization_id, name);
CREATE INDEX domain_domains_org_id ON domain_domains (organization_id, id);

-- At most one organization holds a name verified; this index also serves
-- domain capture.
CREATE UNIQUE INDEX domain_domains_verified_name ON domain_domains (name) WHERE status = 'verified';

-- Re-verification takes the verified domains checked longest ago.
CREATE INDEX domain_domains_due ON domain_domains (last_checked_at, id) WHERE status = 'verified';

CREATE TABLE domain_events (
	seq {{INT64}} PRIMARY KEY,
	id TEXT NOT NULL,
	type TEXT NOT NULL,
	organization_id TEXT NOT NULL,
	occurred_at {{TIME}} NOT NULL,
	data {{JSON}} NOT NULL
);

-- The event counter: taking the next number locks this row until the
-- transaction ends, so events are numbered in commit order and a reader
-- that has seen number n never later meets an event below n.
CREATE TABLE domain_event_counter (n {{INT64}} NOT NULL);
INSERT INTO domain_event_counter (n) VALUES (0);
