-- The store is the queue (issue 19): every update is written here before it
-- is acknowledged to Telegram, and workers take rows with a lease.
CREATE TABLE inbox (
    bot_id         INTEGER NOT NULL,
    update_id      INTEGER NOT NULL,
    chat           INTEGER NOT NULL,            -- chat (or user) id: a chat's rows run in order
    admin          INTEGER NOT NULL,            -- 1 when an admin sent it: taken first
    body           TEXT    NOT NULL,            -- the update's JSON; emptied once done
    received_ms    INTEGER NOT NULL,            -- unix ms
    done           INTEGER NOT NULL DEFAULT 0,
    lease_owner    TEXT,                        -- the worker holding it
    lease_until_ms INTEGER,                     -- taken over by anyone after this
    attempts       INTEGER NOT NULL DEFAULT 0,  -- times taken
    next_try_ms    INTEGER NOT NULL DEFAULT 0,  -- after a failure: not before this
    PRIMARY KEY (bot_id, update_id)
) WITHOUT ROWID;

CREATE INDEX inbox_open ON inbox (bot_id, chat, update_id) WHERE done = 0;
CREATE INDEX inbox_done ON inbox (received_ms) WHERE done = 1;

-- A taken-over update finds its audit row still pending by update id.
CREATE INDEX audit_update_pending ON audit (update_id) WHERE outcome = 'pending';

-- The outbox: every reply, written with the outcome it reports; a sender
-- takes rows with a lease (a chat's in order, admins' first) and marks them
-- delivered once Telegram said ok, or undelivered when it gave up.
CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY,
    bot_id         INTEGER NOT NULL,
    chat           INTEGER NOT NULL,
    admin          INTEGER NOT NULL,            -- an admin's reply: taken first
    text           TEXT    NOT NULL,            -- one message (HTML), already split to fit
    audit_id       INTEGER,                     -- the audit row whose reply_delivered it sets
    created_ms     INTEGER NOT NULL,
    state          INTEGER NOT NULL DEFAULT 0,  -- 0 queued, 1 delivered, 2 undelivered
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_try_ms    INTEGER NOT NULL DEFAULT 0,
    lease_owner    TEXT,
    lease_until_ms INTEGER
);

CREATE INDEX outbox_open ON outbox (bot_id, chat, id) WHERE state = 0;
CREATE INDEX outbox_closed ON outbox (created_ms) WHERE state <> 0;

-- One reply budget per bot for every replica: a token bucket.
CREATE TABLE reply_budget (
    bot_id     INTEGER PRIMARY KEY,
    tokens     REAL    NOT NULL,
    updated_ms INTEGER NOT NULL
);
