CREATE TABLE kit_counter (
	seq {{SERIAL}},
	n {{INT64}} NOT NULL
);
INSERT INTO kit_counter (n) VALUES (0);
