//! The public route Telegram posts updates to.
//!
//! Order of checks: the secret header (401), the body size (413), the JSON
//! (400), room in the dispatcher's queue (503 once the listener stopped or
//! when the queue stays full), the
//! claim in the store (503 when it fails, so Telegram delivers again), then
//! 200. A repeated update is answered 200 and not handed on.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::routing::post;
use teloxide::types::Update;
use tokio::sync::mpsc;

use super::claim::{ClaimUpdate, Claimed};
use super::secret::WebhookSecret;

/// The header in which Telegram repeats `secret_token`.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// What every request handler shares.
pub(super) struct Shared {
    pub(super) secret: WebhookSecret,
    pub(super) claim: Arc<dyn ClaimUpdate>,
    pub(super) on_rejected: Arc<dyn Fn() + Send + Sync>,
    pub(super) tx: mpsc::Sender<Update>,
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
    // Room first: once the listener stopped, nothing is claimed that could
    // not be handed on.
    // A dispatcher that stays stuck makes Telegram retry instead of wait.
    let Ok(Ok(permit)) = tokio::time::timeout(shared.queue_wait, shared.tx.reserve()).await else {
        return (StatusCode::SERVICE_UNAVAILABLE, "not taking updates\n");
    };
    match shared.claim.claim(update.id).await {
        Ok(Claimed::First) => {
            permit.send(update);
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
