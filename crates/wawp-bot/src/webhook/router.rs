//! The public route Telegram posts updates to.
//!
//! Order of checks: the secret header (401), the body size (413), the JSON
//! (400), stopped (503), room in the dispatcher's queue when there is one
//! (503 once the listener stopped or when the queue stays full), the claim
//! in the store (503 when it fails, so Telegram delivers again), then 200. A
//! repeated update is answered 200 and not handed on. Without a queue (the
//! bot's inbox) the claim itself is the hand-over.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::routing::post;
use teloxide::types::Update;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::claim::{ClaimUpdate, Claimed};
use super::secret::WebhookSecret;

/// The header in which Telegram repeats `secret_token`.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// What every request handler shares.
pub(super) struct Shared {
    pub(super) secret: WebhookSecret,
    pub(super) claim: Arc<dyn ClaimUpdate>,
    pub(super) on_rejected: Arc<dyn Fn() + Send + Sync>,
    /// The dispatcher's queue; `None` when the claim hands the update on.
    pub(super) tx: Option<mpsc::Sender<Update>>,
    /// Once cancelled, every update is refused with 503.
    pub(super) stopped: CancellationToken,
    pub(super) body_limit: usize,
    pub(super) queue_wait: Duration,
}

pub(super) fn router(path: &str, shared: Shared) -> Router {
    Router::new()
        .route(path, post(receive))
        .with_state(Arc::new(shared))
}

type Answer = (StatusCode, &'static str);

async fn receive(State(shared): State<Arc<Shared>>, request: Request) -> Answer {
    let authorised = request
        .headers()
        .get(SECRET_HEADER)
        .is_some_and(|value| shared.secret.matches(value.as_bytes()));
    if !authorised {
        (shared.on_rejected)();
        // Counted in the metrics; DEBUG only, so strangers cannot flood the log.
        tracing::debug!("webhook request without the right secret token refused");
        return (StatusCode::UNAUTHORIZED, "unauthorised\n");
    }
    let body: Body = request.into_body();
    let Ok(bytes) = to_bytes(body, shared.body_limit).await else {
        // Over the limit, or the connection broke while reading.
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "the body is too large or broken\n",
        );
    };
    let update: Update = match serde_json::from_slice(&bytes) {
        Ok(update) => update,
        Err(err) => {
            // Only the position: the body can hold a code or a phone number.
            tracing::warn!(
                line = err.line(),
                column = err.column(),
                "webhook body is not a Telegram update"
            );
            return (
                StatusCode::BAD_REQUEST,
                "the body is not a Telegram update\n",
            );
        }
    };
    if shared.stopped.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "not taking updates\n");
    }
    // Room first: once the listener stopped, nothing is claimed that could
    // not be handed on.
    // A dispatcher that stays stuck makes Telegram retry instead of wait.
    let permit = match &shared.tx {
        None => None,
        Some(tx) => match tokio::time::timeout(shared.queue_wait, tx.reserve()).await {
            Ok(Ok(permit)) => Some(permit),
            _ => return (StatusCode::SERVICE_UNAVAILABLE, "not taking updates\n"),
        },
    };
    match shared.claim.claim(&update).await {
        Ok(Claimed::First) => {
            if let Some(permit) = permit {
                permit.send(update);
            }
            (StatusCode::OK, "")
        }
        Ok(Claimed::Repeat) => {
            tracing::debug!(update_id = update.id.0, "repeated webhook update ignored");
            (StatusCode::OK, "")
        }
        Err(err) => {
            tracing::warn!(
                update_id = update.id.0,
                error = %err,
                "webhook update not claimed; Telegram will deliver it again"
            );
            (StatusCode::SERVICE_UNAVAILABLE, "try again later\n")
        }
    }
}
