CREATE TABLE secrets_secrets (
	organization_id TEXT NOT NULL,
	name TEXT NOT NULL,
	metadata {{JSON}} NOT NULL,
	latest_version {{INT64}} NOT NULL,
	created_at {{TIME}} NOT NULL,
	updated_at {{TIME}} NOT NULL,
	deleted_at {{TIME}},
	PRIMARY KEY (organization_id, name)
);
CREATE INDEX secrets_secrets_deleted ON secrets_secrets (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE secrets_versions (
	organization_id TEXT NOT NULL,
	name TEXT NOT NULL,
	version {{INT64}} NOT NULL,
	key_id TEXT NOT NULL,
	wrapped_key {{BYTES}} NOT NULL,
	ciphertext {{BYTES}} NOT NULL,
	created_at {{TIME}} NOT NULL,
	PRIMARY KEY (organization_id, name, version)
);

CREATE TABLE secrets_api_keys (
	id TEXT PRIMARY KEY,
	organization_id TEXT NOT NULL,
	owner_type TEXT NOT NULL,
	owner_id TEXT NOT NULL,
	name TEXT NOT NULL,
	scopes {{JSON}} NOT NULL,
	hint TEXT NOT NULL,
	hash {{BYTES}} NOT NULL,
	created_at {{TIME}} NOT NULL,
	expires_at {{TIME}} NOT NULL,
	revoked_at {{TIME}},
	last_used_at {{TIME}},
	rotated_from TEXT NOT NULL
);
-- Verification looks keys up by the token's hash.
CREATE UNIQUE INDEX secrets_api_keys_hash ON secrets_api_keys (hash);
CREATE INDEX secrets_api_keys_org ON secrets_api_keys (organization_id, id);
CREATE INDEX secrets_api_keys_owner ON secrets_api_keys (organization_id, owner_type, owner_id);

CREATE TABLE secrets_events (
	seq {{SERIAL}},
	id TEXT NOT NULL,
	type TEXT NOT NULL,
	organization_id TEXT NOT NULL,
	time {{TIME}} NOT NULL,
	actor_type TEXT NOT NULL,
	actor_id TEXT NOT NULL,
	data {{JSON}} NOT NULL
);
