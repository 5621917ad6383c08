-- Each organization's revision (authz.Store.Revision): every Write and
-- WriteModel raises it in its own transaction. The row lock this takes
-- orders one organization's writes, so the revision grows in commit
-- order and a check cache keyed by it never misses a committed change.
CREATE TABLE authz_revisions (
	org TEXT PRIMARY KEY,
	rev {{INT64}} NOT NULL
);
