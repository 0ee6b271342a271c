-- The store is the queue (issue 19): every update is written here before it
-- is acknowledged to Telegram, and workers of every replica take rows with a
-- lease (SELECT … FOR UPDATE SKIP LOCKED), a chat's rows in order.
CREATE TABLE inbox (
    bot_id         BIGINT  NOT NULL,
    update_id      BIGINT  NOT NULL,
    chat           BIGINT  NOT NULL,            -- chat (or user) id: a chat's rows run in order
    admin          BOOLEAN NOT NULL,            -- sent by an admin: taken first
    body           TEXT    NOT NULL,            -- the update's JSON; emptied once done
    received_ms    BIGINT  NOT NULL,            -- unix ms
    done           BOOLEAN NOT NULL DEFAULT FALSE,
    lease_owner    TEXT,                        -- the worker holding it
    lease_until_ms BIGINT,                      -- taken over by anyone after this
    attempts       INTEGER NOT NULL DEFAULT 0,  -- times taken
    next_try_ms    BIGINT  NOT NULL DEFAULT 0,  -- after a failure: not before this
    PRIMARY KEY (bot_id, update_id)
);

CREATE INDEX inbox_open ON inbox (bot_id, chat, update_id) WHERE NOT done;
CREATE INDEX inbox_done ON inbox (received_ms) WHERE done;

-- A taken-over update finds its audit row still pending by update id.
CREATE INDEX audit_update_pending ON audit (update_id) WHERE outcome = 'pending';

-- The outbox: every reply, written with the outcome it reports; senders of
-- every replica take rows with a lease (a chat's in order, admins' first)
-- and mark them delivered once Telegram said ok, or undelivered when they
-- gave up.
CREATE TABLE outbox (
    id             BIGSERIAL PRIMARY KEY,
    bot_id         BIGINT  NOT NULL,
    chat           BIGINT  NOT NULL,
    admin          BOOLEAN NOT NULL,            -- an admin's reply: taken first
    text           TEXT    NOT NULL,            -- one message (HTML), already split to fit
    audit_id       BIGINT,                      -- the audit row whose reply_delivered it sets
    created_ms     BIGINT  NOT NULL,
    state          SMALLINT NOT NULL DEFAULT 0, -- 0 queued, 1 delivered, 2 undelivered
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_try_ms    BIGINT  NOT NULL DEFAULT 0,
    lease_owner    TEXT,
    lease_until_ms BIGINT
);

CREATE INDEX outbox_open ON outbox (bot_id, chat, id) WHERE state = 0;
CREATE INDEX outbox_closed ON outbox (created_ms) WHERE state <> 0;

-- One reply budget per bot for every replica: a token bucket, locked
-- (FOR UPDATE) for the moment a sender takes rows.
CREATE TABLE reply_budget (
    bot_id     BIGINT PRIMARY KEY,
    tokens     DOUBLE PRECISION NOT NULL,
    updated_ms BIGINT NOT NULL
);
