CREATE TABLE scim_directories (
	id TEXT COLLATE "C" PRIMARY KEY,
	organization_id TEXT COLLATE "C" NOT NULL,
	name TEXT COLLATE "C" NOT NULL,
	created {{TIME}} NOT NULL
);
CREATE INDEX scim_directories_org ON scim_directories (organization_id, id);

CREATE TABLE scim_tokens (
	id TEXT COLLATE "C" PRIMARY KEY,
	directory_id TEXT COLLATE "C" NOT NULL REFERENCES scim_directories (id) ON DELETE CASCADE,
	organization_id TEXT COLLATE "C" NOT NULL,
	name TEXT COLLATE "C" NOT NULL,
	hash {{BYTES}} NOT NULL UNIQUE,
	hint TEXT COLLATE "C" NOT NULL,
	created {{TIME}} NOT NULL,
	expires_at {{TIME}},
	revoked_at {{TIME}},
	last_used {{TIME}}
);
CREATE INDEX scim_tokens_directory ON scim_tokens (directory_id, id);

CREATE TABLE scim_resources (
	directory_id TEXT COLLATE "C" NOT NULL,
	kind TEXT COLLATE "C" NOT NULL,
	id TEXT COLLATE "C" NOT NULL,
	external_id TEXT COLLATE "C",
	user_name_fold TEXT COLLATE "C",
	display_name_fold TEXT COLLATE "C",
	active INTEGER,
	attributes {{JSON}} NOT NULL,
	created {{TIME}} NOT NULL,
	last_modified {{TIME}} NOT NULL,
	version {{INT64}} NOT NULL,
	PRIMARY KEY (directory_id, kind, id)
);
CREATE UNIQUE INDEX scim_resources_user_name ON scim_resources (directory_id, kind, user_name_fold);
CREATE INDEX scim_resources_external_id ON scim_resources (directory_id, kind, external_id);
CREATE INDEX scim_resources_display_name ON scim_resources (directory_id, kind, display_name_fold);
CREATE INDEX scim_resources_last_modified ON scim_resources (directory_id, kind, last_modified);

CREATE TABLE scim_emails (
	directory_id TEXT COLLATE "C" NOT NULL,
	value_fold TEXT COLLATE "C" NOT NULL,
	resource_id TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (directory_id, value_fold, resource_id)
);
CREATE INDEX scim_emails_resource ON scim_emails (directory_id, resource_id);

CREATE TABLE scim_members (
	directory_id TEXT COLLATE "C" NOT NULL,
	group_id TEXT COLLATE "C" NOT NULL,
	member_id TEXT COLLATE "C" NOT NULL,
	member_type TEXT COLLATE "C" NOT NULL,
	display TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (directory_id, group_id, member_id)
);
CREATE INDEX scim_members_member ON scim_members (directory_id, member_id, group_id);

CREATE TABLE scim_events (
	seq {{SERIAL}},
	id TEXT COLLATE "C" NOT NULL,
	body {{JSON}} NOT NULL
);

CREATE TABLE scim_cursors (
	consumer TEXT COLLATE "C" PRIMARY KEY,
	position TEXT COLLATE "C" NOT NULL
);
