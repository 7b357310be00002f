-- Login limits (PROTOCOL.md "Authentication"): every attempt is recorded before its password is
-- checked, in the write transaction that decides whether it may be checked, under each scope
-- it counts against ('user:<name>', 'addr:<client address>', 'device:<key hash>'); a
-- successful attempt's rows are removed. login_devices holds a keyed hash of the device key
-- handed to each device that signed in, which lets it sign in while its user is locked out.
-- (BIGINT: milliseconds outgrow PostgreSQL's INTEGER; on SQLite it is an INTEGER column.)

CREATE TABLE login_attempts (
    scope TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    attempt TEXT NOT NULL
);
CREATE INDEX login_attempts_scope ON login_attempts (scope, at_ms);
CREATE INDEX login_attempts_attempt ON login_attempts (attempt);

CREATE TABLE login_devices (
    key_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_login_at TEXT
);
