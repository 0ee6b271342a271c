//! Starting, running and stopping the bot.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;

use teloxide::prelude::*;
use teloxide::types::Me;

use crate::backend::Backend;
use crate::config::Config;
use crate::delivery::Outbox;
pub use crate::error::RunError;
use crate::handlers::{Admins, Ctx, Settings};
use crate::inbox::Receiver;
use crate::ops::wiring::Noted;
use crate::ops::{Metrics, Readiness};
use crate::service::Service;
use crate::startup::with_backoff;
use crate::stop::Stop;
use crate::store::{Clock, KEEP_CLAIMS, SendLimit, Store as Db, SystemClock};
use crate::worker::{self, HandleFn};

/// How often old claimed update ids are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

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
    let db = Db::open_as(&target, config.runs())
        .await
        .map_err(|source| RunError::Db {
            path: target.to_string(),
            source,
        })?
        .with_clock(options.clock.clone());
    let stop = if config.console {
        // Every line typed is in the inbox once the console sees it
        // confirmed: let the workers and the sender finish them before the
        // stop, so the session prints every answer.
        let (db, bot_id, within) = (db.clone(), config.bot_id(), config.shutdown_timeout);
        Stop::on(async move {
            shutdown.await;
            drained(&db, bot_id, within).await;
        })
    } else {
        Stop::on(shutdown)
    };
    prune(&db).await;
    report_pending(&db).await;

    let (metrics, readiness, ops_server) = crate::ops::wiring::start(&config, &db, &stop).await?;
    let backend = Backend::connect(&config).await?;
    let result = serve(&config, db.clone(), &backend, &stop, metrics, readiness).await;
    if let Some(ops_server) = ops_server {
        ops_server.abort();
    }

    if let Err(err) = db.close() {
        tracing::error!(error = %err, "closing the database failed");
    }
    backend.shutdown().await;
    tracing::info!("stopped");
    result
}

async fn serve(
    config: &Config,
    db: Db,
    backend: &Backend,
    stop: &Stop,
    metrics: Metrics,
    readiness: Readiness,
) -> Result<(), RunError> {
    let bot = telegram_bot(config)?;
    let Some(leader) = crate::polling::lead(config, stop, &readiness).await? else {
        return Ok(());
    };
    // Starting talks to Telegram (retried until it answers); a stop
    // meanwhile ends it at once.
    let Some(me) = connect(&bot, config, stop, &metrics).await? else {
        return Ok(());
    };
    tracing::info!(bot = %me.username(), admins = config.admins.len(), "connected to Telegram");

    let outbox = Outbox::new(db.clone(), me.id.0);
    let ctx = Ctx {
        bot: bot.clone(),
        me: me.clone(),
        outbox: outbox.clone(),
        db: db.clone(),
        wawp: backend.wawp.clone(),
        admins: Admins(Arc::new(config.admins.clone())),
        settings: Settings {
            bot_id: me.id.0,
            max_update_age: config.max_update_age,
        },
        menus: Arc::new(crate::menu::Menus::new(bot.clone(), db.clone(), me.id.0)),
        limiter: SendLimit {
            limit: config.send_limit,
            window: config.send_window,
        },
        metrics: metrics.clone(),
        noted: Noted::default(),
    };
    let handle: HandleFn = {
        let service = Arc::new(Service::new(ctx, metrics.clone(), me.username()));
        Arc::new(move |update: Update| {
            let service = Arc::clone(&service);
            Box::pin(async move { service.handle(update).await })
        })
    };

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

    let retention = config
        .audit_retention
        .map(|keep| tokio::spawn(crate::upkeep::prune_audit_daily(db.clone(), keep)));

    // One process on SQLite: leases left by an earlier run that crashed
    // are its own; take its rows again at once rather than after the lease.
    // (PostgreSQL: they may be another live replica's; they expire.)
    if db.kind() == "sqlite" {
        match db.release_all_leases(me.id.0).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                rows = n,
                "taking back the inbox and outbox rows an earlier run held"
            ),
            Err(err) => {
                tracing::warn!(error = %err, "cannot take back the rows an earlier run held; they come back once their lease expires")
            }
        }
    }
    // Receive → inbox (the store) → the worker pool → the handler tree.
    let inbox = Receiver::new(db.clone(), me.id.0, Arc::new(config.admins.clone()));
    let drained = tokio_util::sync::CancellationToken::new();
    let pool = worker::Pool {
        store: db.clone(),
        bot_id: me.id.0,
        drain: config.shutdown_timeout,
    };
    let stop_workers = tokio_util::sync::CancellationToken::new();
    let workers = {
        let (wake, drained) = (inbox.wake(), drained.clone());
        let stop = Stop::on({
            let (stop, stop_workers) = (stop.clone(), stop_workers.clone());
            async move {
                tokio::select! {
                    _ = stop.wait() => {}
                    () = stop_workers.cancelled() => {}
                }
            }
        });
        async move {
            worker::run(pool, handle, wake, &stop).await;
            drained.cancel();
        }
    };
    // Replies: outbox (the store) → the sender → Telegram, until the workers
    // stopped (then a little longer, for their last replies).
    let sender_metrics = metrics.clone();
    let sender = crate::delivery::sender::run(
        crate::delivery::sender::Sender {
            bot: bot.clone(),
            store: db.clone(),
            bot_id: me.id.0,
            rate: config.reply_rate.get(),
            metrics: sender_metrics,
        },
        outbox.wake(),
        drained.clone(),
    );
    let receiving = async {
        let result = match &config.webhook {
            None => {
                let receiving = (metrics, readiness);
                crate::polling::poll(config, &bot, leader, stop, &inbox, receiving)
                    .await
                    .map_err(RunError::from)
            }
            Some(hook) => {
                let mode = crate::webhook::serve::Mode {
                    bot: &bot,
                    hook,
                    inbox: inbox.clone(),
                    metrics: metrics.clone(),
                    heartbeat: config.metrics_listen.is_some(),
                    drained: drained.clone(),
                    readiness,
                };
                crate::webhook::serve::run(mode, stop)
                    .await
                    .map_err(RunError::from)
            }
        };
        if result.is_err() {
            // Receiving ended with an error (a lost polling lock): the
            // workers stop too and give back what they hold.
            stop_workers.cancel();
        }
        result
    };
    let ((), result, ()) = tokio::join!(workers, receiving, sender);
    pruner.abort();
    if let Some(retention) = retention {
        retention.abort();
    }
    result
}

/// `getMe` and the command menu; with long polling, no webhook. Each call is
/// retried with back-off until Telegram answers; `None` when stopped first.
async fn connect(
    bot: &Bot,
    config: &Config,
    stop: &Stop,
    metrics: &Metrics,
) -> Result<Option<Me>, RunError> {
    let url = &config.telegram_api_url;
    let Some(me) = with_backoff(url, "getMe", stop, metrics, || bot.get_me().send()).await? else {
        return Ok(None);
    };
    crate::menu::register_default(bot).await;
    if config.webhook.is_none()
        && with_backoff(url, "deleteWebhook", stop, metrics, || delete_webhook(bot))
            .await?
            .is_none()
    {
        return Ok(None);
    }
    Ok(Some(me))
}

/// The Bot API client: teloxide's recommended reqwest settings and the
/// configured server.
fn telegram_bot(config: &Config) -> Result<Bot, RunError> {
    let client = teloxide::net::default_reqwest_settings()
        .build()
        .map_err(|_| RunError::Telegram("cannot build the HTTP client".into()))?;
    // Only `--console` leaves it unset, and the binary then sets the
    // console's own token before calling `run`.
    let token = config.telegram_token.as_ref().ok_or(RunError::NoToken)?;
    Ok(
        Bot::with_client(token.expose_secret(), client)
            .set_api_url(config.telegram_api_url.clone()),
    )
}

/// Long polling needs no webhook: remove one left by an earlier deployment.
async fn delete_webhook(bot: &Bot) -> Result<(), teloxide::RequestError> {
    let info = bot.get_webhook_info().await?;
    if info.url.is_some() {
        tracing::warn!("a webhook was set; deleting it to use long polling");
        bot.delete_webhook().await?;
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

/// Waits (at most `within`) until the inbox has no open row and the outbox
/// no queued reply for `bot_id`.
async fn drained(db: &Db, bot_id: u64, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        let inbox = db.inbox_backlog(bot_id).await;
        let outbox = db.outbox_queued(bot_id).await;
        if matches!((inbox, outbox), (Ok(0), Ok(0))) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tracing::warn!("stopping with console lines not yet answered");
}

async fn prune(db: &Db) {
    match db.prune_claims(KEEP_CLAIMS).await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(pruned = n, "forgot old update ids"),
        Err(err) => tracing::warn!(error = %err, "pruning old update ids failed"),
    }
}
