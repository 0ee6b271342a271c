//! Starting, running and stopping the bot.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use std::ops::ControlFlow;

use teloxide::prelude::*;
use teloxide::types::Me;

use crate::backend::{Backend, BackendError};
use crate::config::Config;
use crate::delivery::Outbox;
use crate::handlers::{self, Admins, Ctx, Settings};
use crate::listener::{self, HandleFn, Handled, Polling, Stop};
use crate::store::{
    Clock, KEEP_CLAIMS, SendLimit, Store as Db, StoreError as DbError, SystemClock,
};
use crate::telemetry::describe_telegram_error;

/// How often old claimed update ids are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Why the bot could not start (or stopped with an error). `Display` is one
/// line without secrets.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The audit database cannot be opened.
    #[error("cannot open the audit database {path}: {source}")]
    Db {
        /// The configured path.
        path: String,
        /// Why.
        source: DbError,
    },
    /// Wawp (or the sandbox) cannot be set up.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// Telegram refused the bot token.
    #[error("Telegram refused the bot token ({0}): check TELEGRAM_BOT_TOKEN")]
    TelegramToken(String),
    /// Telegram could not be reached at start.
    #[error("cannot start talking to Telegram: {0}")]
    Telegram(String),
}

impl RunError {
    /// The process exit code: 2 for a setting to fix, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::TelegramToken(_) | RunError::Backend(BackendError::Client(_)) => 2,
            _ => 1,
        }
    }
}

/// Knobs for tests; production uses [`Options::default`].
pub struct Options {
    /// The clock of the per-admin send limit.
    pub clock: Arc<dyn Clock>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            clock: Arc::new(SystemClock),
        }
    }
}

/// Runs the bot until `shutdown` resolves, then stops taking updates, lets
/// the ones in flight finish and closes the database.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    run_with(config, Options::default(), shutdown).await
}

/// [`run`] with [`Options`].
pub async fn run_with(
    config: Config,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    let stop = Stop::on(shutdown);
    let target = config.store.clone();
    let db = Db::open(&target)
        .await
        .map_err(|source| RunError::Db {
            path: target.to_string(),
            source,
        })?
        .with_clock(options.clock.clone());
    prune(&db).await;
    report_pending(&db).await;

    let backend = Backend::connect(&config).await?;
    let result = serve(&config, db.clone(), &backend, &stop).await;

    if let Err(err) = db.close() {
        tracing::error!(error = %err, "closing the database failed");
    }
    backend.shutdown().await;
    tracing::info!("stopped");
    result
}

async fn serve(config: &Config, db: Db, backend: &Backend, stop: &Stop) -> Result<(), RunError> {
    let bot = telegram_bot(config)?;
    // Starting talks to Telegram; a stop meanwhile ends it at once.
    let me = tokio::select! {
        _ = stop.wait() => return Ok(()),
        me = connect(&bot) => me?,
    };
    tracing::info!(bot = %me.username(), admins = config.admins.len(), "connected to Telegram");

    let ctx = Ctx {
        bot: bot.clone(),
        me: me.clone(),
        outbox: Outbox::default(),
        db: db.clone(),
        wawp: backend.wawp.clone(),
        admins: Admins(Arc::new(config.admins.clone())),
        settings: Settings {
            bot_id: me.id.0,
            max_update_age: config.max_update_age,
        },
        menus: Arc::default(),
        limiter: SendLimit {
            limit: config.send_limit,
            window: Duration::from_secs(60),
        },
    };
    let deps = dptree::deps![ctx];
    let tree = Arc::new(handlers::schema());
    let handle: HandleFn = Arc::new(move |update: Update| {
        let tree = Arc::clone(&tree);
        let mut deps = deps.clone();
        Box::pin(async move {
            let id = update.id.0;
            deps.insert(update);
            match tree.dispatch(deps).await {
                ControlFlow::Break(Ok(())) | ControlFlow::Continue(_) => Handled::Done,
                ControlFlow::Break(Err(err)) if err.is_transient() => {
                    tracing::error!(update_id = id, error = %err, "handling an update failed; it is kept and tried again");
                    Handled::Retry
                }
                ControlFlow::Break(Err(err)) => {
                    tracing::error!(update_id = id, error = %err, "handling an update failed");
                    Handled::Done
                }
            }
        })
    });

    let pruner = tokio::spawn({
        let db = db.clone();
        async move {
            let mut every = tokio::time::interval(PRUNE_EVERY);
            every.tick().await;
            loop {
                every.tick().await;
                prune(&db).await;
            }
        }
    });

    tracing::info!("polling for updates");
    let polling = Polling {
        timeout: config.poll_timeout,
        drain: config.shutdown_timeout,
    };
    listener::run(&bot, polling, stop, handle).await;
    pruner.abort();
    Ok(())
}

/// `getMe`, the command menu, and no webhook.
async fn connect(bot: &Bot) -> Result<Me, RunError> {
    let me = bot.get_me().await.map_err(|err| match &err {
        teloxide::RequestError::Api(teloxide::ApiError::InvalidToken) => {
            RunError::TelegramToken(describe_telegram_error(&err))
        }
        _ => RunError::Telegram(describe_telegram_error(&err)),
    })?;
    crate::menu::register_default(bot).await;
    delete_webhook(bot).await?;
    Ok(me)
}

/// The Bot API client: teloxide's recommended reqwest settings and the
/// configured server.
fn telegram_bot(config: &Config) -> Result<Bot, RunError> {
    let client = teloxide::net::default_reqwest_settings()
        .build()
        .map_err(|_| RunError::Telegram("cannot build the HTTP client".into()))?;
    let token = config
        .telegram_token
        .as_ref()
        .ok_or_else(|| RunError::Telegram("--console is not available in this build".into()))?;
    Ok(
        Bot::with_client(token.expose_secret(), client)
            .set_api_url(config.telegram_api_url.clone()),
    )
}

/// Long polling needs no webhook: remove one left by an earlier deployment.
async fn delete_webhook(bot: &Bot) -> Result<(), RunError> {
    let info = bot
        .get_webhook_info()
        .await
        .map_err(|err| RunError::Telegram(describe_telegram_error(&err)))?;
    if info.url.is_some() {
        tracing::warn!("a webhook was set; deleting it to use long polling");
        bot.delete_webhook()
            .await
            .map_err(|err| RunError::Telegram(describe_telegram_error(&err)))?;
    }
    Ok(())
}

/// Rows left `pending` by a crash: the outcome of those Wawp calls is
/// unknown (`/history` says so). One WARN line with the count and ids.
async fn report_pending(db: &Db) {
    match db.pending().await {
        Ok(report) if report.count == 0 => {}
        Ok(report) => tracing::warn!(
            count = report.count,
            ids = ?report.ids,
            "audit rows left pending by an earlier run: their outcome is unknown (check with Wawp before sending again)"
        ),
        Err(err) => tracing::warn!(error = %err, "cannot look for audit rows left pending"),
    }
}

async fn prune(db: &Db) {
    match db.prune_claims(KEEP_CLAIMS).await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(pruned = n, "forgot old update ids"),
        Err(err) => tracing::warn!(error = %err, "pruning old update ids failed"),
    }
}
