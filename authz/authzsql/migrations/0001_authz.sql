CREATE TABLE authz_models (
	seq {{SERIAL}},
	org {{KEY}} NOT NULL,
	id {{KEY}} NOT NULL,
	created_at {{TIME}} NOT NULL,
	model {{JSON}} NOT NULL,
	UNIQUE (org, id)
);
CREATE INDEX authz_models_latest ON authz_models (org, seq);

CREATE TABLE authz_tuples (
	org {{KEY}} NOT NULL,
	object_type {{KEY}} NOT NULL,
	object_id {{KEY}} NOT NULL,
	relation {{KEY}} NOT NULL,
	user_type {{KEY}} NOT NULL,
	user_id {{KEY}} NOT NULL,
	user_relation {{KEY}} NOT NULL,
	condition_name TEXT NOT NULL,
	condition_context {{JSON}},
	PRIMARY KEY (org, object_type, object_id, relation, user_type, user_id, user_relation)
);
-- Reverse lookups: the objects of a type on which a user or userset
-- holds a relation.
CREATE INDEX authz_tuples_by_user ON authz_tuples
	(org, user_type, user_id, user_relation, object_type, relation, object_id);

CREATE TABLE authz_changes (
	seq {{SERIAL}},
	org {{KEY}} NOT NULL,
	op TEXT NOT NULL,
	object TEXT NOT NULL,
	relation TEXT NOT NULL,
	user_ TEXT NOT NULL,
	condition_name TEXT NOT NULL,
	condition_context {{JSON}},
	at {{TIME}} NOT NULL
);
CREATE INDEX authz_changes_by_org ON authz_changes (org, seq);
