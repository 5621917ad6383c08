CREATE TABLE kit_items (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	doc {{JSON}},
	blob {{BYTES}},
	created_at {{TIME}} NOT NULL
);
CREATE UNIQUE INDEX kit_items_name ON kit_items (lower(name));
