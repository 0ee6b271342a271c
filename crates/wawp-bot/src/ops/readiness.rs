//! What `/readyz` answers (issue 19 item 3): ready means this process can
//! write the store and its receiving loop is alive, and it is not draining.
//!
//! - **Store**: a background check ([`Readiness::run_checks`], every
//!   [`DB_CHECK_EVERY`], at most [`DB_PROBE_TIMEOUT`] each) keeps the last
//!   result; a probe only reads it, so probes never write and never wait
//!   behind the store's busy lock, however many arrive.
//! - **Receiving**: the polling loop, the webhook server or the standby's
//!   wait calls [`Readiness::receiving_alive`]; silence longer than
//!   [`DEFAULT_RECEIVING_MAX_AGE`] means it is stuck or gone.
//! - **Draining**: [`Readiness::set_draining`] (SIGTERM) makes `/readyz` 503
//!   at once, so the load balancer stops sending before the process stops.
//! - **Telegram**: reported (a line in the body, the
//!   `wawp_bot_telegram_reachable` gauge) but never a reason to fail: a Bot
//!   API outage seen by every replica at once must not empty the pool while
//!   the webhook still receives.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::{AbortHandle, JoinHandle};
use tokio::time::Instant;

use super::recorder::Metrics;

/// How long one store check may take before it counts as failed.
pub const DB_PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// How often the background check tries a write to the store.
pub const DB_CHECK_EVERY: Duration = Duration::from_secs(3);
/// How old the last successful Bot API round trip may be before `/readyz`
/// reports Telegram unreachable: a long poll returns at least every poll
/// timeout, and in webhook mode `getMe` runs every 20 s.
pub const DEFAULT_TELEGRAM_MAX_AGE: Duration = Duration::from_secs(60);
/// How long the receiving loop may stay silent: one long poll plus the
/// longest back-off between failed ones fit well inside it.
pub const DEFAULT_RECEIVING_MAX_AGE: Duration = Duration::from_secs(90);
/// How often [`Readiness::alive_while`] vouches for a running task.
const TICK: Duration = Duration::from_secs(1);

type ProbeFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// Checks that the database is writable. `Err` carries a short reason
/// (shown in `/readyz`, so it must hold no secret).
#[derive(Clone)]
pub struct DbProbe(Arc<dyn Fn() -> ProbeFuture + Send + Sync>);

impl fmt::Debug for DbProbe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DbProbe")
    }
}

impl DbProbe {
    /// A probe from an async closure, e.g.
    /// `DbProbe::new(move || { let store = store.clone(); async move { store.check_writable().await.map_err(|e| e.to_string()) } })`.
    pub fn new<F, Fut>(probe: F) -> DbProbe
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        DbProbe(Arc::new(move || Box::pin(probe())))
    }

    async fn check(&self) -> Result<(), String> {
        match tokio::time::timeout(DB_PROBE_TIMEOUT, (self.0)()).await {
            Ok(result) => result,
            Err(_) => Err(format!("no answer within {} s", DB_PROBE_TIMEOUT.as_secs())),
        }
    }
}

/// The state probes read and the bot writes.
#[derive(Debug)]
struct State {
    base: Instant,
    /// Nanoseconds after `base` of the last sign of life of the receiving
    /// loop, plus one (0: none yet).
    alive: AtomicU64,
    draining: AtomicBool,
    /// The last store check: when it ended, and what it said.
    db: Mutex<Option<(Instant, Result<(), String>)>>,
}

/// `/readyz`'s checks and the handle the bot feeds them through. Cheap to
/// clone; every clone shares one state.
#[derive(Debug, Clone)]
pub struct Readiness {
    metrics: Metrics,
    db: DbProbe,
    telegram_max_age: Duration,
    receiving_max_age: Duration,
    check_every: Duration,
    state: Arc<State>,
}

impl Readiness {
    /// Checks of the store through `db`, reporting Telegram through `metrics`.
    pub fn new(metrics: Metrics, db: DbProbe) -> Readiness {
        Readiness {
            metrics,
            db,
            telegram_max_age: DEFAULT_TELEGRAM_MAX_AGE,
            receiving_max_age: DEFAULT_RECEIVING_MAX_AGE,
            check_every: DB_CHECK_EVERY,
            state: Arc::new(State {
                base: Instant::now(),
                alive: AtomicU64::new(0),
                draining: AtomicBool::new(false),
                db: Mutex::new(None),
            }),
        }
    }

    /// How old the last successful Bot API round trip may be before the body
    /// says Telegram is unreachable (default [`DEFAULT_TELEGRAM_MAX_AGE`]).
    pub fn telegram_max_age(mut self, max_age: Duration) -> Readiness {
        self.telegram_max_age = max_age;
        self
    }

    /// How long the receiving loop may stay silent (default
    /// [`DEFAULT_RECEIVING_MAX_AGE`]).
    pub fn receiving_max_age(mut self, max_age: Duration) -> Readiness {
        self.receiving_max_age = max_age;
        self
    }

    /// How often [`run_checks`](Self::run_checks) checks the store (default
    /// [`DB_CHECK_EVERY`]).
    pub fn check_every(mut self, every: Duration) -> Readiness {
        self.check_every = every;
        self
    }

    /// The receiving loop is alive: call it at every turn of the loop.
    pub fn receiving_alive(&self) {
        let nanos = self.state.base.elapsed().as_nanos();
        let nanos = u64::try_from(nanos).unwrap_or(u64::MAX - 1) + 1;
        self.state.alive.fetch_max(nanos, Ordering::Relaxed);
    }

    /// The process is stopping: `/readyz` answers 503 from now on.
    pub fn set_draining(&self) {
        self.state.draining.store(true, Ordering::Relaxed);
    }

    /// Calls [`receiving_alive`](Self::receiving_alive) every second while
    /// `task` runs (a server or a wait that has no loop turn of its own).
    /// Abort the returned task when done.
    pub fn alive_while(&self, task: AbortHandle) -> JoinHandle<()> {
        let readiness = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(TICK);
            while !task.is_finished() {
                readiness.receiving_alive();
                ticks.tick().await;
            }
        })
    }

    /// One store check now; its result is what probes read until the next.
    pub async fn check_now(&self) {
        let result = self.db.check().await;
        if let Err(why) = &result {
            tracing::warn!(reason = %why, "readiness: the store cannot be written");
        }
        *self.state.db.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), result));
        self.metrics.telegram_reachable(self.telegram().is_ok());
    }

    /// Checks the store every [`check_every`](Self::check_every) forever
    /// (the ops server runs it; abort the task to stop it).
    pub async fn run_checks(self) {
        let mut ticks = tokio::time::interval(self.check_every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            self.check_now().await;
        }
    }

    fn telegram(&self) -> Result<String, String> {
        match self.metrics.since_telegram_ok() {
            Some(age) if age <= self.telegram_max_age => Ok(format!(
                "last successful round trip {} s ago",
                age.as_secs()
            )),
            Some(age) => Err(format!(
                "last successful round trip {} s ago (more than {} s)",
                age.as_secs(),
                self.telegram_max_age.as_secs()
            )),
            None => Err("no successful round trip yet".to_owned()),
        }
    }

    fn database(&self) -> Result<String, String> {
        let last = self.state.db.lock().unwrap_or_else(|e| e.into_inner());
        let Some((at, result)) = last.as_ref() else {
            return Err("not checked yet".to_owned());
        };
        let age = at.elapsed();
        // A check loop that stopped checking proves nothing any more.
        let stale = self.check_every * 3 + DB_PROBE_TIMEOUT;
        match result {
            Ok(()) if age <= stale => Ok(format!("writable (checked {} s ago)", age.as_secs())),
            Ok(()) => Err(format!("not checked for {} s", age.as_secs())),
            Err(why) => Err(format!("{why} (checked {} s ago)", age.as_secs())),
        }
    }

    fn receiving(&self) -> Result<String, String> {
        let alive = self.state.alive.load(Ordering::Relaxed);
        if alive == 0 {
            return Err("not started yet".to_owned());
        }
        let at = self.state.base + Duration::from_nanos(alive - 1);
        let age = at.elapsed();
        if age <= self.receiving_max_age {
            Ok(format!("alive ({} s ago)", age.as_secs()))
        } else {
            Err(format!("no sign of life for {} s", age.as_secs()))
        }
    }

    /// The report from the cached state only; `Ok` when ready.
    pub(super) fn report(&self) -> Result<String, String> {
        let draining = self.state.draining.load(Ordering::Relaxed);
        let database = self.database();
        let receiving = self.receiving();
        let line = |name: &str, result: &Result<String, String>| match result {
            Ok(detail) => format!("{name}: ok ({detail})\n"),
            Err(detail) => format!("{name}: FAILING: {detail}\n"),
        };
        let mut report = String::new();
        if draining {
            report.push_str("draining: shutting down, not taking new work\n");
        }
        report += &line("database", &database);
        report += &line("receiving", &receiving);
        report += &match self.telegram() {
            Ok(detail) => format!("telegram: ok ({detail})\n"),
            Err(detail) => {
                format!("telegram: unreachable ({detail}; reported, not a readiness check)\n")
            }
        };
        if !draining && database.is_ok() && receiving.is_ok() {
            Ok(report)
        } else {
            Err(report)
        }
    }
}
