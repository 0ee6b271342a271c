//! The bot in webhook mode: the route on `--listen` writes each update to
//! the inbox (the store) before answering 200; the worker pool takes it from
//! there. On stop the route answers 503 at once (Telegram keeps the update,
//! another replica gets it); the updates in the inbox stay there for the
//! others or the restart, and the webhook is left in place for the other
//! replicas.

use std::net::SocketAddr;

use secrecy::ExposeSecret;
use teloxide::prelude::*;
use teloxide::types::AllowedUpdate;
use tokio_util::sync::CancellationToken;

use super::{ClaimFailed, Claimed, InvalidSecret, RegisterOptions, Webhook, WebhookSecret};
use crate::config::WebhookSettings;
use crate::inbox::Receiver;
use crate::ops::Metrics;
use crate::startup::StartError;
use crate::stop::Stop;

/// Why webhook mode could not start. One line without the secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// `WAWP_BOT_WEBHOOK_SECRET` cannot be used (a setting to fix).
    #[error(transparent)]
    Secret(#[from] InvalidSecret),
    /// `--listen` cannot be bound (a setting to fix).
    #[error("cannot listen on {addr} for --listen: {source}")]
    Listen {
        /// The `--listen` address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// `setWebhook` stopped: Telegram refused the bot token.
    #[error(transparent)]
    Register(#[from] StartError),
}

impl ServeError {
    /// Whether a setting must be fixed (retrying cannot help): every case
    /// today.
    pub fn is_setting(&self) -> bool {
        match self {
            ServeError::Secret(_) | ServeError::Listen { .. } => true,
            ServeError::Register(err) => err.is_setting(),
        }
    }
}

/// What webhook mode needs from the app.
pub(crate) struct Mode<'a> {
    pub(crate) bot: &'a Bot,
    pub(crate) hook: &'a WebhookSettings,
    pub(crate) inbox: Receiver,
    pub(crate) metrics: Metrics,
    /// Whether `/readyz` needs a periodic `getMe` (`--metrics-listen` set).
    pub(crate) heartbeat: bool,
    /// Cancelled once the worker pool stopped: until then, after a stop,
    /// deliveries are answered 503 rather than refused at the socket.
    pub(crate) drained: CancellationToken,
    /// Told while the server runs (`/readyz`: receiving is alive).
    pub(crate) readiness: crate::ops::Readiness,
}

/// Serves the webhook until `stop`, writing each update to the inbox before
/// it is answered 200.
pub(crate) async fn run(mode: Mode<'_>, stop: &Stop) -> Result<(), ServeError> {
    let secret = WebhookSecret::parse(mode.hook.secret.expose_secret())?;
    let claim = {
        let inbox = mode.inbox.clone();
        move |update: &Update| {
            let inbox = inbox.clone();
            let update = update.clone();
            async move {
                match inbox.receive(std::slice::from_ref(&update)).await {
                    Ok(0) => Ok(Claimed::Repeat),
                    Ok(_) => Ok(Claimed::First),
                    Err(err) => Err(ClaimFailed::new(err)),
                }
            }
        }
    };
    let metrics = mode.metrics.clone();
    let stopped = CancellationToken::new();
    let router = Webhook::builder(mode.hook.url.clone(), secret.clone(), claim)
        .on_rejected(move || metrics.webhook_rejected())
        .build_router(stopped.clone());
    // Listen before `setWebhook`, so Telegram's first delivery finds us.
    let tcp = tokio::net::TcpListener::bind(mode.hook.listen)
        .await
        .map_err(|source| ServeError::Listen {
            addr: mode.hook.listen,
            source,
        })?;
    // Timeouts and a connection cap: idle sockets cannot shut Telegram out.
    let limits = crate::accept::Limits::default();
    let server = tokio::spawn(crate::accept::serve(
        tcp,
        router,
        limits,
        std::future::pending(),
    ));
    let alive = mode.readiness.alive_while(server.abort_handle());
    let options = RegisterOptions {
        allowed_updates: Some(vec![AllowedUpdate::Message, AllowedUpdate::MyChatMember]),
        max_connections: None,
    };
    let api_url = mode.bot.api_url();
    let registered =
        crate::startup::with_backoff(&api_url, "setWebhook", stop, &mode.metrics, || {
            super::register(mode.bot, &mode.hook.url, &secret, &options)
        })
        .await;
    let registered = match registered {
        Ok(registered) => registered,
        Err(err) => {
            server.abort();
            alive.abort();
            return Err(err.into());
        }
    };
    let heartbeat = (mode.heartbeat && registered.is_some()).then(|| {
        tokio::spawn(crate::ops::heartbeat(
            mode.bot.clone(),
            mode.metrics.clone(),
            crate::ops::HEARTBEAT_EVERY,
        ))
    });
    if registered.is_some() {
        tracing::info!(listen = %mode.hook.listen, path = mode.hook.url.path(), "receiving updates by webhook");
    }

    stop.wait().await;
    // From now on every delivery is answered 503 (Telegram keeps it for
    // another replica); what is in the inbox stays there.
    stopped.cancel();
    mode.drained.cancelled().await;
    alive.abort();
    if let Some(heartbeat) = heartbeat {
        heartbeat.abort();
    }
    server.abort();
    Ok(())
}
