//! The bot in webhook mode: the route on `--listen` claims each update in
//! the store (receipt) before answering 200, then the bot's handler takes it.
//!
//! Updates of one chat are handled in order, chats concurrently. An update
//! is acknowledged to Telegram once claimed, so a handler that fails for a
//! passing reason (database or Telegram down) is tried again here, with
//! back-off, until it succeeds or the bot stops. On stop the route answers
//! 503 (Telegram keeps the update, another replica gets it), the updates
//! already claimed are still handled within the shutdown timeout, and the
//! webhook is left in place for the other replicas.

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use secrecy::ExposeSecret;
use teloxide::prelude::*;
use teloxide::types::AllowedUpdate;
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::{ClaimFailed, Claimed, RegisterOptions, Webhook, WebhookSecret};
use crate::app::RunError;
use crate::config::WebhookSettings;
use crate::listener::{HandleFn, Handled, Stop};
use crate::ops::Metrics;
use crate::store::Store;

/// Webhook receipts are claimed under this bit of the bot id, apart from the
/// handler's own claims (otherwise every update would look like a repeat).
pub(crate) const RECEIPTS: u64 = 1 << 62;

/// The longest wait between two tries of a failing update.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A chat's worker ends after this long without updates.
const WORKER_IDLE: Duration = Duration::from_secs(60);

/// What webhook mode needs from the app.
pub(crate) struct Mode<'a> {
    pub(crate) bot: &'a Bot,
    pub(crate) hook: &'a WebhookSettings,
    pub(crate) store: Store,
    pub(crate) bot_id: u64,
    pub(crate) metrics: Metrics,
    /// Whether `/readyz` needs a periodic `getMe` (`--metrics-listen` set).
    pub(crate) heartbeat: bool,
    /// How long claimed updates may take to finish after a stop.
    pub(crate) drain: Duration,
    /// Told while the server runs (`/readyz`: receiving is alive).
    pub(crate) readiness: crate::ops::Readiness,
}

/// Serves the webhook until `stop`, handing each claimed update to `handle`.
pub(crate) async fn run(mode: Mode<'_>, stop: &Stop, handle: HandleFn) -> Result<(), RunError> {
    let secret = WebhookSecret::parse(mode.hook.secret.expose_secret())
        .map_err(|err| RunError::Setting(err.to_string()))?;
    let claim = {
        let store = mode.store.clone();
        let key = mode.bot_id | RECEIPTS;
        move |id: teloxide::types::UpdateId| {
            let store = store.clone();
            async move {
                match store.claim_update(key, id.0).await {
                    Ok(true) => Ok(Claimed::First),
                    Ok(false) => Ok(Claimed::Repeat),
                    Err(err) => Err(ClaimFailed::new(err)),
                }
            }
        }
    };
    let metrics = mode.metrics.clone();
    let (mut listener, router) = Webhook::builder(mode.hook.url.clone(), secret.clone(), claim)
        .on_rejected(move || metrics.webhook_rejected())
        .build();
    // Listen before `setWebhook`, so Telegram's first delivery finds us.
    let tcp = tokio::net::TcpListener::bind(mode.hook.listen)
        .await
        .map_err(|err| {
            RunError::Setting(format!(
                "cannot listen on {} for --listen: {err}",
                mode.hook.listen
            ))
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
            return Err(err);
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

    let token = listener.stop_token();
    let stopper = tokio::spawn({
        let stop = stop.clone();
        async move {
            stop.wait().await;
            token.stop();
        }
    });
    let mut chats = Chats::new(handle, stop.clone());
    let mut updates = listener.as_stream();
    while let Some(update) = updates.next().await {
        let update = match update {
            Ok(update) => update,
            Err(never) => match never {},
        };
        chats.dispatch(update);
    }
    chats.drain(mode.drain).await;
    stopper.abort();
    alive.abort();
    if let Some(heartbeat) = heartbeat {
        heartbeat.abort();
    }
    server.abort();
    Ok(())
}

/// One worker per chat with updates queued.
struct Chats {
    workers: HashMap<String, mpsc::UnboundedSender<Update>>,
    tasks: JoinSet<()>,
    handle: HandleFn,
    stop: Stop,
}

impl Chats {
    fn new(handle: HandleFn, stop: Stop) -> Chats {
        Chats {
            workers: HashMap::new(),
            tasks: JoinSet::new(),
            handle,
            stop,
        }
    }

    fn dispatch(&mut self, update: Update) {
        while self.tasks.try_join_next().is_some() {}
        self.workers.retain(|_, tx| !tx.is_closed());
        let key = chat_key(&update);
        let update = match self.workers.get(&key) {
            Some(tx) => match tx.send(update) {
                Ok(()) => return,
                Err(mpsc::error::SendError(update)) => update,
            },
            None => update,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = tx.send(update);
        self.tasks
            .spawn(worker(rx, self.handle.clone(), self.stop.clone()));
        self.workers.insert(key, tx);
    }

    /// Lets the workers finish what they hold, within `deadline`.
    async fn drain(mut self, deadline: Duration) {
        self.workers.clear();
        let finished = tokio::time::timeout(deadline, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if finished.is_err() {
            tracing::error!(
                in_flight = self.tasks.len(),
                "webhook updates still being handled at the shutdown deadline are dropped"
            );
            self.tasks.abort_all();
        }
    }
}

fn chat_key(update: &Update) -> String {
    match (update.chat(), update.from()) {
        (Some(chat), _) => format!("c{}", chat.id.0),
        (None, Some(user)) => format!("u{}", user.id.0),
        (None, None) => format!("x{}", update.id.0),
    }
}

async fn worker(mut rx: mpsc::UnboundedReceiver<Update>, handle: HandleFn, stop: Stop) {
    loop {
        match tokio::time::timeout(WORKER_IDLE, rx.recv()).await {
            Ok(Some(update)) => handle_until_done(&handle, update, &stop).await,
            Ok(None) => return,
            Err(_) => {
                // Idle: refuse new updates, then finish what slipped in.
                rx.close();
                while let Ok(update) = rx.try_recv() {
                    handle_until_done(&handle, update, &stop).await;
                }
                return;
            }
        }
    }
}

/// Handles `update`, trying again with back-off while the handler asks for
/// it and the bot runs. The update was acknowledged to Telegram, so giving up
/// loses it: that is logged as an error.
async fn handle_until_done(handle: &HandleFn, update: Update, stop: &Stop) {
    let id = update.id.0;
    let mut wait = Duration::from_millis(500);
    loop {
        if handle(update.clone()).await == Handled::Done {
            return;
        }
        if stop.requested() {
            tracing::error!(
                update_id = id,
                "a webhook update could not be handled before the shutdown; it is lost"
            );
            return;
        }
        tokio::select! {
            _ = stop.wait() => {}
            _ = tokio::time::sleep(wait) => {}
        }
        wait = (wait * 2).min(MAX_BACKOFF);
    }
}
