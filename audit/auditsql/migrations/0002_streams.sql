-- Where each stream stands in each organization's log.
CREATE TABLE audit_stream_cursors (
	stream TEXT NOT NULL,
	org TEXT NOT NULL,
	next_idx {{INT64}} NOT NULL,
	PRIMARY KEY (stream, org)
);
