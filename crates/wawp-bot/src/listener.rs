//! The bot's long polling: updates are written to the inbox (the store)
//! before the `getUpdates` offset moves past them, so an update Telegram
//! considers delivered is never only in memory.
//!
//! teloxide's polling listener confirms a whole batch when it receives it
//! (the next `getUpdates` offset moves on receipt). Here the offset moves
//! only once the batch is committed to the inbox; if the store cannot take
//! it, the same batch is asked for again (with back-off), and a repeat is
//! recognised by its update id. The worker pool (the `worker` module) handles
//! the rows; on stop the offset reached is confirmed.

use std::time::Duration;

use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::*;
use teloxide::types::AllowedUpdate;

use crate::backoff::Backoff;
use crate::inbox::Receiver;
use crate::telemetry::describe_telegram_error;

pub(crate) use crate::stop::Stop;

/// Long polling settings.
#[derive(Debug, Clone)]
pub(crate) struct Polling {
    /// How long one `getUpdates` may wait for updates.
    pub(crate) timeout: Duration,
    /// Records each `getUpdates` round trip (for `/readyz` and the metrics).
    pub(crate) metrics: crate::ops::Metrics,
    /// The polling lease (PostgreSQL hot standby), checked before every
    /// `getUpdates`: once lost, this process never polls again.
    pub(crate) lease: Option<crate::standby::LostSignal>,
    /// Told at every turn of the loop (`/readyz`: receiving is alive).
    pub(crate) readiness: crate::ops::Readiness,
}

impl Polling {
    /// Whether this process may call `getUpdates` (it holds the lease, if any).
    fn may_poll(&self) -> bool {
        self.lease.as_ref().is_none_or(|lease| !lease.is_lost())
    }
}

/// Polls until `stop`, writing each batch to the inbox before it is
/// acknowledged.
pub(crate) async fn run(bot: &Bot, settings: Polling, stop: &Stop, inbox: &Receiver) {
    let mut offset: Option<u32> = None;
    let mut confirmed: Option<u32> = None;
    let mut backoff = Backoff::default();

    while !stop.requested() {
        settings.readiness.receiving_alive();
        if !settings.may_poll() {
            break;
        }
        let mut request = bot
            .get_updates()
            .timeout(settings.timeout.as_secs() as u32)
            .allowed_updates([AllowedUpdate::Message, AllowedUpdate::MyChatMember]);
        if let Some(offset) = offset {
            request = request.offset(offset as i32);
        }
        let updates = tokio::select! {
            _ = stop.wait() => break,
            result = request.send() => result,
        };
        confirmed = offset;
        let updates = match updates {
            Ok(updates) => {
                settings.metrics.telegram_ok();
                updates
            }
            Err(err) => {
                settings.metrics.telegram_error((&err).into());
                let wait = backoff.next_wait();
                tracing::warn!(error = %describe_telegram_error(&err), wait_ms = wait.as_millis() as u64, "getting updates failed; retrying");
                tokio::select! {
                    _ = stop.wait() => break,
                    _ = tokio::time::sleep(wait) => continue,
                }
            }
        };
        let Some(last) = updates.iter().map(|u| u.id.0).max() else {
            backoff.reset();
            continue;
        };
        match inbox.receive(&updates).await {
            Ok(_) => {
                backoff.reset();
                // The next getUpdates acknowledges the batch.
                offset = Some(last.saturating_add(1).max(offset.unwrap_or(0)));
            }
            Err(err) => {
                // Not acknowledged: Telegram hands the batch out again.
                let wait = backoff.next_wait();
                tracing::error!(error = %err, wait_ms = wait.as_millis() as u64, "cannot write updates to the inbox; they are not acknowledged and come again");
                tokio::select! {
                    _ = stop.wait() => break,
                    _ = tokio::time::sleep(wait) => {}
                }
            }
        }
    }
    if let Some(offset) = offset
        && confirmed != Some(offset)
    {
        confirm(bot, offset).await;
    }
}

/// Acknowledges every update below `offset` without taking any.
async fn confirm(bot: &Bot, offset: u32) {
    let request = bot
        .get_updates()
        .offset(offset as i32)
        .limit(1)
        .timeout(0)
        .allowed_updates([AllowedUpdate::Message, AllowedUpdate::MyChatMember]);
    match tokio::time::timeout(Duration::from_secs(5), request.send()).await {
        Ok(Ok(_)) => tracing::debug!(offset, "acknowledged the updates in the inbox"),
        Ok(Err(err)) => {
            tracing::warn!(error = %describe_telegram_error(&err), "cannot acknowledge the updates in the inbox; they come again after a restart and are recognised")
        }
        Err(_) => tracing::warn!("acknowledging the updates in the inbox timed out"),
    }
}
