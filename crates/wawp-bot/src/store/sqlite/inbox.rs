//! The inbox on SQLite (one process: the lease guards against the restart).

use rusqlite::{TransactionBehavior, params};
use secrecy::{ExposeSecret, SecretString};

use super::SqliteStore;
use crate::store::{InboxRow, NewInboxRow, StoreError};

/// The first unfinished row of each chat, free and due, admins first.
const TAKE: &str = "SELECT update_id, body, attempts, lease_owner IS NOT NULL FROM inbox i
     WHERE bot_id = ?1 AND done = 0 AND next_try_ms <= ?2
       AND (lease_until_ms IS NULL OR lease_until_ms < ?2)
       AND update_id = (SELECT min(update_id) FROM inbox j
                        WHERE j.bot_id = i.bot_id AND j.chat = i.chat AND j.done = 0)
     ORDER BY admin DESC, update_id LIMIT ?3";

impl SqliteStore {
    pub(crate) async fn inbox_put(
        &self,
        bot_id: u64,
        rows: Vec<NewInboxRow>,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut added = 0;
            for row in &rows {
                added += tx.execute(
                    "INSERT OR IGNORE INTO inbox (bot_id, update_id, chat, admin, body, received_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        bot_id as i64,
                        row.update_id,
                        row.chat,
                        row.admin,
                        row.body.expose_secret(),
                        now_ms
                    ],
                )? as u64;
            }
            tx.commit()?;
            Ok(added)
        })
        .await
    }

    pub(crate) async fn inbox_take(
        &self,
        bot_id: u64,
        owner: String,
        now_ms: i64,
        lease_ms: i64,
        max: usize,
    ) -> Result<Vec<InboxRow>, StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let rows = tx
                .prepare(TAKE)?
                .query_map(params![bot_id as i64, now_ms, max as i64], |row| {
                    Ok(InboxRow {
                        update_id: row.get(0)?,
                        body: SecretString::from(row.get::<_, String>(1)?),
                        attempts: row.get::<_, u32>(2)?.saturating_add(1),
                        taken_over: row.get(3)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            for row in &rows {
                tx.execute(
                    "UPDATE inbox SET lease_owner = ?3, lease_until_ms = ?4, attempts = attempts + 1
                     WHERE bot_id = ?1 AND update_id = ?2",
                    params![
                        bot_id as i64,
                        row.update_id,
                        owner,
                        now_ms.saturating_add(lease_ms)
                    ],
                )?;
            }
            tx.commit()?;
            Ok(rows)
        })
        .await
    }

    pub(crate) async fn inbox_renew(
        &self,
        bot_id: u64,
        owner: String,
        until_ms: i64,
    ) -> Result<u64, StoreError> {
        self.call(move |conn| {
            Ok(conn.execute(
                "UPDATE inbox SET lease_until_ms = ?3 WHERE bot_id = ?1 AND lease_owner = ?2 AND done = 0",
                params![bot_id as i64, owner, until_ms],
            )? as u64)
        })
        .await
    }

    pub(crate) async fn inbox_done(&self, bot_id: u64, update_id: u32) -> Result<(), StoreError> {
        self.call(move |conn| {
            conn.execute(
                "UPDATE inbox SET done = 1, body = '', lease_owner = NULL, lease_until_ms = NULL
                 WHERE bot_id = ?1 AND update_id = ?2",
                params![bot_id as i64, update_id],
            )?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn inbox_retry(
        &self,
        bot_id: u64,
        update_id: u32,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        self.call(move |conn| {
            conn.execute(
                "UPDATE inbox SET lease_owner = NULL, lease_until_ms = NULL, next_try_ms = ?3
                 WHERE bot_id = ?1 AND update_id = ?2 AND done = 0",
                params![bot_id as i64, update_id, at_ms],
            )?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn inbox_release(
        &self,
        bot_id: u64,
        owner: String,
    ) -> Result<u64, StoreError> {
        self.call(move |conn| {
            Ok(conn.execute(
                "UPDATE inbox SET lease_owner = NULL, lease_until_ms = NULL
                 WHERE bot_id = ?1 AND lease_owner = ?2 AND done = 0",
                params![bot_id as i64, owner],
            )? as u64)
        })
        .await
    }

    pub(crate) async fn release_all_leases(&self, bot_id: u64) -> Result<u64, StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let rows = tx.execute(
                "UPDATE inbox SET lease_owner = NULL, lease_until_ms = NULL
                 WHERE bot_id = ?1 AND done = 0 AND lease_owner IS NOT NULL",
                [bot_id as i64],
            )? + tx.execute(
                "UPDATE outbox SET lease_owner = NULL, lease_until_ms = NULL
                 WHERE bot_id = ?1 AND state = 0 AND lease_owner IS NOT NULL",
                [bot_id as i64],
            )?;
            tx.commit()?;
            Ok(rows as u64)
        })
        .await
    }

    pub(crate) async fn inbox_backlog(&self, bot_id: u64) -> Result<u64, StoreError> {
        self.call(move |conn| {
            Ok(conn.query_row(
                "SELECT count(*) FROM inbox WHERE bot_id = ?1 AND done = 0",
                [bot_id as i64],
                |row| row.get::<_, i64>(0),
            )? as u64)
        })
        .await
    }

    pub(crate) async fn inbox_prune(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        self.call(move |conn| {
            Ok(conn.execute(
                "DELETE FROM inbox WHERE done = 1 AND received_ms < ?1",
                [cutoff_ms],
            )? as u64)
        })
        .await
    }
}
