//! Exactly-once handling of Telegram updates.
//!
//! Telegram delivers an update until the bot confirms it with the next
//! `getUpdates` offset, so an update handled just before a crash or restart
//! comes again. Each update id is claimed in the database, in a committed
//! transaction, before the bot acts on it; a repeat finds the claim and is
//! skipped. A crash between the claim and the action therefore drops that
//! command (the admin sends it again) rather than sending an OTP twice.
//!
//! Claims are kept per bot id (update ids are per bot) and pruned after
//! [`KEEP_CLAIMS`]: Telegram keeps undelivered updates for 24 hours, and the
//! bot ignores commands older than its maximum age anyway.

use std::time::Duration;

use rusqlite::params;

use crate::db::{Db, DbError};

/// How long claimed update ids are kept.
pub const KEEP_CLAIMS: Duration = Duration::from_secs(48 * 3600);

impl Db {
    /// Claims `update_id` for `bot_id`: `true` the first time, `false` for a
    /// repeat. The claim is committed before this returns.
    pub async fn claim_update(&self, bot_id: u64, update_id: u32) -> Result<bool, DbError> {
        let now = unix_now();
        self.call(move |conn| {
            let inserted = conn.execute(
                "INSERT OR IGNORE INTO processed_updates (bot_id, update_id, seen_at) VALUES (?1, ?2, ?3)",
                params![bot_id as i64, update_id, now],
            )?;
            Ok(inserted == 1)
        })
        .await
    }

    /// Forgets claims older than `age`; returns how many.
    pub async fn prune_claims(&self, age: Duration) -> Result<usize, DbError> {
        let cutoff = unix_now() - age.as_secs() as i64;
        self.call(move |conn| {
            Ok(conn.execute("DELETE FROM processed_updates WHERE seen_at < ?1", [cutoff])?)
        })
        .await
    }
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_update_is_claimed_once_per_bot() {
        let db = Db::open_in_memory().unwrap();
        assert!(db.claim_update(1, 100).await.unwrap());
        assert!(!db.claim_update(1, 100).await.unwrap());
        assert!(db.claim_update(1, 101).await.unwrap());
        assert!(
            db.claim_update(2, 100).await.unwrap(),
            "another bot's ids are its own"
        );
    }

    #[tokio::test]
    async fn pruning_forgets_old_claims_only() {
        let db = Db::open_in_memory().unwrap();
        db.call(|conn| {
            conn.execute(
                "INSERT INTO processed_updates VALUES (1, 5, ?1)",
                [unix_now() - 3 * 24 * 3600],
            )?;
            Ok(())
        })
        .await
        .unwrap();
        assert!(db.claim_update(1, 6).await.unwrap());
        assert_eq!(db.prune_claims(KEEP_CLAIMS).await.unwrap(), 1);
        assert!(!db.claim_update(1, 6).await.unwrap());
        assert!(db.claim_update(1, 5).await.unwrap());
    }
}
