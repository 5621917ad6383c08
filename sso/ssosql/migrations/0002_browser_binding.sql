ALTER TABLE sso_login_states ADD COLUMN browser_hash TEXT NOT NULL DEFAULT '';
