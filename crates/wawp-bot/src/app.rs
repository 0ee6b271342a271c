//! Starting, running and stopping the bot.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use teloxide::dispatching::Dispatcher;
use teloxide::prelude::*;
use teloxide::update_listeners::Polling;
use teloxide::utils::command::BotCommands;

use crate::backend::{Backend, BackendError};
use crate::commands::Command;
use crate::config::Config;
use crate::handlers::{self, Admins, HandlerError, Settings, TgBot};
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
    let target = config.store.clone();
    let db = Db::open(&target)
        .await
        .map_err(|source| RunError::Db {
            path: target.to_string(),
            source,
        })?
        .with_clock(options.clock.clone());
    prune(&db).await;

    let backend = Backend::connect(&config).await?;
    let result = serve(&config, options, db.clone(), &backend, shutdown).await;

    if let Err(err) = db.close() {
        tracing::error!(error = %err, "closing the database failed");
    }
    backend.shutdown().await;
    tracing::info!("stopped");
    result
}

async fn serve(
    config: &Config,
    _options: Options,
    db: Db,
    backend: &Backend,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    let bot = telegram_bot(config)?;

    let me = bot.get_me().await.map_err(|err| match &err {
        teloxide::RequestError::Api(teloxide::ApiError::InvalidToken) => {
            RunError::TelegramToken(describe_telegram_error(&err))
        }
        _ => RunError::Telegram(describe_telegram_error(&err)),
    })?;
    tracing::info!(bot = %me.username(), admins = config.admins.len(), "connected to Telegram");

    if let Err(err) = bot.set_my_commands(Command::bot_commands()).await {
        tracing::warn!(error = %describe_telegram_error(&err), "cannot register the commands (setMyCommands)");
    }
    delete_webhook(&bot).await?;

    let listener = Polling::builder(bot.clone())
        .timeout(config.poll_timeout)
        .build();

    let deps = dptree::deps![
        db.clone(),
        backend.wawp.clone(),
        Admins(Arc::new(config.admins.clone())),
        SendLimit {
            limit: config.send_limit,
            window: Duration::from_secs(60),
        },
        Settings {
            bot_id: me.id.0,
            max_update_age: config.max_update_age,
        }
    ];
    let mut dispatcher = Dispatcher::builder(bot, handlers::schema())
        .dependencies(deps)
        .default_handler(|_update| async {})
        .error_handler(Arc::new(|err: HandlerError| async move {
            tracing::error!(error = %err, "handling an update failed");
        }))
        .build();

    let stopper = crate::shutdown::stop_on(shutdown, dispatcher.shutdown_token());
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
    let result = dispatcher
        .try_dispatch_with_listener(
            listener,
            Arc::new(|err: teloxide::RequestError| async move {
                tracing::warn!(error = %describe_telegram_error(&err), "getting updates failed; retrying");
            }),
        )
        .await
        .map_err(|err| RunError::Telegram(describe_telegram_error(&err)));
    pruner.abort();
    stopper.abort();
    result
}

/// The Bot API client: teloxide's recommended reqwest settings and the
/// configured server.
fn telegram_bot(config: &Config) -> Result<TgBot, RunError> {
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
