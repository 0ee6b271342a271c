-- The whole schema as of SQLite migration 0003, for PostgreSQL.
-- Never holds an OTP code or a token; recipients are masked (+20•••••7890).
CREATE TABLE audit (
    id              BIGSERIAL PRIMARY KEY,
    at              TIMESTAMPTZ NOT NULL,
    update_id       BIGINT,
    admin_id        BIGINT      NOT NULL,
    admin_username  TEXT,
    action          TEXT        NOT NULL,   -- send | verify | history | ...
    recipient       TEXT,                   -- masked phone number
    lang            TEXT,
    outcome         TEXT        NOT NULL,   -- pending | sent | verified | failed | refused | invalid | rate_limited | stale
    job_id          TEXT,
    error_kind      TEXT,
    repeat_count    INTEGER     NOT NULL DEFAULT 1,
    reply_delivered BOOLEAN     NOT NULL DEFAULT TRUE
);

CREATE INDEX audit_admin_at ON audit (admin_id, at);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_pending ON audit (id) WHERE outcome = 'pending';

-- Telegram delivers an update at least once (and a webhook to several
-- replicas): an update is claimed here before the bot acts on it.
CREATE TABLE processed_updates (
    bot_id    BIGINT NOT NULL,
    update_id BIGINT NOT NULL,
    seen_at   BIGINT NOT NULL,              -- unix seconds
    PRIMARY KEY (bot_id, update_id)
);

CREATE INDEX processed_updates_seen_at ON processed_updates (seen_at);

-- One row per admin, locked (FOR UPDATE) while the send limit is counted.
CREATE TABLE send_limits (
    admin_id BIGINT PRIMARY KEY
);

CREATE TABLE send_hits (
    id       BIGSERIAL PRIMARY KEY,
    admin_id BIGINT NOT NULL,
    at_ms    BIGINT NOT NULL
);

CREATE INDEX send_hits_admin_at ON send_hits (admin_id, at_ms);

CREATE TABLE refusal_windows (
    user_id    BIGINT  PRIMARY KEY,
    started_ms BIGINT  NOT NULL,
    count      INTEGER NOT NULL,
    audit_id   BIGINT  NOT NULL
);

CREATE TABLE admin_menus (
    bot_id   BIGINT      NOT NULL,
    admin_id BIGINT      NOT NULL,
    at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (bot_id, admin_id)
);

CREATE TABLE health (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at TIMESTAMPTZ NOT NULL
);
