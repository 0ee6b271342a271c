//! Starting, running and stopping the bot.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use std::ops::ControlFlow;

use teloxide::prelude::*;
use teloxide::types::Me;
use teloxide::utils::command::BotCommands;

use crate::backend::{Backend, BackendError};
use crate::commands::Command;
use crate::config::Config;
use crate::db::{Db, DbError};
use crate::dedup::KEEP_CLAIMS;
use crate::handlers::{self, Admins, Settings, TgBot};
use crate::listener::{self, HandleFn, Handled, Polling, Stop};
use crate::ratelimit::{Clock, RateLimiter, SystemClock};
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

/// The default for how long commands in flight may take to finish after a
/// stop is asked for (below systemd's 30 s `TimeoutStopSec`).
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(20);

/// Knobs for tests; production uses [`Options::default`].
pub struct Options {
    /// The clock of the per-admin send limit.
    pub clock: Arc<dyn Clock>,
    /// How long commands in flight may take to finish after a stop.
    pub shutdown_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            clock: Arc::new(SystemClock),
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
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
    let db_path = config.db_path.clone();
    let db = tokio::task::spawn_blocking(move || Db::open(&db_path))
        .await
        .map_err(|e| DbError::Task(e.to_string()))
        .and_then(|r| r)
        .map_err(|source| RunError::Db {
            path: config.db_path.display().to_string(),
            source,
        })?;
    prune(&db).await;

    let backend = Backend::connect(&config).await?;
    let result = serve(&config, options, db.clone(), &backend, &stop).await;

    if let Err(err) = db.close() {
        tracing::error!(error = %err, "closing the database failed");
    }
    backend.shutdown().await;
    tracing::info!("stopped");
    result
}

async fn serve(
    config: &Config,
    options: Options,
    db: Db,
    backend: &Backend,
    stop: &Stop,
) -> Result<(), RunError> {
    let bot = telegram_bot(config)?;
    // Starting talks to Telegram; a stop meanwhile ends it at once.
    let me = tokio::select! {
        _ = stop.wait() => return Ok(()),
        me = connect(&bot) => me?,
    };
    tracing::info!(bot = %me.username(), admins = config.admins.len(), "connected to Telegram");

    let deps = dptree::deps![
        bot.clone(),
        me.clone(),
        db.clone(),
        backend.wawp.clone(),
        Admins(Arc::new(config.admins.clone())),
        Arc::new(RateLimiter::new(
            config.send_limit,
            Duration::from_secs(60),
            options.clock
        )),
        Settings {
            bot_id: me.id.0,
            max_update_age: config.max_update_age,
        }
    ];
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
        drain: options.shutdown_timeout,
    };
    listener::run(&bot, polling, stop, handle).await;
    pruner.abort();
    Ok(())
}

/// `getMe`, the command menu, and no webhook.
async fn connect(bot: &TgBot) -> Result<Me, RunError> {
    let me = bot.get_me().await.map_err(|err| match &err {
        teloxide::RequestError::Api(teloxide::ApiError::InvalidToken) => {
            RunError::TelegramToken(describe_telegram_error(&err))
        }
        _ => RunError::Telegram(describe_telegram_error(&err)),
    })?;
    if let Err(err) = bot.set_my_commands(Command::bot_commands()).await {
        tracing::warn!(error = %describe_telegram_error(&err), "cannot register the commands (setMyCommands)");
    }
    delete_webhook(bot).await?;
    Ok(me)
}

/// The Bot API client: teloxide's recommended reqwest settings and the
/// configured server.
fn telegram_bot(config: &Config) -> Result<TgBot, RunError> {
    let client = teloxide::net::default_reqwest_settings()
        .build()
        .map_err(|_| RunError::Telegram("cannot build the HTTP client".into()))?;
    Ok(
        Bot::with_client(config.telegram_token.expose_secret(), client)
            .set_api_url(config.telegram_api_url.clone()),
    )
}

/// Long polling needs no webhook: remove one left by an earlier deployment.
async fn delete_webhook(bot: &TgBot) -> Result<(), RunError> {
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

async fn prune(db: &Db) {
    match db.prune_claims(KEEP_CLAIMS).await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(pruned = n, "forgot old update ids"),
        Err(err) => tracing::warn!(error = %err, "pruning old update ids failed"),
    }
}
