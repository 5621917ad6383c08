-- The outbox of connection events, written in the transaction of the
-- change that they report; seq is the position that readers follow.
CREATE TABLE sso_events (
	seq {{SERIAL}},
	id TEXT NOT NULL,
	body {{JSON}} NOT NULL
);
