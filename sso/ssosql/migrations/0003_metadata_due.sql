-- The columns that the scheduled metadata refresh queries: the metadata URL
-- of a SAML connection ('' for none) and when its metadata was last fetched
-- (the epoch when never). Connections saved before this migration get them
-- on their next update (a login refreshes stale metadata and updates it).
ALTER TABLE sso_connections ADD COLUMN metadata_url TEXT NOT NULL DEFAULT '';
ALTER TABLE sso_connections ADD COLUMN metadata_fetched_at {{TIME}};
CREATE INDEX sso_connections_metadata_due ON sso_connections (metadata_fetched_at, id)
	WHERE metadata_url <> '';
