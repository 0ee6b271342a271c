#!/usr/bin/env bash
# Starts Debian's PostgreSQL 15 (installed, not running) and creates the test
# role and database the store tests use. Idempotent; run as root. Prints the
# URL to export as WAWP_BOT_TEST_PG.
set -euo pipefail

pg_ctlcluster 15 main start >/dev/null 2>&1 || pg_ctlcluster 15 main status >/dev/null

# The replica tests run several wawp-bot processes at once, each with its
# own connection pool, lease and readiness connections, while other tests
# of the same binary run beside them: Debian's default of 100 connections
# ran out ("sorry, too many clients already"), which the bots rightly
# answer with "the audit log cannot be written".
want=500
have=$(su postgres -c "psql -tAc 'SHOW max_connections'")
if [ "$have" -lt "$want" ]; then
    su postgres -c "psql -q -c 'ALTER SYSTEM SET max_connections = $want'"
    pg_ctlcluster 15 main restart >/dev/null
fi

su postgres -c "psql -q -v ON_ERROR_STOP=1" <<'SQL'
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wawp_bot_test') THEN
        CREATE ROLE wawp_bot_test LOGIN PASSWORD 'wawp_bot_test';
    END IF;
END
$$;
SQL

if ! su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'wawp_bot_test'\"" | grep -q 1; then
    su postgres -c "createdb -O wawp_bot_test wawp_bot_test"
fi

echo "postgres://wawp_bot_test:wawp_bot_test@127.0.0.1:5432/wawp_bot_test"
