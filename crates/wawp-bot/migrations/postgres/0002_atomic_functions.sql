-- The send limit and the refusal count as server-side functions: one round
-- trip each, so the per-key row lock is held only while the server runs the
-- function, never across the client's network round trips (which, on a busy
-- machine, made concurrent acquirers wait past lock_timeout). Each statement
-- inside a (volatile) function sees the rows committed before it ran, so the
-- count after the lock is exact.

-- NULL: the send is counted. Otherwise: milliseconds until a slot frees.
CREATE FUNCTION wawp_bot_acquire_send(
    p_admin BIGINT, p_now_ms BIGINT, p_window_ms BIGINT, p_limit INTEGER
) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    v_count  BIGINT;
    v_oldest BIGINT;
BEGIN
    INSERT INTO send_limits (admin_id) VALUES (p_admin) ON CONFLICT DO NOTHING;
    PERFORM 1 FROM send_limits WHERE admin_id = p_admin FOR UPDATE;
    DELETE FROM send_hits WHERE admin_id = p_admin AND at_ms <= p_now_ms - p_window_ms;
    SELECT count(*), min(at_ms) INTO v_count, v_oldest FROM send_hits WHERE admin_id = p_admin;
    IF v_count >= p_limit THEN
        RETURN GREATEST(v_oldest + p_window_ms - p_now_ms, 1);
    END IF;
    INSERT INTO send_hits (admin_id, at_ms) VALUES (p_admin, p_now_ms);
    RETURN NULL;
END
$$;

-- Counts a refusal of p_user; the first in a window appends the audit row
-- (the other arguments), later ones raise its repeat_count.
CREATE FUNCTION wawp_bot_note_refusal(
    p_user BIGINT, p_now_ms BIGINT, p_window_ms BIGINT, p_at TIMESTAMPTZ,
    p_update BIGINT, p_username TEXT, p_action TEXT, p_recipient TEXT, p_lang TEXT,
    p_outcome TEXT, p_job TEXT, p_error TEXT,
    OUT first_in_window BOOLEAN, OUT n INTEGER, OUT row_id BIGINT
) LANGUAGE plpgsql AS $$
DECLARE
    v_started BIGINT;
BEGIN
    INSERT INTO refusal_windows (user_id, started_ms, count, audit_id)
        VALUES (p_user, 0, 0, 0) ON CONFLICT DO NOTHING;
    SELECT started_ms, count, audit_id INTO v_started, n, row_id
        FROM refusal_windows WHERE user_id = p_user FOR UPDATE;
    IF n > 0 AND p_now_ms - v_started < p_window_ms THEN
        n := n + 1;
        first_in_window := FALSE;
        UPDATE refusal_windows SET count = n WHERE user_id = p_user;
        UPDATE audit SET repeat_count = n WHERE id = row_id;
    ELSE
        INSERT INTO audit (at, update_id, admin_id, admin_username, action, recipient, lang, outcome, job_id, error_kind)
            VALUES (p_at, p_update, p_user, p_username, p_action, p_recipient, p_lang, p_outcome, p_job, p_error)
            RETURNING id INTO row_id;
        n := 1;
        first_in_window := TRUE;
        UPDATE refusal_windows SET started_ms = p_now_ms, count = 1, audit_id = row_id WHERE user_id = p_user;
    END IF;
END
$$;
