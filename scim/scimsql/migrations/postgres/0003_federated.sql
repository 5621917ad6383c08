CREATE TABLE scim_federated_issuers (
	id TEXT COLLATE "C" PRIMARY KEY,
	directory_id TEXT COLLATE "C" NOT NULL REFERENCES scim_directories (id) ON DELETE CASCADE,
	issuer TEXT COLLATE "C" NOT NULL,
	jwks_url TEXT COLLATE "C" NOT NULL,
	audience TEXT COLLATE "C" NOT NULL,
	subject TEXT COLLATE "C" NOT NULL,
	created {{TIME}} NOT NULL
);
CREATE UNIQUE INDEX scim_federated_issuers_trust ON scim_federated_issuers (issuer, audience, subject);
CREATE INDEX scim_federated_issuers_directory ON scim_federated_issuers (directory_id, id);
