//! The inbox on PostgreSQL: replicas lease rows with `FOR UPDATE SKIP
//! LOCKED`, so two never take the same row and none waits on another's.

use secrecy::{ExposeSecret, SecretString};

use super::PgStore;
use crate::store::{InboxRow, NewInboxRow, StoreError};

/// The first unfinished row of each chat, free and due, admins first,
/// leased in the same statement. A row another replica is leasing right now
/// is skipped; one it leased meanwhile fails the re-checked lease condition.
const TAKE: &str = "WITH picked AS (
       SELECT update_id, lease_owner FROM inbox i
       WHERE bot_id = $1 AND NOT done AND next_try_ms <= $2
         AND (lease_until_ms IS NULL OR lease_until_ms < $2)
         AND update_id = (SELECT min(update_id) FROM inbox j
                          WHERE j.bot_id = i.bot_id AND j.chat = i.chat AND NOT j.done)
       ORDER BY admin DESC, update_id LIMIT $5
       FOR UPDATE SKIP LOCKED)
     UPDATE inbox SET lease_owner = $3, lease_until_ms = $2 + $4, attempts = inbox.attempts + 1
     FROM picked WHERE inbox.bot_id = $1 AND inbox.update_id = picked.update_id
     RETURNING inbox.update_id, inbox.body, inbox.attempts, picked.lease_owner IS NOT NULL, inbox.admin";

impl PgStore {
    pub(crate) async fn inbox_put(
        &self,
        bot_id: u64,
        rows: Vec<NewInboxRow>,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut added = 0;
        for row in &rows {
            added += tx
                .execute(
                    "INSERT INTO inbox (bot_id, update_id, chat, admin, body, received_ms)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                    &[
                        &(bot_id as i64),
                        &i64::from(row.update_id),
                        &row.chat,
                        &row.admin,
                        &row.body.expose_secret(),
                        &now_ms,
                    ],
                )
                .await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    pub(crate) async fn inbox_take(
        &self,
        bot_id: u64,
        owner: String,
        now_ms: i64,
        lease_ms: i64,
        max: usize,
    ) -> Result<Vec<InboxRow>, StoreError> {
        let client = self.client().await?;
        let mut rows: Vec<(bool, InboxRow)> = client
            .query(
                TAKE,
                &[&(bot_id as i64), &now_ms, &owner, &lease_ms, &(max as i64)],
            )
            .await?
            .iter()
            .map(|row| {
                let row_admin: bool = row.get(4);
                (
                    row_admin,
                    InboxRow {
                        update_id: row.get::<_, i64>(0) as u32,
                        body: SecretString::from(row.get::<_, String>(1)),
                        attempts: row.get::<_, i32>(2).max(0) as u32,
                        taken_over: row.get(3),
                    },
                )
            })
            .collect();
        // RETURNING keeps no order: admins first, then by update id.
        rows.sort_by_key(|(admin, row)| (!*admin, row.update_id));
        Ok(rows.into_iter().map(|(_, row)| row).collect())
    }

    pub(crate) async fn inbox_renew(
        &self,
        bot_id: u64,
        owner: String,
        until_ms: i64,
    ) -> Result<u64, StoreError> {
        let client = self.client().await?;
        Ok(client
            .execute(
                "UPDATE inbox SET lease_until_ms = $3 WHERE bot_id = $1 AND lease_owner = $2 AND NOT done",
                &[&(bot_id as i64), &owner, &until_ms],
            )
            .await?)
    }

    pub(crate) async fn inbox_done(&self, bot_id: u64, update_id: u32) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE inbox SET done = TRUE, body = '', lease_owner = NULL, lease_until_ms = NULL
                 WHERE bot_id = $1 AND update_id = $2",
                &[&(bot_id as i64), &i64::from(update_id)],
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn inbox_retry(
        &self,
        bot_id: u64,
        update_id: u32,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE inbox SET lease_owner = NULL, lease_until_ms = NULL, next_try_ms = $3
                 WHERE bot_id = $1 AND update_id = $2 AND NOT done",
                &[&(bot_id as i64), &i64::from(update_id), &at_ms],
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn inbox_release(
        &self,
        bot_id: u64,
        owner: String,
    ) -> Result<u64, StoreError> {
        let client = self.client().await?;
        Ok(client
            .execute(
                "UPDATE inbox SET lease_owner = NULL, lease_until_ms = NULL
                 WHERE bot_id = $1 AND lease_owner = $2 AND NOT done",
                &[&(bot_id as i64), &owner],
            )
            .await?)
    }

    pub(crate) async fn release_all_leases(&self, bot_id: u64) -> Result<u64, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let bot = bot_id as i64;
        let rows = tx
            .execute(
                "UPDATE inbox SET lease_owner = NULL, lease_until_ms = NULL
                 WHERE bot_id = $1 AND NOT done AND lease_owner IS NOT NULL",
                &[&bot],
            )
            .await?
            + tx.execute(
                "UPDATE outbox SET lease_owner = NULL, lease_until_ms = NULL
                     WHERE bot_id = $1 AND state = 0 AND lease_owner IS NOT NULL",
                &[&bot],
            )
            .await?;
        tx.commit().await?;
        Ok(rows)
    }

    pub(crate) async fn inbox_backlog(&self, bot_id: u64) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let n: i64 = client
            .query_one(
                "SELECT count(*) FROM inbox WHERE bot_id = $1 AND NOT done",
                &[&(bot_id as i64)],
            )
            .await?
            .get(0);
        Ok(n as u64)
    }

    pub(crate) async fn inbox_prune(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        let client = self.client().await?;
        Ok(client
            .execute(
                "DELETE FROM inbox WHERE done AND received_ms < $1",
                &[&cutoff_ms],
            )
            .await?)
    }
}
