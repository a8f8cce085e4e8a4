-- Every token is only as good as its account: a version bumped by every change that must end
-- old tokens, an optional link to the account's staff record, and an optional external subject.
ALTER TABLE users ADD COLUMN token_version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN staff_id BIGINT REFERENCES staff (id);
ALTER TABLE users ADD COLUMN external_subject TEXT;
CREATE UNIQUE INDEX users_staff_idx ON users (staff_id);
CREATE UNIQUE INDEX users_external_subject_idx ON users (external_subject);

-- One row per login; tokens carry its id (`sid`). Logout revokes it.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    client_address TEXT
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Failed-login counters shared by every instance: per account (scope `account`) and per client
-- address (scope `address`), keyed by a keyed digest of the username or address.
CREATE TABLE login_throttles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL CHECK (scope IN ('account', 'address')),
    key_digest TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    last_failure_at TIMESTAMP NOT NULL,
    blocked_until TIMESTAMP,
    reported_until TIMESTAMP,
    UNIQUE (scope, key_digest)
);
CREATE INDEX login_throttles_last_failure_idx ON login_throttles (last_failure_at);
