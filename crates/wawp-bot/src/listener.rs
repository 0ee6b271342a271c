//! The bot's own update listener: long polling that confirms an update to
//! Telegram only once it has been handled or answered.
//!
//! teloxide's polling listener confirms a whole batch when it receives it
//! (the next `getUpdates` offset moves on receipt), so an update whose
//! handler could neither act nor answer (the database and Telegram both
//! failing) was lost, and its shutdown call confirmed what was still queued.
//! Here the offset only moves past a contiguous run of updates that are
//! done; an update whose handler failed is tried again with back-off (the
//! update claims in the store make a repeat safe: a command already acted
//! upon is skipped).
//!
//! Updates of one chat are handled in order, one at a time; chats run
//! concurrently. On stop no new update is taken, the ones in flight finish
//! within the deadline, and the done ones are confirmed; the others come
//! back after a restart.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, UpdateKind};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::telemetry::describe_telegram_error;

/// The longest wait between two tries of a failing `getUpdates` or update.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The first wait after a failure.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// A chat's worker ends after this long without updates.
const WORKER_IDLE: Duration = Duration::from_secs(60);

/// What the handler said about one update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handled {
    /// Handled or answered: confirm it.
    Done,
    /// Neither handled nor answered: keep it and try again later.
    Retry,
}

/// A stop request shared by the listener and whoever asks for the stop.
#[derive(Debug, Clone)]
pub(crate) struct Stop(watch::Receiver<bool>);

impl Stop {
    /// A stop that resolves when `trigger` does.
    pub(crate) fn on(trigger: impl Future<Output = ()> + Send + 'static) -> Stop {
        let (tx, rx) = watch::channel(false);
        tokio::spawn(async move {
            trigger.await;
            let _ = tx.send(true);
            // Keep the sender so receivers never see a closed channel as a stop.
            std::future::pending::<()>().await;
        });
        Stop(rx)
    }

    /// Whether the stop was requested.
    pub(crate) fn requested(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once the stop is requested.
    pub(crate) async fn wait(&self) {
        let mut rx = self.0.clone();
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    InFlight,
    Done,
    Retry { at: Instant, tries: u32 },
}

/// The updates received and not yet confirmed, by id.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    states: BTreeMap<u32, State>,
    /// The next offset: every update below it is done.
    floor: u32,
    /// Earlier tries of the updates in flight.
    retries: HashMap<u32, u32>,
}

impl Ledger {
    /// The `getUpdates` offset that confirms exactly the done updates.
    pub(crate) fn offset(&self) -> u32 {
        self.floor
    }

    /// Whether update `id` should be handled now (and marks it in flight).
    pub(crate) fn take(&mut self, id: u32, now: Instant) -> bool {
        if id < self.floor {
            return false;
        }
        match self.states.get(&id) {
            None => {}
            Some(State::Retry { at, .. }) if *at <= now => {}
            Some(_) => return false,
        }
        let tries = match self.states.get(&id) {
            Some(State::Retry { tries, .. }) => *tries,
            _ => 0,
        };
        self.states.insert(id, State::InFlight);
        if tries > 0 {
            tracing::info!(update_id = id, tries, "trying an update again");
        }
        self.retries.insert(id, tries);
        true
    }

    /// Records what came of update `id`.
    pub(crate) fn finish(&mut self, id: u32, handled: Handled, now: Instant) {
        let tries = self.retries.remove(&id).unwrap_or(0) + 1;
        let state = match handled {
            Handled::Done => State::Done,
            Handled::Retry => State::Retry {
                at: now + backoff(tries),
                tries,
            },
        };
        self.states.insert(id, state);
        while let Some((&first, &State::Done)) = self.states.first_key_value() {
            self.states.remove(&first);
            self.floor = first + 1;
        }
    }

    /// Skips ids below the first update Telegram handed out (the offset can
    /// start anywhere).
    pub(crate) fn seen(&mut self, id: u32) {
        if self.states.is_empty() && id > self.floor {
            self.floor = id;
        }
    }

    /// Whether any update is being handled.
    pub(crate) fn in_flight(&self) -> usize {
        self.states
            .values()
            .filter(|s| **s == State::InFlight)
            .count()
    }

    /// When the earliest update waiting for another try may be tried.
    pub(crate) fn next_retry(&self) -> Option<Instant> {
        self.states
            .values()
            .filter_map(|s| match s {
                State::Retry { at, .. } => Some(*at),
                _ => None,
            })
            .min()
    }
}

fn backoff(tries: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(1 << tries.saturating_sub(1).min(8))
        .min(MAX_BACKOFF)
}

/// Handles one update; returns whether it was handled or answered.
pub(crate) type HandleFn =
    Arc<dyn Fn(Update) -> Pin<Box<dyn Future<Output = Handled> + Send>> + Send + Sync>;

/// Long polling settings.
#[derive(Debug, Clone)]
pub(crate) struct Polling {
    /// How long one `getUpdates` may wait for updates.
    pub(crate) timeout: Duration,
    /// How long in-flight updates may take to finish after a stop.
    pub(crate) drain: Duration,
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

/// Polls until `stop`, handing each update to `handle`.
pub(crate) async fn run(bot: &Bot, settings: Polling, stop: &Stop, handle: HandleFn) {
    let mut ledger = Ledger::default();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(u32, Handled)>();
    let mut workers: HashMap<String, mpsc::UnboundedSender<Update>> = HashMap::new();
    let mut tasks = JoinSet::new();
    let mut failures = 0u32;
    let mut confirmed = 0u32;

    while !stop.requested() {
        settings.readiness.receiving_alive();
        // Record what finished meanwhile.
        while let Ok((id, handled)) = done_rx.try_recv() {
            ledger.finish(id, handled, Instant::now());
        }
        if !settings.may_poll() {
            break;
        }
        let request = bot
            .get_updates()
            .offset(ledger.offset() as i32)
            .timeout(settings.timeout.as_secs() as u32)
            .allowed_updates([AllowedUpdate::Message, AllowedUpdate::MyChatMember]);
        let updates = tokio::select! {
            _ = stop.wait() => break,
            result = request.send() => result,
        };
        confirmed = confirmed.max(ledger.offset());
        let updates = match updates {
            Ok(updates) => {
                failures = 0;
                settings.metrics.telegram_ok();
                updates
            }
            Err(err) => {
                failures += 1;
                settings.metrics.telegram_error((&err).into());
                let wait = backoff(failures);
                tracing::warn!(error = %describe_telegram_error(&err), wait_ms = wait.as_millis() as u64, "getting updates failed; retrying");
                tokio::select! {
                    _ = stop.wait() => break,
                    _ = tokio::time::sleep(wait) => continue,
                }
            }
        };
        let mut dispatched = 0;
        let now = Instant::now();
        for update in updates {
            let id = update.id.0;
            ledger.seen(id);
            if !ledger.take(id, now) {
                continue;
            }
            dispatched += 1;
            if let UpdateKind::Error(_) = &update.kind {
                // Never log the raw JSON: it can hold a code or a number.
                tracing::warn!(update_id = id, "skipping an update the bot cannot parse");
                let _ = done_tx.send((id, Handled::Done));
                continue;
            }
            let key = chat_key(&update);
            let update = match workers.get(&key) {
                Some(tx) => match tx.send(update) {
                    Ok(()) => continue,
                    Err(mpsc::error::SendError(update)) => update,
                },
                None => update,
            };
            let (tx, rx) = mpsc::unbounded_channel();
            let _ = tx.send(update);
            tasks.spawn(worker(rx, handle.clone(), done_tx.clone(), stop.clone()));
            workers.insert(key, tx);
        }
        workers.retain(|_, tx| !tx.is_closed());
        if dispatched == 0 && (ledger.in_flight() > 0 || ledger.next_retry().is_some()) {
            // Telegram handed out only updates already in hand: wait for one
            // to finish (or be due again) rather than poll in a loop.
            let due = ledger
                .next_retry()
                .unwrap_or_else(|| Instant::now() + MAX_BACKOFF);
            tokio::select! {
                _ = stop.wait() => break,
                finished = done_rx.recv() => if let Some((id, handled)) = finished {
                    ledger.finish(id, handled, Instant::now());
                },
                _ = tokio::time::sleep_until(due) => {}
            }
        }
    }

    // Stopping: no new update is taken; let the ones in flight finish.
    drop(workers);
    let deadline = Instant::now() + settings.drain;
    while ledger.in_flight() > 0 {
        match tokio::time::timeout_at(deadline, done_rx.recv()).await {
            Ok(Some((id, handled))) => ledger.finish(id, handled, Instant::now()),
            Ok(None) => break,
            Err(_) => {
                tracing::warn!(
                    in_flight = ledger.in_flight(),
                    "updates still in flight at the shutdown deadline; they come back after a restart"
                );
                break;
            }
        }
    }
    tasks.abort_all();
    if ledger.offset() > confirmed && settings.may_poll() {
        confirm(bot, ledger.offset()).await;
    }
}

/// Confirms every update below `offset` without taking any.
async fn confirm(bot: &Bot, offset: u32) {
    let request = bot
        .get_updates()
        .offset(offset as i32)
        .limit(1)
        .timeout(0)
        .allowed_updates([AllowedUpdate::Message, AllowedUpdate::MyChatMember]);
    match tokio::time::timeout(Duration::from_secs(5), request.send()).await {
        Ok(Ok(_)) => tracing::debug!(offset, "confirmed the handled updates"),
        Ok(Err(err)) => {
            tracing::warn!(error = %describe_telegram_error(&err), "cannot confirm the handled updates; they come back after a restart and are skipped")
        }
        Err(_) => tracing::warn!("confirming the handled updates timed out"),
    }
}

fn chat_key(update: &Update) -> String {
    match (update.chat(), update.from()) {
        (Some(chat), _) => format!("c{}", chat.id.0),
        (None, Some(user)) => format!("u{}", user.id.0),
        (None, None) => format!("x{}", update.id.0),
    }
}

/// Handles one chat's updates in order; ends when idle. After a stop, the
/// updates still queued are not started: they are reported for another try
/// (after a restart).
async fn worker(
    mut rx: mpsc::UnboundedReceiver<Update>,
    handle: HandleFn,
    done: mpsc::UnboundedSender<(u32, Handled)>,
    stop: Stop,
) {
    loop {
        let update = match tokio::time::timeout(WORKER_IDLE, rx.recv()).await {
            Ok(Some(update)) => update,
            Ok(None) => return,
            Err(_) => {
                // Idle: refuse new sends, then finish what slipped in.
                rx.close();
                while let Ok(update) = rx.try_recv() {
                    let id = update.id.0;
                    let _ = done.send((id, handle_unless_stopped(&handle, update, &stop).await));
                }
                return;
            }
        };
        let id = update.id.0;
        let _ = done.send((id, handle_unless_stopped(&handle, update, &stop).await));
    }
}

async fn handle_unless_stopped(handle: &HandleFn, update: Update, stop: &Stop) -> Handled {
    if stop.requested() {
        Handled::Retry
    } else {
        handle(update).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_moves_only_past_a_run_of_done_updates() {
        let now = Instant::now();
        let mut ledger = Ledger::default();
        for id in [10, 11, 12] {
            ledger.seen(id);
            assert!(ledger.take(id, now));
        }
        assert_eq!(ledger.offset(), 10);
        assert!(!ledger.take(11, now), "already in flight");
        ledger.finish(11, Handled::Done, now);
        assert_eq!(ledger.offset(), 10, "10 is still in flight");
        ledger.finish(10, Handled::Retry, now);
        assert_eq!(ledger.offset(), 10, "10 failed: kept");
        assert!(!ledger.take(10, now), "not due yet");
        assert!(ledger.take(10, now + MAX_BACKOFF), "due again");
        ledger.finish(10, Handled::Done, now);
        assert_eq!(ledger.offset(), 12);
        ledger.finish(12, Handled::Done, now);
        assert_eq!(ledger.offset(), 13);
        assert!(!ledger.take(11, now), "confirmed ids are never taken again");
    }
}
