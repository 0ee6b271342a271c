//! The outbox and the reply budget on SQLite.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::SqliteStore;
use super::ops::insert_entry;
use crate::store::outbox::{age, refill};
use crate::store::{Claim, NewEntry, NewReply, OutboxRow, Outcome, ReplyBudget, StoreError};

/// The first queued reply of each chat, free and due, admins first.
const TAKE: &str = "SELECT id, chat, text, attempts, created_ms FROM outbox o
     WHERE bot_id = ?1 AND state = 0 AND next_try_ms <= ?2
       AND (lease_until_ms IS NULL OR lease_until_ms < ?2)
       AND id = (SELECT min(id) FROM outbox p
                 WHERE p.bot_id = o.bot_id AND p.chat = o.chat AND p.state = 0)
     ORDER BY admin DESC, id LIMIT ?3";

/// Writes `replies`; an audit row they report on is marked not delivered
/// until Telegram accepts them.
fn insert_replies(
    conn: &Connection,
    bot_id: u64,
    audit_id: Option<i64>,
    replies: &[NewReply],
    now_ms: i64,
) -> rusqlite::Result<()> {
    for reply in replies {
        conn.execute(
            "INSERT INTO outbox (bot_id, chat, admin, text, audit_id, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                bot_id as i64,
                reply.chat,
                reply.admin,
                reply.text,
                audit_id,
                now_ms
            ],
        )?;
    }
    if let (Some(id), false) = (audit_id, replies.is_empty()) {
        conn.execute("UPDATE audit SET reply_delivered = 0 WHERE id = ?1", [id])?;
    }
    Ok(())
}

impl SqliteStore {
    pub(crate) async fn outbox_put(
        &self,
        bot_id: u64,
        audit_id: Option<i64>,
        replies: Vec<NewReply>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            insert_replies(&tx, bot_id, audit_id, &replies, now_ms)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn claim_with_replies(
        &self,
        bot_id: u64,
        update_id: u32,
        entry: NewEntry,
        replies: Vec<NewReply>,
        at: DateTime<Utc>,
        now_ms: i64,
    ) -> Result<Claim, StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO processed_updates (bot_id, update_id, seen_at) VALUES (?1, ?2, ?3)",
                params![bot_id as i64, update_id, at.timestamp()],
            )?;
            if inserted == 0 {
                return Ok(Claim::Repeat);
            }
            let row = insert_entry(&tx, at, &entry)?;
            insert_replies(&tx, bot_id, Some(row), &replies, now_ms)?;
            tx.commit()?;
            Ok(Claim::First { row })
        })
        .await
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn finish_with_replies(
        &self,
        bot_id: u64,
        audit_id: i64,
        outcome: Outcome,
        job_id: Option<String>,
        error_kind: Option<String>,
        replies: Vec<NewReply>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE audit SET outcome = ?2, job_id = ?3, error_kind = ?4 WHERE id = ?1",
                params![audit_id, outcome.as_str(), job_id, error_kind],
            )?;
            insert_replies(&tx, bot_id, Some(audit_id), &replies, now_ms)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn mark_unknown(
        &self,
        bot_id: u64,
        update_id: u32,
        replies: Vec<NewReply>,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let row: Option<i64> = tx
                .query_row(
                    "UPDATE audit SET outcome = 'unknown', error_kind = 'taken_over'
                     WHERE id = (SELECT id FROM audit WHERE update_id = ?1 AND outcome = 'pending'
                                 ORDER BY id DESC LIMIT 1)
                     RETURNING id",
                    [update_id],
                    |row| row.get(0),
                )
                .optional()?;
            if row.is_some() {
                insert_replies(&tx, bot_id, row, &replies, now_ms)?;
            }
            tx.commit()?;
            Ok(row)
        })
        .await
    }

    pub(crate) async fn outbox_take(
        &self,
        bot_id: u64,
        owner: String,
        now_ms: i64,
        lease_ms: i64,
        max: usize,
        budget: ReplyBudget,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (tokens, updated): (f64, i64) = tx
                .query_row(
                    "SELECT tokens, updated_ms FROM reply_budget WHERE bot_id = ?1",
                    [bot_id as i64],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?
                .unwrap_or((budget.burst, now_ms));
            let tokens = refill(tokens, updated, now_ms, budget);
            let room = (tokens.floor().max(0.0) as usize).min(max);
            let rows = if room == 0 {
                Vec::new()
            } else {
                tx.prepare(TAKE)?
                    .query_map(params![bot_id as i64, now_ms, room as i64], |row| {
                        Ok(OutboxRow {
                            id: row.get(0)?,
                            chat: row.get(1)?,
                            text: row.get(2)?,
                            attempts: row.get::<_, u32>(3)?.saturating_add(1),
                            age: age(row.get(4)?, now_ms),
                        })
                    })?
                    .collect::<Result<Vec<_>, _>>()?
            };
            if rows.is_empty() {
                // Nothing taken: nothing to write (the bucket refills on time).
                return Ok(rows);
            }
            for row in &rows {
                tx.execute(
                    "UPDATE outbox SET lease_owner = ?2, lease_until_ms = ?3, attempts = attempts + 1 WHERE id = ?1",
                    params![row.id, owner, now_ms.saturating_add(lease_ms)],
                )?;
            }
            tx.execute(
                "INSERT OR REPLACE INTO reply_budget (bot_id, tokens, updated_ms) VALUES (?1, ?2, ?3)",
                params![bot_id as i64, tokens - rows.len() as f64, now_ms],
            )?;
            tx.commit()?;
            Ok(rows)
        })
        .await
    }

    pub(crate) async fn outbox_close(&self, id: i64, state: i64) -> Result<(), StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE outbox SET state = ?2, lease_owner = NULL, lease_until_ms = NULL WHERE id = ?1",
                params![id, state],
            )?;
            if state == 1 {
                // Delivered: the audit row says so once all its replies are.
                tx.execute(
                    "UPDATE audit SET reply_delivered = 1
                     WHERE id = (SELECT audit_id FROM outbox WHERE id = ?1)
                       AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.audit_id = audit.id AND o.state <> 1)",
                    [id],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn outbox_retry(&self, id: i64, at_ms: i64) -> Result<(), StoreError> {
        self.call(move |conn| {
            conn.execute(
                "UPDATE outbox SET lease_owner = NULL, lease_until_ms = NULL, next_try_ms = ?2 WHERE id = ?1 AND state = 0",
                params![id, at_ms],
            )?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn outbox_release(
        &self,
        bot_id: u64,
        owner: String,
    ) -> Result<u64, StoreError> {
        self.call(move |conn| {
            Ok(conn.execute(
                "UPDATE outbox SET lease_owner = NULL, lease_until_ms = NULL
                 WHERE bot_id = ?1 AND lease_owner = ?2 AND state = 0",
                params![bot_id as i64, owner],
            )? as u64)
        })
        .await
    }

    pub(crate) async fn outbox_queued(&self, bot_id: u64) -> Result<u64, StoreError> {
        self.call(move |conn| {
            Ok(conn.query_row(
                "SELECT count(*) FROM outbox WHERE bot_id = ?1 AND state = 0",
                [bot_id as i64],
                |row| row.get::<_, i64>(0),
            )? as u64)
        })
        .await
    }

    pub(crate) async fn outbox_prune(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        self.call(move |conn| {
            Ok(conn.execute(
                "DELETE FROM outbox WHERE state <> 0 AND created_ms < ?1",
                [cutoff_ms],
            )? as u64)
        })
        .await
    }
}
