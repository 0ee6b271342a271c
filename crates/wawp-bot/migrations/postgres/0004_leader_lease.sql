-- Polling leadership as a lease (issue 19 item 3): one row per bot. The
-- leader renews `heartbeat_at` every second; a standby takes the row over
-- (bumping `generation`) once the heartbeat is older than the lease, so a
-- leader that hangs (SIGSTOP, a stalled machine) is replaced even though its
-- connection stays open. Times are the database's own clock (`now()`), so
-- the replicas' clocks never need to agree.
CREATE TABLE polling_lease (
    bot_key      BIGINT PRIMARY KEY,
    holder       TEXT NOT NULL,
    generation   BIGINT NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL
);
