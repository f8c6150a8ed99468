-- Sessions the user can see and end one by one (`coffer sessions`), a second factor (TOTP) at
-- login, and login failures counted for rate limiting.

-- A public id names a session on the wire (the token hash never leaves the server);
-- last_used_at is refreshed at most once a minute; client_label is the User-Agent at login.
ALTER TABLE sessions ADD COLUMN id BLOB NULL;
ALTER TABLE sessions ADD COLUMN last_used_at BIGINT NULL;
ALTER TABLE sessions ADD COLUMN client_label TEXT NULL;
UPDATE sessions SET id = randomblob(16), last_used_at = created_at;
CREATE UNIQUE INDEX sessions_id ON sessions (id);
CREATE INDEX sessions_account ON sessions (account_id);

-- The rate-limit key of the email a login attempt is for (known or not), so that a failure at
-- finish counts against it.
ALTER TABLE login_attempts ADD COLUMN limit_key TEXT NULL;

-- One TOTP secret per account (RFC 6238). enabled_at NULL: set up but not yet confirmed with a
-- code. last_step: the time step of the last code accepted; codes of that step or earlier are
-- refused (no replay).
CREATE TABLE second_factors (
    account_id BLOB PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    secret     BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    enabled_at BIGINT NULL,
    last_step  BIGINT NULL
);

-- Failed logins per fixed window, per key ('login:<email hash>', 'login-ip:<address>'); kept
-- apart from link_failures because the windows differ.
CREATE TABLE login_failures (
    key          TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures     BIGINT NOT NULL
);
CREATE INDEX login_failures_window ON login_failures (window_start);
