//! The store's operations on PostgreSQL.

use std::collections::BTreeSet;
use std::num::NonZeroU32;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::PgStore;
use crate::store::{
    Caller, Claim, Entry, NewEntry, Outcome, PendingReport, RefusalTally, SendPermit, StoreError,
};

const ENTRY_COLUMNS: &str = "id, at, update_id, admin_id, admin_username, action, recipient, lang, outcome, job_id, error_kind, repeat_count, reply_delivered, dry_run";

const INSERT_ENTRY: &str = "INSERT INTO audit (at, update_id, admin_id, admin_username, action, recipient, lang, outcome, job_id, error_kind)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";

pub(super) async fn insert_entry(
    client: &impl tokio_postgres::GenericClient,
    at: DateTime<Utc>,
    entry: &NewEntry,
) -> Result<i64, StoreError> {
    let update_id = entry.update_id.map(i64::from);
    let admin_id = entry.caller.id as i64;
    let recipient = entry.masked_recipient();
    let lang = entry.lang_code();
    let params: [&(dyn ToSql + Sync); 10] = [
        &at,
        &update_id,
        &admin_id,
        &entry.caller.username,
        &entry.action.as_str(),
        &recipient,
        &lang,
        &entry.outcome.as_str(),
        &entry.job_id,
        &entry.error_kind,
    ];
    Ok(client.query_one(INSERT_ENTRY, &params).await?.get(0))
}

pub(super) fn read_entry(row: &Row) -> Entry {
    Entry {
        id: row.get(0),
        at: row.get(1),
        update_id: row.get::<_, Option<i64>>(2).map(|id| id as u32),
        caller: Caller {
            id: row.get::<_, i64>(3) as u64,
            username: row.get(4),
        },
        action: row.get(5),
        recipient: row.get(6),
        lang: row.get(7),
        outcome: row.get(8),
        job_id: row.get(9),
        error_kind: row.get(10),
        repeat_count: row.get::<_, i32>(11).max(0) as u32,
        reply_delivered: row.get(12),
        dry_run: row.get(13),
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

const CLAIM: &str = "INSERT INTO processed_updates (bot_id, update_id, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

impl PgStore {
    pub(crate) async fn claim_update(
        &self,
        bot_id: u64,
        update_id: u32,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let inserted = client
            .execute(
                CLAIM,
                &[&(bot_id as i64), &i64::from(update_id), &now.timestamp()],
            )
            .await?;
        Ok(inserted == 1)
    }

    pub(crate) async fn claim_with_pending(
        &self,
        bot_id: u64,
        update_id: u32,
        entry: NewEntry,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // A concurrent claim of the same id waits here for ours to commit or
        // roll back, then finds the conflict: one winner.
        let inserted = tx
            .execute(
                CLAIM,
                &[&(bot_id as i64), &i64::from(update_id), &now.timestamp()],
            )
            .await?;
        if inserted == 0 {
            return Ok(Claim::Repeat);
        }
        let row = insert_entry(&*tx, now, &entry).await?;
        tx.commit().await?;
        Ok(Claim::First { row })
    }

    pub(crate) async fn audit(
        &self,
        entry: NewEntry,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let client = self.client().await?;
        insert_entry(&**client, now, &entry).await
    }

    pub(crate) async fn finish_audit(
        &self,
        id: i64,
        outcome: Outcome,
        job_id: Option<String>,
        error_kind: Option<String>,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE audit SET outcome = $2, job_id = $3, error_kind = $4 WHERE id = $1",
                &[&id, &outcome.as_str(), &job_id, &error_kind],
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn mark_reply_undelivered(&self, id: i64) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE audit SET reply_delivered = FALSE WHERE id = $1",
                &[&id],
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn recent_audit(&self, n: u32) -> Result<Vec<Entry>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("SELECT {ENTRY_COLUMNS} FROM audit ORDER BY id DESC LIMIT $1"),
                &[&i64::from(n)],
            )
            .await?;
        Ok(rows.iter().map(read_entry).collect())
    }

    pub(crate) async fn admin_history(
        &self,
        admins: &BTreeSet<u64>,
        n: u32,
    ) -> Result<Vec<Entry>, StoreError> {
        let ids: Vec<i64> = admins.iter().map(|&id| id as i64).collect();
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {ENTRY_COLUMNS} FROM audit WHERE admin_id = ANY($1) ORDER BY id DESC LIMIT $2"
                ),
                &[&ids, &i64::from(n)],
            )
            .await?;
        Ok(rows.iter().map(read_entry).collect())
    }

    pub(crate) async fn pending(&self) -> Result<PendingReport, StoreError> {
        let client = self.client().await?;
        let count: i64 = client
            .query_one("SELECT count(*) FROM audit WHERE outcome = 'pending'", &[])
            .await?
            .get(0);
        let ids = client
            .query(
                "SELECT id FROM audit WHERE outcome = 'pending' ORDER BY id LIMIT $1",
                &[&(PendingReport::MAX_IDS as i64)],
            )
            .await?
            .iter()
            .map(|row| row.get(0))
            .collect();
        Ok(PendingReport {
            count: count as u64,
            ids,
        })
    }

    pub(crate) async fn try_acquire_send(
        &self,
        admin_id: u64,
        limit: NonZeroU32,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<SendPermit, StoreError> {
        let limit = i32::try_from(limit.get()).unwrap_or(i32::MAX);
        let client = self.client().await?;
        let retry_ms: Option<i64> = client
            .query_one(
                "SELECT wawp_bot_acquire_send($1, $2, $3, $4)",
                &[
                    &(admin_id as i64),
                    &now.timestamp_millis(),
                    &millis(window),
                    &limit,
                ],
            )
            .await?
            .get(0);
        Ok(match retry_ms {
            None => SendPermit::Granted,
            Some(ms) => SendPermit::Limited {
                retry_in: Duration::from_millis(ms.max(0) as u64),
            },
        })
    }

    pub(crate) async fn note_refusal(
        &self,
        entry: NewEntry,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<RefusalTally, StoreError> {
        let user = entry.caller.id as i64;
        let update_id = entry.update_id.map(i64::from);
        let recipient = entry.masked_recipient();
        let lang = entry.lang_code();
        let params: [&(dyn ToSql + Sync); 12] = [
            &user,
            &now.timestamp_millis(),
            &millis(window),
            &now,
            &update_id,
            &entry.caller.username,
            &entry.action.as_str(),
            &recipient,
            &lang,
            &entry.outcome.as_str(),
            &entry.job_id,
            &entry.error_kind,
        ];
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT first_in_window, n, row_id FROM wawp_bot_note_refusal($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                &params,
            )
            .await?;
        Ok(RefusalTally {
            first_in_window: row.get(0),
            count: row.get::<_, i32>(1).max(1) as u32,
            row: row.get(2),
        })
    }

    pub(crate) async fn prune_claims(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let client = self.client().await?;
        Ok(client
            .execute(
                "DELETE FROM processed_updates WHERE seen_at < $1",
                &[&cutoff.timestamp()],
            )
            .await?)
    }

    pub(crate) async fn prune_audit(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let removed = tx
            .execute("DELETE FROM audit WHERE at < $1", &[&cutoff])
            .await?;
        let cutoff_ms = cutoff.timestamp_millis();
        tx.execute(
            "DELETE FROM refusal_windows WHERE started_ms < $1",
            &[&cutoff_ms],
        )
        .await?;
        tx.execute("DELETE FROM send_hits WHERE at_ms < $1", &[&cutoff_ms])
            .await?;
        tx.commit().await?;
        Ok(removed)
    }

    pub(crate) async fn audit_since(&self, since: DateTime<Utc>) -> Result<Vec<Entry>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("SELECT {ENTRY_COLUMNS} FROM audit WHERE at >= $1 ORDER BY id"),
                &[&since],
            )
            .await?;
        Ok(rows.iter().map(read_entry).collect())
    }

    pub(crate) async fn check_writable(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO health (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = EXCLUDED.at",
                &[&now],
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn remember_admin_menu(
        &self,
        bot_id: u64,
        admin_id: u64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        Ok(client
            .execute(
                "INSERT INTO admin_menus (bot_id, admin_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&(bot_id as i64), &(admin_id as i64), &now],
            )
            .await?
            == 1)
    }
}
