//! Webhook mode: Telegram posts updates to `--webhook-url`, served on
//! `--listen` (issue 14).
//!
//! Guarantees, which teloxide's own `webhooks-axum` setup does not give:
//! - every request must carry `X-Telegram-Bot-Api-Secret-Token`, compared in
//!   constant time; without it the answer is 401 and `on_rejected` is called;
//! - the answer is 200 only once the update is claimed in the store (a crash
//!   before that, or a store failure, makes Telegram deliver it again); an
//!   update claimed before is answered 200 and not handed on;
//! - stopping a replica never deletes the webhook the others use.
//!
//! ```no_run
//! # async fn demo(bot: teloxide::Bot, url: url::Url) -> Result<(), Box<dyn std::error::Error>> {
//! use wawp_bot::webhook::{Claimed, RegisterOptions, Webhook, WebhookSecret, register};
//! let secret = WebhookSecret::parse("from-WAWP_BOT_WEBHOOK_SECRET")?;
//! let claim = |_update: &teloxide::types::Update| async { Ok(Claimed::First) }; // the store's claim
//! let (listener, router) = Webhook::builder(url.clone(), secret.clone(), claim)
//!     .on_rejected(|| ())
//!     .build();
//! register(&bot, &url, &secret, &RegisterOptions::default()).await?;
//! let tcp = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! // Timeouts and a connection cap for a port strangers can reach:
//! let limits = wawp_bot::accept::Limits::default();
//! tokio::spawn(wawp_bot::accept::serve(tcp, router, limits, std::future::pending()));
//! // dispatcher.dispatch_with_listener(listener, LoggingErrorHandler::new()).await;
//! # drop(listener); Ok(()) }
//! ```

mod claim;
mod listener;
mod register;
mod router;
mod secret;
pub(crate) mod serve;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use teloxide::types::Update;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use url::Url;

pub use claim::{ClaimFailed, ClaimUpdate, Claimed};
pub use listener::WebhookListener;
pub use register::{RegisterError, RegisterOptions, register};
pub use router::SECRET_HEADER;
pub use secret::{InvalidSecret, MAX_SECRET_LEN, WebhookSecret};
pub use serve::ServeError;

/// The default largest update body accepted, in bytes.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The default number of claimed updates waiting for the dispatcher before
/// the route waits for room.
pub const DEFAULT_QUEUE: usize = 256;

/// How long a request waits for room in a full queue before it is answered
/// 503 (Telegram then delivers it again later).
pub const DEFAULT_QUEUE_WAIT: Duration = Duration::from_secs(5);

/// Builds the webhook route and its update listener.
pub struct Webhook {
    url: Url,
    secret: WebhookSecret,
    claim: Arc<dyn ClaimUpdate>,
    on_rejected: Arc<dyn Fn() + Send + Sync>,
    body_limit: usize,
    queue: usize,
    queue_wait: Duration,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("path", &self.url.path())
            .field("secret", &self.secret)
            .field("body_limit", &self.body_limit)
            .field("queue", &self.queue)
            .field("queue_wait", &self.queue_wait)
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// Starts a webhook for `url` (its path is the route) and `secret`;
    /// `claim` records an update in the store before the answer is 200.
    pub fn builder(url: Url, secret: WebhookSecret, claim: impl ClaimUpdate) -> Self {
        Self {
            url,
            secret,
            claim: Arc::new(claim),
            on_rejected: Arc::new(|| ()),
            body_limit: DEFAULT_BODY_LIMIT,
            queue: DEFAULT_QUEUE,
            queue_wait: DEFAULT_QUEUE_WAIT,
        }
    }

    /// Called for each request refused for its secret token (a metric).
    pub fn on_rejected(mut self, on_rejected: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_rejected = Arc::new(on_rejected);
        self
    }

    /// The largest body accepted (default [`DEFAULT_BODY_LIMIT`]); larger
    /// ones get 413.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Claimed updates waiting for the dispatcher (default [`DEFAULT_QUEUE`]).
    pub fn queue(mut self, updates: usize) -> Self {
        self.queue = updates.max(1);
        self
    }

    /// How long a request waits for room in a full queue (default
    /// [`DEFAULT_QUEUE_WAIT`]) before it is answered 503.
    pub fn queue_wait(mut self, wait: Duration) -> Self {
        self.queue_wait = wait;
        self
    }

    /// The update listener for the dispatcher and the router to serve on
    /// `--listen`.
    pub fn build(self) -> (WebhookListener, Router) {
        let (tx, rx) = mpsc::channel(self.queue);
        let router = self.router(Some(tx), CancellationToken::new());
        (WebhookListener::new(rx), router)
    }

    /// The router alone, for a claim that hands the update on itself (the
    /// bot writes it to its inbox, from which its workers take it): 200 once
    /// the claim committed. Once `stopped` is cancelled every update is
    /// answered 503, so Telegram delivers it again (to another replica).
    pub fn build_router(self, stopped: CancellationToken) -> Router {
        self.router(None, stopped)
    }

    fn router(self, tx: Option<mpsc::Sender<Update>>, stopped: CancellationToken) -> Router {
        let shared = router::Shared {
            secret: self.secret,
            claim: self.claim,
            on_rejected: self.on_rejected,
            tx,
            stopped,
            body_limit: self.body_limit,
            queue_wait: self.queue_wait,
        };
        let path = match self.url.path() {
            "" => "/",
            path => path,
        };
        router::router(path, shared)
    }
}
