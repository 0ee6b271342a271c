//! The bot's Prometheus metrics behind a small typed API.
//!
//! The recorder is owned by [`Metrics`] (never installed as the process-wide
//! `metrics` recorder), so tests and several bots in one process each see
//! their own numbers. Label values come only from the enums in
//! [`labels`](super::labels).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use metrics::{Recorder, counter, describe_counter, describe_gauge, describe_histogram, gauge};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use super::labels::{CommandLabel, OutcomeLabel, TelegramErrorLabel, WawpCall};

/// `wawp_bot_commands_total{command, outcome}`.
pub const COMMANDS: &str = "wawp_bot_commands_total";
/// `wawp_bot_wawp_call_duration_seconds{call}` (histogram).
pub const WAWP_DURATION: &str = "wawp_bot_wawp_call_duration_seconds";
/// `wawp_bot_wawp_errors_total{call, kind}`.
pub const WAWP_ERRORS: &str = "wawp_bot_wawp_errors_total";
/// `wawp_bot_telegram_errors_total{kind}`.
pub const TELEGRAM_ERRORS: &str = "wawp_bot_telegram_errors_total";
/// `wawp_bot_updates_in_flight` (gauge).
pub const IN_FLIGHT: &str = "wawp_bot_updates_in_flight";
/// `wawp_bot_webhook_rejected_total`: webhook requests without the right secret.
pub const WEBHOOK_REJECTED: &str = "wawp_bot_webhook_rejected_total";
/// `wawp_bot_replies_undelivered_total`: replies Telegram never accepted
/// (refused for good, or still failing when too old).
pub const REPLIES_UNDELIVERED: &str = "wawp_bot_replies_undelivered_total";
/// `wawp_bot_telegram_last_success_timestamp_seconds` (gauge, Unix time).
pub const TELEGRAM_LAST_SUCCESS: &str = "wawp_bot_telegram_last_success_timestamp_seconds";
/// `wawp_bot_telegram_reachable` (gauge, 1 or 0): a recent Bot API success.
pub const TELEGRAM_REACHABLE: &str = "wawp_bot_telegram_reachable";

/// Histogram buckets of a Wawp call, in seconds.
const WAWP_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

struct Inner {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    telegram_ok: Mutex<Option<Instant>>,
}

/// The bot's metrics. Cheap to clone, `Send + Sync`; hand one to every
/// handler. [`Metrics::disabled`] records nothing (no `--metrics-listen`).
#[derive(Clone)]
pub struct Metrics {
    inner: Option<Arc<Inner>>,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics")
            .field("enabled", &self.inner.is_some())
            .finish()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A recorder with every metric described (and the counters that have
    /// no labels at zero), ready to render.
    pub fn new() -> Metrics {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(WAWP_DURATION.to_owned()), WAWP_BUCKETS)
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            describe_counter!(COMMANDS, "Commands handled, by command and outcome.");
            describe_histogram!(
                WAWP_DURATION,
                metrics::Unit::Seconds,
                "Duration of Wawp calls (send, verify), successful or not."
            );
            describe_counter!(WAWP_ERRORS, "Failed Wawp calls, by call and error kind.");
            describe_counter!(TELEGRAM_ERRORS, "Failed Bot API requests, by kind.");
            describe_gauge!(IN_FLIGHT, "Updates being handled right now.");
            describe_counter!(
                WEBHOOK_REJECTED,
                "Webhook requests refused for a missing or wrong secret token."
            );
            describe_gauge!(
                TELEGRAM_LAST_SUCCESS,
                "Unix time of the last successful Bot API round trip."
            );
            describe_counter!(
                REPLIES_UNDELIVERED,
                "Replies Telegram never accepted (refused, or too old to try again)."
            );
            describe_gauge!(
                TELEGRAM_REACHABLE,
                "1 while the last successful Bot API round trip is recent (what /readyz reports), else 0."
            );
            counter!(WEBHOOK_REJECTED).absolute(0);
            counter!(REPLIES_UNDELIVERED).absolute(0);
            gauge!(IN_FLIGHT).set(0.0);
            super::build_info::register();
        });
        Metrics {
            inner: Some(Arc::new(Inner {
                recorder,
                handle,
                telegram_ok: Mutex::new(None),
            })),
        }
    }

    /// Metrics that record nothing and render as empty.
    pub fn disabled() -> Metrics {
        Metrics { inner: None }
    }

    fn with(&self, f: impl FnOnce()) {
        if let Some(inner) = &self.inner {
            metrics::with_local_recorder(&inner.recorder as &dyn Recorder, f);
        }
    }

    /// One command handled.
    pub fn command(&self, command: CommandLabel, outcome: OutcomeLabel) {
        self.with(|| {
            counter!(COMMANDS, "command" => command.as_str(), "outcome" => outcome.as_str())
                .increment(1);
        });
    }

    /// One Wawp call finished after `elapsed`; `result` is `Err` with the
    /// error's kind when it failed.
    pub fn wawp_call(
        &self,
        call: WawpCall,
        elapsed: Duration,
        result: Result<(), wawp::ErrorKind>,
    ) {
        self.with(|| {
            metrics::histogram!(WAWP_DURATION, "call" => call.as_str())
                .record(elapsed.as_secs_f64());
            if let Err(kind) = result {
                counter!(WAWP_ERRORS, "call" => call.as_str(), "kind" => kind.as_str())
                    .increment(1);
            }
        });
    }

    /// One failed Bot API request.
    pub fn telegram_error(&self, kind: TelegramErrorLabel) {
        self.with(|| counter!(TELEGRAM_ERRORS, "kind" => kind.as_str()).increment(1));
    }

    /// One reply given up: Telegram refused it, or it was too old to try again.
    pub fn reply_undelivered(&self) {
        self.with(|| counter!(REPLIES_UNDELIVERED).increment(1));
    }

    /// One webhook request refused for a missing or wrong secret token.
    pub fn webhook_rejected(&self) {
        self.with(|| counter!(WEBHOOK_REJECTED).increment(1));
    }

    /// An update starts being handled; it counts as in flight until the
    /// returned guard is dropped.
    #[must_use = "the update counts as in flight until the guard is dropped"]
    pub fn update_started(&self) -> InFlight {
        self.with(|| gauge!(IN_FLIGHT).increment(1.0));
        InFlight {
            metrics: self.clone(),
        }
    }

    /// A Bot API round trip just succeeded (call after each `getUpdates`,
    /// or a periodic `getMe` in webhook mode). Feeds `/readyz`.
    pub fn telegram_ok(&self) {
        self.telegram_ok_at(Instant::now());
    }

    /// [`telegram_ok`](Self::telegram_ok) for a round trip that succeeded at
    /// `at` (a caller that measured it itself, or a test).
    pub fn telegram_ok_at(&self, at: Instant) {
        let Some(inner) = &self.inner else { return };
        {
            let mut last = inner.telegram_ok.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_none_or(|last| last < at) {
                *last = Some(at);
            }
        }
        let unix = SystemTime::now()
            .checked_sub(Instant::now().saturating_duration_since(at))
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0.0, |d| d.as_secs_f64());
        self.with(|| gauge!(TELEGRAM_LAST_SUCCESS).set(unix));
    }

    /// Whether Telegram counts as reachable (set by the readiness checks).
    pub fn telegram_reachable(&self, reachable: bool) {
        self.with(|| gauge!(TELEGRAM_REACHABLE).set(if reachable { 1.0 } else { 0.0 }));
    }

    /// How long ago the last successful Bot API round trip was; `None`
    /// before the first one (or when disabled).
    pub fn since_telegram_ok(&self) -> Option<Duration> {
        let inner = self.inner.as_ref()?;
        let last = *inner.telegram_ok.lock().unwrap_or_else(|e| e.into_inner());
        last.map(|at| at.elapsed())
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        self.with(super::build_info::collect_process);
        self.inner
            .as_ref()
            .map(|inner| inner.handle.render())
            .unwrap_or_default()
    }

    /// Folds recorded histogram samples into their buckets so memory stays
    /// bounded between scrapes; the ops server calls it periodically.
    pub fn run_upkeep(&self) {
        if let Some(inner) = &self.inner {
            inner.handle.run_upkeep();
        }
    }
}

/// An update in flight; see [`Metrics::update_started`].
#[derive(Debug)]
pub struct InFlight {
    metrics: Metrics,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.metrics.with(|| gauge!(IN_FLIGHT).decrement(1.0));
    }
}
