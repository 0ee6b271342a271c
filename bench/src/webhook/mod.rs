//! The bot in webhook mode: `replicas` `wawp-bot` processes, each in
//! sandbox mode (an in-process fake Wawp) and webhook mode, all on one
//! store (a SQLite file, or a fresh PostgreSQL schema), with the test kit's
//! fake Bot API on 127.0.0.1 in this process. Admins' `/send` commands
//! are POSTed to the replicas as Telegram would (each update once, again
//! only on 503), each admin sending its next once answered; each is timed
//! from the start of its POST to the `sendMessage` answering it.

mod load;
mod replicas;
mod slow_wawp;
mod store;
mod stream;
pub mod takeover;
mod tally;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use wawp_bench_report::{Store, Summary, UNPACED_REPLY_RATE, WebhookRun};
use wawp_testkit::FakeTelegram;

use load::{Admin, AdminRun, route_replies, share};
use replicas::{Replicas, Setup};
use store::Shared;

/// The first admin's Telegram user id; the others follow.
const FIRST_ADMIN: u64 = 2001;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// The `wawp-bot` binary.
    pub binary: &'a Path,
    /// Commands in all.
    pub commands: usize,
    /// Admins sending them.
    pub admins: usize,
    /// `wawp-bot` processes.
    pub replicas: usize,
    /// The store they share.
    pub store: Store,
    /// The PostgreSQL server for [`Store::Postgres`].
    pub pg_url: Option<&'a str>,
}

/// Starts the fake, the store and the replicas; runs the load.
pub async fn run(options: &Options<'_>) -> anyhow::Result<WebhookRun> {
    anyhow::ensure!(
        options.admins > 0 && options.replicas > 0,
        "give at least one admin and one replica"
    );
    let dir = tempfile::tempdir()?;
    let fake = FakeTelegram::start().await;
    let shared = Shared::create(options.store, dir.path(), options.pg_url).await?;
    let admins: Vec<u64> = (0..options.admins as u64)
        .map(|a| FIRST_ADMIN + a)
        .collect();
    let replies = route_replies(&fake, &admins);
    let db = shared.target();
    let setup = Setup {
        binary: options.binary,
        telegram_url: &fake.url(),
        admins: &admins,
        db: &db,
        log_dir: dir.path(),
        wawp_url: None,
        reply_rate: Some(UNPACED_REPLY_RATE),
    };
    let spawned = Instant::now();
    let result = match Replicas::start(&setup, options.replicas) {
        Ok(mut replicas) => {
            let result = measure(options, &fake, &mut replicas, replies, spawned).await;
            replicas.stop();
            result.map_err(|e| anyhow::anyhow!("{e}{}", replicas.log_tails()))
        }
        Err(e) => Err(e),
    };
    // The schema goes whatever happened; a run that failed reports that.
    let removed = shared.remove().await;
    let run = result?;
    removed?;
    Ok(run)
}

async fn measure(
    options: &Options<'_>,
    fake: &FakeTelegram,
    replicas: &mut Replicas,
    mut replies: HashMap<u64, tokio::sync::mpsc::UnboundedReceiver<()>>,
    spawned: Instant,
) -> anyhow::Result<WebhookRun> {
    let ready = replicas.ready(fake).await?;
    let startup = ready.saturating_duration_since(spawned);

    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()?;
    let listens = Arc::new(replicas.listens.clone());
    let phones = Arc::new(AtomicU64::new(1));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for number in 0..options.admins {
        let id = FIRST_ADMIN + number as u64;
        let admin = Admin {
            id,
            number,
            commands: share(number, options.commands, options.admins),
            listens: listens.clone(),
            replies: replies.remove(&id).expect("a reply route per admin"),
        };
        let (client, phones) = (client.clone(), phones.clone());
        tasks.spawn(async move { (id as i64, admin.run(client, phones).await) });
    }
    let mut starts = HashMap::new();
    let (mut errors, mut retries) = (0, 0);
    while let Some(done) = tasks.join_next().await {
        let (
            chat,
            AdminRun {
                starts: mine,
                errors: e,
                retries: r,
            },
        ) = done?;
        starts.insert(chat, mine);
        errors += e;
        retries += r;
    }
    let elapsed = start.elapsed();
    replicas.check_alive("during the run")?;
    let (latencies, unmatched) = crate::pairing::pair(&starts, &fake.sent());
    Ok(WebhookRun {
        store: options.store,
        replicas: options.replicas,
        admins: options.admins,
        summary: Summary::new(
            latencies,
            errors + unmatched + fake.rejected().len(),
            elapsed,
        ),
        startup_ms: startup.as_secs_f64() * 1e3,
        retries,
    })
}
