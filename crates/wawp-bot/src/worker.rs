//! The one worker pool, for every transport: takes inbox rows with a lease
//! (admins' first, a chat's rows in order), hands each update to the
//! handler, and marks the row done, or gives it back to be tried again later
//! when the handler could neither act nor answer.
//!
//! While it holds rows the pool renews their leases; a replica that dies or
//! hangs stops renewing, and once a lease expires any replica (or the
//! restart) takes the row over. On stop no new row is taken, the updates
//! being handled (their Wawp calls) finish within the drain time, and every
//! row still held is given back at once for the others or the restart:
//! nothing is dropped.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use teloxide::types::Update;
use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::backoff::{Backoff, until_ok};
use crate::stop::Stop;
use crate::store::{InboxRow, Store};

/// How long a taken row is held without renewal before anyone may take it.
pub(crate) const LEASE: Duration = Duration::from_secs(30);
/// How often the leases held are renewed.
const RENEW_EVERY: Duration = Duration::from_secs(5);
/// How often the inbox is looked at without a wake-up (rows received by
/// other replicas, leases expired, retries due).
const LOOK_EVERY: Duration = Duration::from_millis(250);
/// Updates handled at once by one process.
pub(crate) const SLOTS: usize = 32;

/// What the handler said about one update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handled {
    /// Handled or answered: the row is done.
    Done,
    /// Neither handled nor answered: try again later.
    Retry,
}

/// Handles one update; says whether it was handled or answered.
pub(crate) type HandleFn =
    Arc<dyn Fn(Update) -> Pin<Box<dyn Future<Output = Handled> + Send>> + Send + Sync>;

/// The pool's settings.
#[derive(Debug, Clone)]
pub(crate) struct Pool {
    /// The store holding the inbox.
    pub(crate) store: Store,
    /// The bot whose rows are taken.
    pub(crate) bot_id: u64,
    /// How long the updates being handled may take to finish after a stop.
    pub(crate) drain: Duration,
}

/// A name for this process's leases: unique per run.
fn owner() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{}-{nanos:x}-{:x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// Takes and handles inbox rows until `stop`; `wake` is notified when this
/// process received new rows.
pub(crate) async fn run(pool: Pool, handle: HandleFn, wake: Arc<Notify>, stop: &Stop) {
    let owner: Arc<str> = owner().into();
    let renewer = tokio::spawn(renew(pool.clone(), Arc::clone(&owner)));
    let mut tasks = JoinSet::new();
    let mut backoff = Backoff::default();
    while !stop.requested() {
        while tasks.try_join_next().is_some() {}
        let free = SLOTS.saturating_sub(tasks.len());
        if free > 0 {
            match pool
                .store
                .inbox_take(pool.bot_id, &owner, LEASE, free)
                .await
            {
                Ok(rows) => {
                    backoff.reset();
                    for row in rows {
                        tasks.spawn(work(row, pool.clone(), handle.clone(), stop.clone()));
                    }
                }
                Err(err) => {
                    let wait = backoff.next_wait();
                    tracing::warn!(error = %err, wait_ms = wait.as_millis() as u64, "cannot take updates from the inbox; trying again");
                    tokio::select! {
                        _ = stop.wait() => break,
                        _ = tokio::time::sleep(wait) => continue,
                    }
                }
            }
        }
        tokio::select! {
            _ = stop.wait() => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            _ = wake.notified() => {}
            _ = tokio::time::sleep(LOOK_EVERY) => {}
        }
    }

    // Stopping: no new row is taken; the updates being handled finish.
    let drained = tokio::time::timeout(pool.drain, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            in_flight = tasks.len(),
            "updates still being handled at the shutdown deadline are left in the inbox for another replica or the restart"
        );
        tasks.abort_all();
    }
    renewer.abort();
    let released = tokio::time::timeout(
        Duration::from_secs(5),
        until_ok("giving back the inbox rows held", || {
            pool.store.inbox_release(pool.bot_id, &owner)
        }),
    )
    .await;
    match released {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            rows = n,
            "gave back inbox rows for another replica or the restart"
        ),
        Err(_) => tracing::warn!(
            "cannot give back the inbox rows held; another replica takes them once their lease expires"
        ),
    }
}

/// Renews the leases held, forever (aborted by [`run`]).
async fn renew(pool: Pool, owner: Arc<str>) {
    let mut every = tokio::time::interval(RENEW_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(err) = pool.store.inbox_renew(pool.bot_id, &owner, LEASE).await {
            tracing::warn!(error = %err, "cannot renew the leases on the inbox rows held");
        }
    }
}

/// Handles one row and records what came of it (retried until it commits).
async fn work(row: InboxRow, pool: Pool, handle: HandleFn, stop: Stop) {
    let id = row.update_id;
    let (store, bot_id) = (&pool.store, pool.bot_id);
    let update: Update = match serde_json::from_str(row.body.expose_secret()) {
        Ok(update) => update,
        Err(err) => {
            // Only the position: the body can hold a code or a number.
            tracing::warn!(
                update_id = id,
                line = err.line(),
                column = err.column(),
                "skipping an inbox row that is not a Telegram update"
            );
            until_ok("marking an inbox row done", || store.inbox_done(bot_id, id)).await;
            return;
        }
    };
    if stop.requested() {
        // Taken just before the stop: give it back untouched.
        until_ok("giving back an inbox row", || {
            store.inbox_retry(bot_id, id, Duration::ZERO)
        })
        .await;
        return;
    }
    if row.taken_over {
        tracing::warn!(
            update_id = id,
            attempts = row.attempts,
            "taking over an update whose worker stopped renewing its lease"
        );
    } else if row.attempts > 1 {
        tracing::info!(
            update_id = id,
            attempts = row.attempts,
            "trying an update again"
        );
    }
    match handle(update).await {
        Handled::Done => {
            until_ok("marking an inbox row done", || store.inbox_done(bot_id, id)).await;
        }
        Handled::Retry => {
            let after = Backoff::default().after(row.attempts);
            until_ok("giving back an inbox row to try again", || {
                store.inbox_retry(bot_id, id, after)
            })
            .await;
        }
    }
}
