//! The ops HTTP server (`--metrics-listen`): `/healthz`, `/readyz`, `/metrics`.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::readiness::Readiness;
use super::recorder::Metrics;

/// How often recorded histogram samples are folded into their buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(10);

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

/// Reads the cached state only: never writes, never waits on the store.
async fn readyz(State(state): State<Shared>) -> Response {
    match state.1.report() {
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

    /// Serves until `shutdown` resolves; checks the store for `/readyz`
    /// in the background and keeps the histograms' memory bounded meanwhile.
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
        let checks = tokio::spawn(readiness.clone().run_checks());
        let limits = crate::accept::Limits::default();
        crate::accept::serve(self.listener, router(metrics, readiness), limits, shutdown).await;
        checks.abort();
        upkeep.abort();
        Ok(())
    }
}
