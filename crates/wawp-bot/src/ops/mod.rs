//! Operations: health checks and Prometheus metrics (`--metrics-listen`).
//!
//! | path | answers |
//! |---|---|
//! | `/healthz` | 200 while the process runs |
//! | `/readyz` | 200 when the store is writable (a cached background check) and the receiving loop is alive, 503 at once when draining; the body says which check failed and whether Telegram is reachable (reported, never a reason to fail) |
//! | `/metrics` | the Prometheus text format |
//!
//! [`Metrics`] also carries `wawp_bot_build_info{version}` and the process
//! metrics (CPU, memory, open files, start time; `metrics-process`).
//!
//! The handlers record through [`Metrics`]: commands by name and outcome,
//! Wawp call durations and errors by kind, Telegram errors, updates in
//! flight, webhook requests refused for a bad secret. Label values come
//! only from the closed enums in this module, so a phone number or user id
//! can never become a label.
//!
//! The server listens on its own address, never the public webhook port
//! ([`check_not_public`]): readiness details are for the operator only.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use wawp_bot::ops::{DbProbe, Metrics, OpsServer, Readiness};
//! let metrics = Metrics::new();
//! let db = DbProbe::new(|| async { Ok(()) });
//! let server = OpsServer::bind("127.0.0.1:9184".parse().unwrap()).await?;
//! server
//!     .serve(metrics.clone(), Readiness::new(metrics, db), std::future::pending())
//!     .await
//! # }
//! ```

mod build_info;
mod heartbeat;
mod labels;
mod readiness;
mod recorder;
mod server;
pub(crate) mod wiring;

use std::net::SocketAddr;

pub use build_info::BUILD_INFO;
pub use heartbeat::{HEARTBEAT_EVERY, heartbeat};
pub use labels::{CommandLabel, OutcomeLabel, TelegramErrorLabel, WawpCall};
pub use readiness::{
    DB_CHECK_EVERY, DB_PROBE_TIMEOUT, DEFAULT_RECEIVING_MAX_AGE, DEFAULT_TELEGRAM_MAX_AGE, DbProbe,
    Readiness,
};
pub use recorder::{
    COMMANDS, IN_FLIGHT, InFlight, Metrics, TELEGRAM_ERRORS, TELEGRAM_LAST_SUCCESS,
    TELEGRAM_REACHABLE, WAWP_DURATION, WAWP_ERRORS, WEBHOOK_REJECTED,
};
pub use server::{OpsServer, router};
pub use wiring::OpsError;

/// Refuses a `--metrics-listen` address that shares its port with the public
/// webhook listener (`--listen`): health details and metrics must not be
/// served to the internet. The error is one line for the operator.
pub fn check_not_public(metrics: SocketAddr, webhook: Option<SocketAddr>) -> Result<(), String> {
    match webhook {
        Some(webhook)
            if webhook.port() == metrics.port()
                && (webhook.ip() == metrics.ip()
                    || webhook.ip().is_unspecified()
                    || metrics.ip().is_unspecified()) =>
        {
            Err(format!(
                "--metrics-listen {metrics} is the public webhook address (--listen {webhook}): give it its own, internal address such as 127.0.0.1:9184"
            ))
        }
        _ => Ok(()),
    }
}
