-- 1 on the rows of a dry run (--sandbox: no WhatsApp message left the
-- machine). A dry-run process stamps every audit row it writes (a per-
-- connection TEMP trigger); `audit export` leaves them out unless asked.
ALTER TABLE audit ADD COLUMN dry_run INTEGER NOT NULL DEFAULT 0;
