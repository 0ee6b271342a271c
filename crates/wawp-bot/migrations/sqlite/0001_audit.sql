-- Every /send, /verify and refused admin command, one row each.
-- Never holds an OTP code or a token; recipients are masked (+20•••••7890).
CREATE TABLE audit (
    id             INTEGER PRIMARY KEY,
    at             TEXT    NOT NULL,            -- RFC 3339, UTC
    update_id      INTEGER,                     -- the Telegram update that asked
    admin_id       INTEGER NOT NULL,            -- Telegram user id of the caller
    admin_username TEXT,
    action         TEXT    NOT NULL,            -- send | verify | history
    recipient      TEXT,                        -- masked phone number
    lang           TEXT,
    outcome        TEXT    NOT NULL,            -- pending | sent | verified | failed | refused | invalid | rate_limited | stale
    job_id         TEXT,
    error_kind     TEXT
);

CREATE INDEX audit_admin_at ON audit (admin_id, at);
