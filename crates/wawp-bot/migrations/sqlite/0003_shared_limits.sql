-- Shared state for several processes on one database: send limits and
-- refusal floods counted in the store, reply delivery, the admin menus.

-- A refusal flood is audited once per user and window, with a count.
ALTER TABLE audit ADD COLUMN repeat_count INTEGER NOT NULL DEFAULT 1;
-- 0 when the reply to the command could not be delivered to Telegram.
ALTER TABLE audit ADD COLUMN reply_delivered INTEGER NOT NULL DEFAULT 1;

CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_pending ON audit (id) WHERE outcome = 'pending';

-- One row per granted /send, kept for one limit window (wall-clock ms).
CREATE TABLE send_hits (
    id       INTEGER PRIMARY KEY,
    admin_id INTEGER NOT NULL,
    at_ms    INTEGER NOT NULL
);

CREATE INDEX send_hits_admin_at ON send_hits (admin_id, at_ms);

-- The current refusal window per user and the audit row that counts it.
CREATE TABLE refusal_windows (
    user_id    INTEGER PRIMARY KEY,
    started_ms INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    audit_id   INTEGER NOT NULL
) WITHOUT ROWID;

-- Admins whose chat-scoped command menu was registered.
CREATE TABLE admin_menus (
    bot_id   INTEGER NOT NULL,
    admin_id INTEGER NOT NULL,
    at       TEXT    NOT NULL,
    PRIMARY KEY (bot_id, admin_id)
) WITHOUT ROWID;

-- One row, rewritten by the readiness check.
CREATE TABLE health (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at TEXT NOT NULL
);
