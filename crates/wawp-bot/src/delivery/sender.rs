//! The sender: takes outbox rows with a lease within the shared reply
//! budget, sends each once, and records what Telegram said (retried until
//! the record commits).

use std::sync::Arc;
use std::time::Duration;

use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::ParseMode;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::is_transient;
use crate::backoff::{Backoff, until_ok};
use crate::ops::Metrics;
use crate::store::{OutboxRow, ReplyBudget, Store};
use crate::telemetry::describe_telegram_error;

/// A reply still failing this long after it was written is given up.
pub(crate) const MAX_AGE: Duration = Duration::from_secs(600);
/// How long a taken reply is held before another sender may take it:
/// longer than one `sendMessage` may take (teloxide's client gives up after
/// 17 s), so a live sender is never overtaken.
const LEASE: Duration = Duration::from_secs(30);
/// Replies sent at once by one process.
const SLOTS: usize = 16;
/// The most replies sent back to back (the bucket's size).
pub(crate) const BURST: f64 = 4.0;
/// Waits between tries of a failing reply.
const BACKOFF: Backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(30));
/// How often the outbox is looked at without a wake-up (replies written by
/// other replicas, retries due, tokens refilled).
const LOOK_EVERY: Duration = Duration::from_millis(250);
/// How long the sender goes on after the workers stopped, for the replies
/// they wrote last.
const LINGER: Duration = Duration::from_secs(2);

/// The sender's settings.
#[derive(Clone)]
pub(crate) struct Sender {
    pub(crate) bot: Bot,
    pub(crate) store: Store,
    pub(crate) bot_id: u64,
    /// Messages per second for the whole bot (`--reply-rate`).
    pub(crate) rate: u32,
    pub(crate) metrics: Metrics,
}

/// Sends replies until `stop` is cancelled (then for at most [`LINGER`]
/// more while replies are due), then gives back what it holds.
pub(crate) async fn run(sender: Sender, wake: Arc<Notify>, stop: CancellationToken) {
    let owner = format!("{}-{:x}-sender", std::process::id(), rand::random::<u64>());
    let budget = ReplyBudget {
        rate: f64::from(sender.rate.max(1)),
        burst: BURST,
    };
    // After a take that found replies, look again after about one token's
    // time; after an empty one, when woken or after [`LOOK_EVERY`].
    let busy = Duration::from_secs_f64((1.0 / budget.rate).clamp(0.01, 0.25));
    let mut tasks = JoinSet::new();
    let mut backoff = Backoff::default();
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        while tasks.try_join_next().is_some() {}
        if stop.is_cancelled() && deadline.is_none() {
            deadline = Some(tokio::time::Instant::now() + LINGER);
        }
        if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
            break;
        }
        let free = SLOTS.saturating_sub(tasks.len());
        let mut taken = 0;
        if free > 0 {
            match sender
                .store
                .outbox_take(sender.bot_id, &owner, LEASE, free, budget)
                .await
            {
                Ok(rows) => {
                    backoff.reset();
                    taken = rows.len();
                    for row in rows {
                        tasks.spawn(send(sender.clone(), row));
                    }
                }
                Err(err) => {
                    let wait = backoff.next_wait().min(Duration::from_secs(5));
                    tracing::warn!(error = %err, wait_ms = wait.as_millis() as u64, "cannot take replies from the outbox; trying again");
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
        }
        if deadline.is_some() && taken == 0 && tasks.is_empty() {
            break;
        }
        tokio::select! {
            () = stop.cancelled(), if deadline.is_none() => {}
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            () = wake.notified() => {}
            () = tokio::time::sleep(if taken > 0 { busy } else { LOOK_EVERY }) => {}
        }
    }
    // Within systemd's TimeoutStopSec: the shutdown timeout, then at most
    // LINGER and this second.
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    tasks.abort_all();
    match sender.store.outbox_release(sender.bot_id, &owner).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            replies = n,
            "gave back replies for another replica or the restart"
        ),
        Err(err) => {
            tracing::warn!(error = %err, "cannot give back the replies held; another replica takes them once their lease expires")
        }
    }
}

/// Sends one reply once and records the result.
async fn send(sender: Sender, row: OutboxRow) {
    let store = &sender.store;
    let result = sender
        .bot
        .send_message(ChatId(row.chat), row.text.clone())
        .parse_mode(ParseMode::Html)
        .await;
    let err = match result {
        Ok(_) => {
            sender.metrics.telegram_ok();
            until_ok("recording a reply delivered", || {
                store.outbox_delivered(row.id)
            })
            .await;
            return;
        }
        Err(err) => err,
    };
    sender.metrics.telegram_error((&err).into());
    let wait = match &err {
        RequestError::RetryAfter(after) => Some(after.duration()),
        err if is_transient(err) => Some(BACKOFF.after(row.attempts)),
        _ => None,
    };
    match wait {
        Some(wait) if row.age + wait < MAX_AGE => {
            tracing::warn!(
                error = %describe_telegram_error(&err),
                wait_ms = wait.as_millis() as u64,
                try_ = row.attempts,
                "a reply failed; trying again"
            );
            until_ok("giving back a reply to try again", || {
                store.outbox_retry(row.id, wait)
            })
            .await;
        }
        _ => {
            tracing::error!(
                error = %describe_telegram_error(&err),
                tries = row.attempts,
                age_s = row.age.as_secs(),
                "the reply was not delivered"
            );
            sender.metrics.reply_undelivered();
            until_ok("recording a reply undelivered", || {
                store.outbox_undelivered(row.id)
            })
            .await;
        }
    }
}
