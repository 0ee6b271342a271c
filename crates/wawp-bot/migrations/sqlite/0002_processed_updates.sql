-- Telegram delivers updates at least once: an update is claimed here, in its
-- own committed transaction, before the bot acts on it.
CREATE TABLE processed_updates (
    bot_id    INTEGER NOT NULL,
    update_id INTEGER NOT NULL,
    seen_at   INTEGER NOT NULL,                 -- unix seconds
    PRIMARY KEY (bot_id, update_id)
) WITHOUT ROWID;

CREATE INDEX processed_updates_seen_at ON processed_updates (seen_at);
