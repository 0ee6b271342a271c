//! The outbox and the reply budget on PostgreSQL: the budget row is locked
//! (`FOR UPDATE`) while a sender takes rows, so all replicas share one pace;
//! rows are leased with `FOR UPDATE SKIP LOCKED`.

use chrono::{DateTime, Utc};
use tokio_postgres::GenericClient;

use super::PgStore;
use super::ops::insert_entry;
use crate::store::outbox::{age, refill};
use crate::store::{Claim, NewEntry, NewReply, OutboxRow, Outcome, ReplyBudget, StoreError};

const TAKE: &str = "WITH picked AS (
       SELECT id FROM outbox o
       WHERE bot_id = $1 AND state = 0 AND next_try_ms <= $2
         AND (lease_until_ms IS NULL OR lease_until_ms < $2)
         AND id = (SELECT min(id) FROM outbox p
                   WHERE p.bot_id = o.bot_id AND p.chat = o.chat AND p.state = 0)
       ORDER BY admin DESC, id LIMIT $5
       FOR UPDATE SKIP LOCKED)
     UPDATE outbox SET lease_owner = $3, lease_until_ms = $2 + $4, attempts = outbox.attempts + 1
     FROM picked WHERE outbox.id = picked.id
     RETURNING outbox.id, outbox.chat, outbox.text, outbox.attempts, outbox.created_ms, outbox.admin";

async fn insert_replies(
    client: &impl GenericClient,
    bot_id: u64,
    audit_id: Option<i64>,
    replies: &[NewReply],
    now_ms: i64,
) -> Result<(), StoreError> {
    for reply in replies {
        client
            .execute(
                "INSERT INTO outbox (bot_id, chat, admin, text, audit_id, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &(bot_id as i64),
                    &reply.chat,
                    &reply.admin,
                    &reply.text,
                    &audit_id,
                    &now_ms,
                ],
            )
            .await?;
    }
    if let (Some(id), false) = (audit_id, replies.is_empty()) {
        client
            .execute(
                "UPDATE audit SET reply_delivered = FALSE WHERE id = $1",
                &[&id],
            )
            .await?;
    }
    Ok(())
}

impl PgStore {
    pub(crate) async fn outbox_put(
        &self,
        bot_id: u64,
        audit_id: Option<i64>,
        replies: Vec<NewReply>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        insert_replies(&*tx, bot_id, audit_id, &replies, now_ms).await?;
        tx.commit().await?;
        Ok(())
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
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let inserted = tx
            .execute(
                "INSERT INTO processed_updates (bot_id, update_id, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&(bot_id as i64), &i64::from(update_id), &at.timestamp()],
            )
            .await?;
        if inserted == 0 {
            return Ok(Claim::Repeat);
        }
        let row = insert_entry(&*tx, at, &entry).await?;
        insert_replies(&*tx, bot_id, Some(row), &replies, now_ms).await?;
        tx.commit().await?;
        Ok(Claim::First { row })
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
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "UPDATE audit SET outcome = $2, job_id = $3, error_kind = $4 WHERE id = $1",
            &[&audit_id, &outcome.as_str(), &job_id, &error_kind],
        )
        .await?;
        insert_replies(&*tx, bot_id, Some(audit_id), &replies, now_ms).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn mark_unknown(
        &self,
        bot_id: u64,
        update_id: u32,
        replies: Vec<NewReply>,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The row lock makes one caller win: a second finds it no longer pending.
        let row: Option<i64> = tx
            .query_opt(
                "UPDATE audit SET outcome = 'unknown', error_kind = 'taken_over'
                 WHERE id = (SELECT id FROM audit WHERE update_id = $1 AND outcome = 'pending'
                             ORDER BY id DESC LIMIT 1 FOR UPDATE)
                   AND outcome = 'pending'
                 RETURNING id",
                &[&i64::from(update_id)],
            )
            .await?
            .map(|row| row.get(0));
        if row.is_some() {
            insert_replies(&*tx, bot_id, row, &replies, now_ms).await?;
        }
        tx.commit().await?;
        Ok(row)
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
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let bot = bot_id as i64;
        tx.execute(
            "INSERT INTO reply_budget (bot_id, tokens, updated_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&bot, &budget.burst, &now_ms],
        )
        .await?;
        let state = tx
            .query_one(
                "SELECT tokens, updated_ms FROM reply_budget WHERE bot_id = $1 FOR UPDATE",
                &[&bot],
            )
            .await?;
        let tokens = refill(state.get(0), state.get(1), now_ms, budget);
        let room = (tokens.floor().max(0.0) as usize).min(max);
        let mut rows: Vec<(bool, OutboxRow)> = if room == 0 {
            Vec::new()
        } else {
            tx.query(TAKE, &[&bot, &now_ms, &owner, &lease_ms, &(room as i64)])
                .await?
                .iter()
                .map(|row| {
                    (
                        row.get::<_, bool>(5),
                        OutboxRow {
                            id: row.get(0),
                            chat: row.get(1),
                            text: row.get(2),
                            attempts: row.get::<_, i32>(3).max(0) as u32,
                            age: age(row.get(4), now_ms),
                        },
                    )
                })
                .collect()
        };
        if rows.is_empty() {
            // Nothing taken: the bucket refills on time. Commit all the same:
            // dropping the transaction would roll back the bucket's first
            // row on a fresh database, and every replica's next take would
            // insert it again and wait on the others' uncommitted inserts
            // (seen by the bench as a 5 s stall, the lock timeout).
            tx.commit().await?;
            return Ok(Vec::new());
        }
        tx.execute(
            "UPDATE reply_budget SET tokens = $2, updated_ms = $3 WHERE bot_id = $1",
            &[&bot, &(tokens - rows.len() as f64), &now_ms],
        )
        .await?;
        tx.commit().await?;
        // RETURNING keeps no order: admins first, then in writing order.
        rows.sort_by_key(|(admin, row)| (!*admin, row.id));
        Ok(rows.into_iter().map(|(_, row)| row).collect())
    }

    pub(crate) async fn outbox_close(&self, id: i64, state: i64) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "UPDATE outbox SET state = $2, lease_owner = NULL, lease_until_ms = NULL WHERE id = $1",
            &[&id, &(state as i16)],
        )
        .await?;
        if state == 1 {
            tx.execute(
                "UPDATE audit SET reply_delivered = TRUE
                 WHERE id = (SELECT audit_id FROM outbox WHERE id = $1)
                   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.audit_id = audit.id AND o.state <> 1)",
                &[&id],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn outbox_retry(&self, id: i64, at_ms: i64) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE outbox SET lease_owner = NULL, lease_until_ms = NULL, next_try_ms = $2 WHERE id = $1 AND state = 0",
                &[&id, &at_ms],
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn outbox_release(
        &self,
        bot_id: u64,
        owner: String,
    ) -> Result<u64, StoreError> {
        let client = self.client().await?;
        Ok(client
            .execute(
                "UPDATE outbox SET lease_owner = NULL, lease_until_ms = NULL
                 WHERE bot_id = $1 AND lease_owner = $2 AND state = 0",
                &[&(bot_id as i64), &owner],
            )
            .await?)
    }

    pub(crate) async fn outbox_queued(&self, bot_id: u64) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let n: i64 = client
            .query_one(
                "SELECT count(*) FROM outbox WHERE bot_id = $1 AND state = 0",
                &[&(bot_id as i64)],
            )
            .await?
            .get(0);
        Ok(n as u64)
    }

    pub(crate) async fn outbox_prune(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        let client = self.client().await?;
        Ok(client
            .execute(
                "DELETE FROM outbox WHERE state <> 0 AND created_ms < $1",
                &[&cutoff_ms],
            )
            .await?)
    }
}
