//! Keeping `/readyz`'s Telegram check fed when nothing else talks to
//! Telegram regularly (webhook mode: updates arrive, no `getUpdates`).

use std::time::Duration;

use teloxide::requests::Requester;

use super::labels::TelegramErrorLabel;
use super::recorder::Metrics;

/// How often [`heartbeat`] calls `getMe` by default: well inside
/// [`DEFAULT_TELEGRAM_MAX_AGE`](super::DEFAULT_TELEGRAM_MAX_AGE).
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(20);

/// Calls `getMe` every `every`, recording each success with
/// [`Metrics::telegram_ok`] and each failure as a Telegram error. Runs until
/// dropped (spawn it and abort the task at shutdown). With long polling it is
/// not needed: record [`Metrics::telegram_ok`] after each `getUpdates`.
pub async fn heartbeat<B>(bot: B, metrics: Metrics, every: Duration)
where
    B: Requester,
    B::Err: Into<teloxide::RequestError>,
{
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match bot.get_me().await {
            Ok(_) => metrics.telegram_ok(),
            Err(err) => {
                let err: teloxide::RequestError = err.into();
                metrics.telegram_error(TelegramErrorLabel::from(&err));
                tracing::warn!(kind = %TelegramErrorLabel::from(&err), "Telegram health check (getMe) failed");
            }
        }
    }
}
