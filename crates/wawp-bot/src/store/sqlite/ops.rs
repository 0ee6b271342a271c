//! The store's operations on SQLite.

use std::collections::BTreeSet;
use std::num::NonZeroU32;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::SqliteStore;
use crate::store::{
    Caller, Claim, Entry, NewEntry, Outcome, PendingReport, RefusalTally, SendPermit, StoreError,
};

const ENTRY_COLUMNS: &str = "id, at, update_id, admin_id, admin_username, action, recipient, lang, outcome, job_id, error_kind, repeat_count, reply_delivered, dry_run";

pub(super) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(super) fn insert_entry(
    conn: &Connection,
    at: DateTime<Utc>,
    entry: &NewEntry,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO audit (at, update_id, admin_id, admin_username, action, recipient, lang, outcome, job_id, error_kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            rfc3339(at),
            entry.update_id,
            entry.caller.id as i64,
            entry.caller.username,
            entry.action.as_str(),
            entry.masked_recipient(),
            entry.lang_code(),
            entry.outcome.as_str(),
            entry.job_id,
            entry.error_kind,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub(super) fn read_entry(row: &Row<'_>) -> rusqlite::Result<Entry> {
    let at: String = row.get(1)?;
    Ok(Entry {
        id: row.get(0)?,
        at: DateTime::parse_from_rfc3339(&at)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default(),
        update_id: row.get(2)?,
        caller: Caller {
            id: row.get::<_, i64>(3)? as u64,
            username: row.get(4)?,
        },
        action: row.get(5)?,
        recipient: row.get(6)?,
        lang: row.get(7)?,
        outcome: row.get(8)?,
        job_id: row.get(9)?,
        error_kind: row.get(10)?,
        repeat_count: row.get(11)?,
        reply_delivered: row.get(12)?,
        dry_run: row.get(13)?,
    })
}

fn query_entries(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Entry>, StoreError> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params, read_entry)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl SqliteStore {
    pub(crate) async fn claim_update(
        &self,
        bot_id: u64,
        update_id: u32,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.call(move |conn| {
            let inserted = conn.execute(
                "INSERT OR IGNORE INTO processed_updates (bot_id, update_id, seen_at) VALUES (?1, ?2, ?3)",
                params![bot_id as i64, update_id, now.timestamp()],
            )?;
            Ok(inserted == 1)
        })
        .await
    }

    pub(crate) async fn claim_with_pending(
        &self,
        bot_id: u64,
        update_id: u32,
        entry: NewEntry,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO processed_updates (bot_id, update_id, seen_at) VALUES (?1, ?2, ?3)",
                params![bot_id as i64, update_id, now.timestamp()],
            )?;
            if inserted == 0 {
                return Ok(Claim::Repeat);
            }
            let row = insert_entry(&tx, now, &entry)?;
            tx.commit()?;
            Ok(Claim::First { row })
        })
        .await
    }

    pub(crate) async fn audit(
        &self,
        entry: NewEntry,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.call(move |conn| Ok(insert_entry(conn, now, &entry)?))
            .await
    }

    pub(crate) async fn finish_audit(
        &self,
        id: i64,
        outcome: Outcome,
        job_id: Option<String>,
        error_kind: Option<String>,
    ) -> Result<(), StoreError> {
        self.call(move |conn| {
            conn.execute(
                "UPDATE audit SET outcome = ?2, job_id = ?3, error_kind = ?4 WHERE id = ?1",
                params![id, outcome.as_str(), job_id, error_kind],
            )?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn mark_reply_undelivered(&self, id: i64) -> Result<(), StoreError> {
        self.call(move |conn| {
            conn.execute("UPDATE audit SET reply_delivered = 0 WHERE id = ?1", [id])?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn recent_audit(&self, n: u32) -> Result<Vec<Entry>, StoreError> {
        self.call(move |conn| {
            query_entries(
                conn,
                &format!("SELECT {ENTRY_COLUMNS} FROM audit ORDER BY id DESC LIMIT ?1"),
                [n],
            )
        })
        .await
    }

    pub(crate) async fn admin_history(
        &self,
        admins: &BTreeSet<u64>,
        n: u32,
    ) -> Result<Vec<Entry>, StoreError> {
        let ids = format!(
            "[{}]",
            admins
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        );
        self.call(move |conn| {
            query_entries(
                conn,
                &format!(
                    "SELECT {ENTRY_COLUMNS} FROM audit
                     WHERE admin_id IN (SELECT value FROM json_each(?1))
                     ORDER BY id DESC LIMIT ?2"
                ),
                params![ids, n],
            )
        })
        .await
    }

    pub(crate) async fn pending(&self) -> Result<PendingReport, StoreError> {
        self.call(move |conn| {
            let count: i64 = conn.query_row(
                "SELECT count(*) FROM audit WHERE outcome = 'pending'",
                [],
                |row| row.get(0),
            )?;
            let ids = conn
                .prepare("SELECT id FROM audit WHERE outcome = 'pending' ORDER BY id LIMIT ?1")?
                .query_map([PendingReport::MAX_IDS as i64], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            Ok(PendingReport {
                count: count as u64,
                ids,
            })
        })
        .await
    }

    pub(crate) async fn try_acquire_send(
        &self,
        admin_id: u64,
        limit: NonZeroU32,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<SendPermit, StoreError> {
        let now_ms = now.timestamp_millis();
        let window_ms = millis(window);
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "DELETE FROM send_hits WHERE admin_id = ?1 AND at_ms <= ?2",
                params![admin_id as i64, now_ms.saturating_sub(window_ms)],
            )?;
            let (count, oldest): (i64, Option<i64>) = tx.query_row(
                "SELECT count(*), min(at_ms) FROM send_hits WHERE admin_id = ?1",
                [admin_id as i64],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            if count >= i64::from(limit.get()) {
                let free_at = oldest.unwrap_or(now_ms).saturating_add(window_ms);
                let retry_in = Duration::from_millis(free_at.saturating_sub(now_ms).max(0) as u64);
                return Ok(SendPermit::Limited { retry_in });
            }
            tx.execute(
                "INSERT INTO send_hits (admin_id, at_ms) VALUES (?1, ?2)",
                params![admin_id as i64, now_ms],
            )?;
            tx.commit()?;
            Ok(SendPermit::Granted)
        })
        .await
    }

    pub(crate) async fn note_refusal(
        &self,
        entry: NewEntry,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<RefusalTally, StoreError> {
        let now_ms = now.timestamp_millis();
        let window_ms = millis(window);
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let user = entry.caller.id as i64;
            let current: Option<(i64, u32, i64)> = tx
                .query_row(
                    "SELECT started_ms, count, audit_id FROM refusal_windows WHERE user_id = ?1",
                    [user],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            let tally = match current {
                Some((started, count, row)) if now_ms.saturating_sub(started) < window_ms => {
                    let count = count.saturating_add(1);
                    tx.execute(
                        "UPDATE refusal_windows SET count = ?2 WHERE user_id = ?1",
                        params![user, count],
                    )?;
                    tx.execute(
                        "UPDATE audit SET repeat_count = ?2 WHERE id = ?1",
                        params![row, count],
                    )?;
                    RefusalTally {
                        first_in_window: false,
                        count,
                        row,
                    }
                }
                _ => {
                    let row = insert_entry(&tx, now, &entry)?;
                    tx.execute(
                        "INSERT OR REPLACE INTO refusal_windows (user_id, started_ms, count, audit_id) VALUES (?1, ?2, 1, ?3)",
                        params![user, now_ms, row],
                    )?;
                    RefusalTally {
                        first_in_window: true,
                        count: 1,
                        row,
                    }
                }
            };
            tx.commit()?;
            Ok(tally)
        })
        .await
    }

    pub(crate) async fn prune_claims(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        self.call(move |conn| {
            Ok(conn.execute(
                "DELETE FROM processed_updates WHERE seen_at < ?1",
                [cutoff.timestamp()],
            )? as u64)
        })
        .await
    }

    pub(crate) async fn prune_audit(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let removed = tx.execute("DELETE FROM audit WHERE at < ?1", [rfc3339(cutoff)])?;
            tx.execute(
                "DELETE FROM refusal_windows WHERE started_ms < ?1",
                [cutoff.timestamp_millis()],
            )?;
            tx.execute(
                "DELETE FROM send_hits WHERE at_ms < ?1",
                [cutoff.timestamp_millis()],
            )?;
            tx.commit()?;
            Ok(removed as u64)
        })
        .await
    }

    pub(crate) async fn audit_since(&self, since: DateTime<Utc>) -> Result<Vec<Entry>, StoreError> {
        self.call(move |conn| {
            query_entries(
                conn,
                &format!("SELECT {ENTRY_COLUMNS} FROM audit WHERE at >= ?1 ORDER BY id"),
                [rfc3339(since)],
            )
        })
        .await
    }

    pub(crate) async fn check_writable(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.call(move |conn| {
            conn.execute(
                "INSERT OR REPLACE INTO health (id, at) VALUES (1, ?1)",
                [rfc3339(now)],
            )?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn remember_admin_menu(
        &self,
        bot_id: u64,
        admin_id: u64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.call(move |conn| {
            Ok(conn.execute(
                "INSERT OR IGNORE INTO admin_menus (bot_id, admin_id, at) VALUES (?1, ?2, ?3)",
                params![bot_id as i64, admin_id as i64, rfc3339(now)],
            )? == 1)
        })
        .await
    }
}
