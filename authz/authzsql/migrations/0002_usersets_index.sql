-- Resolving a direct assignment reads the usersets on an object and
-- relation; this partial index finds them without scanning every user.
CREATE INDEX authz_tuples_usersets ON authz_tuples
	(org, object_type, object_id, relation, user_type, user_id, user_relation)
	WHERE user_relation <> '';
