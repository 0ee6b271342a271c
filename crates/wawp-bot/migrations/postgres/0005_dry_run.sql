-- TRUE on the rows of a dry run (--sandbox: no WhatsApp message left the
-- machine). A dry-run process connects with `-c wawp_bot.dry_run=on`, so
-- every audit row it writes is stamped by the column default; rows written
-- before this migration are real (the default is set in a second step, so
-- the session that migrates never stamps them).
ALTER TABLE audit ADD COLUMN dry_run BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE audit ALTER COLUMN dry_run
    SET DEFAULT COALESCE(NULLIF(current_setting('wawp_bot.dry_run', TRUE), ''), 'off')::BOOLEAN;
