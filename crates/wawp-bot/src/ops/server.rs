//! The ops HTTP server (`--metrics-listen`): `/healthz`, `/readyz`, `/metrics`.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::recorder::Metrics;

/// How long `/readyz` waits for the database probe.
pub const DB_PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// Default for [`Readiness::telegram_max_age`]: a long poll returns at
/// least every poll timeout (10 s by default), so a minute without a
/// successful round trip means Telegram is unreachable.
pub const DEFAULT_TELEGRAM_MAX_AGE: Duration = Duration::from_secs(60);
/// How often recorded histogram samples are folded into their buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(10);

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

/// What `/readyz` checks: the database is writable and the last successful
/// Bot API round trip (recorded with [`Metrics::telegram_ok`]) is recent.
#[derive(Debug, Clone)]
pub struct Readiness {
    metrics: Metrics,
    db: DbProbe,
    telegram_max_age: Duration,
}

impl Readiness {
    /// Ready when `db` succeeds and `metrics` saw a Bot API success within
    /// [`DEFAULT_TELEGRAM_MAX_AGE`].
    pub fn new(metrics: Metrics, db: DbProbe) -> Readiness {
        Readiness {
            metrics,
            db,
            telegram_max_age: DEFAULT_TELEGRAM_MAX_AGE,
        }
    }

    /// How old the last successful Bot API round trip may be.
    pub fn telegram_max_age(mut self, max_age: Duration) -> Readiness {
        self.telegram_max_age = max_age;
        self
    }

    /// Runs both checks; `Ok` holds the report, `Err` the report with the failure.
    async fn check(&self) -> Result<String, String> {
        // bot-core (issue 19 item 4): 503 at once once the bot is stopping,
        // without asking the store or Telegram.
        if self.metrics.is_stopping() {
            return Err("stopping: the bot is shutting down\n".to_owned());
        }
        let db = self.db.check().await;
        let telegram = match self.metrics.since_telegram_ok() {
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
        };
        let line = |name: &str, result: &Result<String, String>| match result {
            Ok(detail) => format!("{name}: ok ({detail})\n"),
            Err(detail) => format!("{name}: FAILING: {detail}\n"),
        };
        let db = db.map(|()| "writable".to_owned());
        let report = line("database", &db) + &line("telegram", &telegram);
        if db.is_ok() && telegram.is_ok() {
            Ok(report)
        } else {
            Err(report)
        }
    }
}

/// The routes, for tests (`tower::ServiceExt::oneshot`) or another server.
pub fn router(metrics: Metrics, readiness: Readiness) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(render))
        .with_state(Arc::new((metrics, readiness)))
}

type Shared = Arc<(Metrics, Readiness)>;

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<Shared>) -> Response {
    match state.1.check().await {
        Ok(report) => (StatusCode::OK, report).into_response(),
        Err(report) => (StatusCode::SERVICE_UNAVAILABLE, report).into_response(),
    }
}

async fn render(State(state): State<Shared>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.0.render(),
    )
        .into_response()
}

/// The ops server, bound but not yet serving.
#[derive(Debug)]
pub struct OpsServer {
    listener: tokio::net::TcpListener,
}

impl OpsServer {
    /// Binds `addr` (`--metrics-listen`). The error names the address.
    pub async fn bind(addr: SocketAddr) -> io::Result<OpsServer> {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot listen on {addr} for --metrics-listen: {e}"),
            )
        })?;
        Ok(OpsServer { listener })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves; keeps the histograms' memory
    /// bounded meanwhile.
    pub async fn serve(
        self,
        metrics: Metrics,
        readiness: Readiness,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let upkeep = tokio::spawn({
            let metrics = metrics.clone();
            async move {
                let mut every = tokio::time::interval(UPKEEP_EVERY);
                loop {
                    every.tick().await;
                    metrics.run_upkeep();
                }
            }
        });
        let result = axum::serve(self.listener, router(metrics, readiness))
            .with_graceful_shutdown(shutdown)
            .await;
        upkeep.abort();
        result
    }
}
