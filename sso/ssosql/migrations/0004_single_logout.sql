-- Single logout: a login state is a login's or a logout's, and the log of
-- attempts records logouts next to logins. '' is a login, as before.
ALTER TABLE sso_login_states ADD COLUMN flow TEXT NOT NULL DEFAULT '';
ALTER TABLE sso_attempts ADD COLUMN flow TEXT NOT NULL DEFAULT '';
