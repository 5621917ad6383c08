CREATE TABLE sso_connections (
	id TEXT PRIMARY KEY,
	organization_id TEXT NOT NULL,
	body {{JSON}} NOT NULL,
	created_at {{TIME}} NOT NULL,
	updated_at {{TIME}} NOT NULL
);
CREATE INDEX sso_connections_org ON sso_connections (organization_id, id);

CREATE TABLE sso_login_states (
	id TEXT PRIMARY KEY,
	organization_id TEXT NOT NULL,
	connection_id TEXT NOT NULL,
	return_path TEXT NOT NULL,
	nonce TEXT NOT NULL,
	code_verifier TEXT NOT NULL,
	created_at {{TIME}} NOT NULL,
	expires_at {{TIME}} NOT NULL
);
CREATE INDEX sso_login_states_expiry ON sso_login_states (expires_at);

CREATE TABLE sso_used (
	key TEXT PRIMARY KEY,
	expires_at {{TIME}} NOT NULL
);
CREATE INDEX sso_used_expiry ON sso_used (expires_at);

CREATE TABLE sso_attempts (
	seq {{SERIAL}},
	id TEXT NOT NULL UNIQUE,
	organization_id TEXT NOT NULL,
	connection_id TEXT NOT NULL,
	time {{TIME}} NOT NULL,
	reason TEXT NOT NULL,
	detail TEXT NOT NULL,
	subject TEXT NOT NULL
);
CREATE INDEX sso_attempts_conn ON sso_attempts (connection_id, seq);
