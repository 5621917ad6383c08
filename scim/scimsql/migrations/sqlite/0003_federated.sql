CREATE TABLE scim_federated_issuers (
	id TEXT PRIMARY KEY,
	directory_id TEXT NOT NULL REFERENCES scim_directories (id) ON DELETE CASCADE,
	issuer TEXT NOT NULL,
	jwks_url TEXT NOT NULL,
	audience TEXT NOT NULL,
	subject TEXT NOT NULL,
	created {{TIME}} NOT NULL
);
CREATE UNIQUE INDEX scim_federated_issuers_trust ON scim_federated_issuers (issuer, audience, subject);
CREATE INDEX scim_federated_issuers_directory ON scim_federated_issuers (directory_id, id);
