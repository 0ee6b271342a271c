//! `--audit-retention-days`: audit rows older than the retention are deleted
//! at start and then once a day, on SQLite and PostgreSQL alike.

use std::time::Duration;

use crate::store::Store;

/// How often old audit rows are pruned.
pub(crate) const RETENTION_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Prunes rows older than `keep` now and every [`RETENTION_EVERY`]; runs
/// until aborted. A failure is logged and tried again at the next round.
pub(crate) async fn prune_audit_daily(store: Store, keep: Duration) {
    let mut every = tokio::time::interval(RETENTION_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let days = keep.as_secs() / 86_400;
    loop {
        every.tick().await;
        match store.prune_audit(keep).await {
            Ok(0) => tracing::debug!(days, "no audit rows past the retention"),
            Ok(rows) => tracing::info!(rows, days, "deleted audit rows past the retention"),
            Err(err) => {
                tracing::warn!(error = %err, "pruning old audit rows failed; trying again tomorrow")
            }
        }
    }
}
