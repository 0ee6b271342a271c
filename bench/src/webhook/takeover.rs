//! The open-loop rows on three webhook replicas sharing a PostgreSQL
//! schema: one replica SIGKILLed (and restarted) under load, and the bot's
//! default reply pace against a fake Bot API applying Telegram's flood
//! limit. Each command comes from a chat of its own, so each reply names
//! its command.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wawp_bench_report::{KILL_WAWP_DELAY_MS, KillRun, PaceRun, Store, Summary, UNPACED_REPLY_RATE};
use wawp_testkit::FakeTelegram;
use wawp_testkit::wawp::CountingWawp;

use super::replicas::{Replicas, Setup};
use super::store::Shared;
use super::stream::{Delivery, Stream};
use super::tally::{self, Counted};

/// The first command's chat; each next command has the next.
const FIRST_CHAT: u64 = 300_001;

/// The chat of the one command answered before the load starts: the
/// store's first reply makes its shared reply budget, which a fresh schema
/// lacks (replicas racing to create it have been seen to stall every
/// acknowledgement for PostgreSQL's 5 s lock timeout), and each replica's
/// pools warm up.
const WARM_UP_CHAT: u64 = FIRST_CHAT - 1;

/// Telegram's flood limit for one bot, messages a second.
pub const TELEGRAM_LIMIT: usize = 30;

/// How long an extra (duplicate) reply is waited for once every command
/// is answered.
const LINGER: Duration = Duration::from_secs(2);

/// What to run.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// The `wawp-bot` binary.
    pub binary: &'a std::path::Path,
    /// Commands in all.
    pub commands: usize,
    /// Commands POSTed a second.
    pub per_second: usize,
    /// `wawp-bot` processes.
    pub replicas: usize,
    /// The PostgreSQL server.
    pub pg_url: &'a str,
}

/// The SIGKILL row: replica 0 is SIGKILLed and restarted `kills` times,
/// evenly through the run, while the commands keep coming.
pub async fn kill(options: &Options<'_>, kills: usize) -> anyhow::Result<KillRun> {
    let wawp = CountingWawp::start().await;
    let slow =
        super::slow_wawp::start(&wawp.base_url, Duration::from_millis(KILL_WAWP_DELAY_MS)).await?;
    let fake = FakeTelegram::start().await;
    let mut cluster = Cluster::start(options, &fake, Some(&slow), Some(UNPACED_REPLY_RATE)).await?;
    let every = cluster.stream.duration() / (kills as u32 + 1);
    let start = Instant::now();
    let replicas = &mut cluster.replicas;
    let killing = async {
        let mut times = Vec::with_capacity(kills);
        for k in 1..=kills {
            tokio::time::sleep_until((start + every * k as u32).into()).await;
            times.push(replicas.kill_and_restart(0)?);
        }
        anyhow::Ok(times)
    };
    let (deliveries, kill_times) = tokio::join!(cluster.stream.run(&cluster.client), killing);
    let elapsed = start.elapsed();
    let kill_times = match kill_times {
        Ok(times) => times,
        Err(e) => return Err(cluster.abandon(e).await),
    };
    let sent = cluster
        .finish(&fake, &deliveries, Duration::from_secs(90))
        .await?;
    let counted = tally::count(&deliveries, &sent);
    let held = tally::held(&counted, &kill_times);
    let messages = wawp.state.messages();
    let phones: std::collections::HashSet<&str> =
        messages.iter().map(|m| m.chat_id.as_str()).collect();
    Ok(KillRun {
        replicas: options.replicas,
        per_second: options.per_second,
        kills,
        duplicate_sends: messages.len() - phones.len(),
        held: held.len(),
        held_p99_ms: tally::quantile_ms(&held, 0.99),
        held_max_ms: tally::quantile_ms(&held, 1.0),
        summary: summary(&counted, elapsed),
        tally: counted.tally,
    })
}

/// The reply-pace row: the bot's default `--reply-rate` against a fake
/// that answers 429 (`retry_after` 1) beyond [`TELEGRAM_LIMIT`] a second.
pub async fn pace(options: &Options<'_>) -> anyhow::Result<PaceRun> {
    let fake = FakeTelegram::builder()
        .sends_per_second(TELEGRAM_LIMIT)
        .start()
        .await;
    let cluster = Cluster::start(options, &fake, None, None).await?;
    let start = Instant::now();
    let deliveries = cluster.stream.run(&cluster.client).await;
    let elapsed = start.elapsed();
    // The replies drain at the pace: give them the time that takes and more.
    let drain = Duration::from_secs(60 + options.commands as u64 / 10);
    let sent = cluster.finish(&fake, &deliveries, drain).await?;
    let counted = tally::count(&deliveries, &sent);
    let times: Vec<Instant> = sent.iter().map(|s| s.at).collect();
    let span = match (times.first(), times.last()) {
        (Some(first), Some(last)) => last.duration_since(*first).as_secs_f64(),
        _ => 0.0,
    };
    Ok(PaceRun {
        replicas: options.replicas,
        per_second: options.per_second,
        telegram_limit: TELEGRAM_LIMIT,
        max_per_second: tally::busiest_second(&times),
        mean_per_second: if span > 0.0 {
            (times.len() - 1) as f64 / span
        } else {
            0.0
        },
        throttled: fake.send_attempts() - sent.len() - fake.rejected().len(),
        summary: summary(&counted, elapsed),
        tally: counted.tally,
    })
}

/// The latency of every answered command; the errors are the commands no
/// replica took (a failure of the load, which voids the run).
fn summary(counted: &Counted, elapsed: Duration) -> Summary {
    Summary::new(
        counted.answered.iter().map(|a| a.3).collect(),
        counted.tally.undelivered,
        elapsed,
    )
}

/// The replicas of a run on their schema, and the load ready to go.
struct Cluster {
    replicas: Replicas,
    stream: Stream,
    client: reqwest::Client,
    shared: Shared,
    /// Holds the replicas' logs.
    _dir: tempfile::TempDir,
}

impl Cluster {
    /// A fresh schema, `options.replicas` replicas on it, ready.
    async fn start(
        options: &Options<'_>,
        fake: &FakeTelegram,
        wawp_url: Option<&str>,
        reply_rate: Option<u32>,
    ) -> anyhow::Result<Cluster> {
        anyhow::ensure!(
            options.replicas > 0 && options.per_second > 0 && options.commands > 0,
            "give at least one replica, one command and a rate above 0"
        );
        let dir = tempfile::tempdir()?;
        let shared = Shared::create(Store::Postgres, dir.path(), Some(options.pg_url)).await?;
        let admins: Vec<u64> = (0..=options.commands as u64)
            .map(|n| WARM_UP_CHAT + n)
            .collect();
        let db = shared.target();
        let setup = Setup {
            binary: options.binary,
            telegram_url: &fake.url(),
            admins: &admins,
            db: &db,
            log_dir: dir.path(),
            wawp_url,
            reply_rate,
        };
        let started = async {
            let mut replicas = Replicas::start(&setup, options.replicas)?;
            if let Err(e) = replicas.ready(fake).await {
                anyhow::bail!("{e}{}", replicas.log_tails());
            }
            let client = reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(30))
                .build()?;
            if let Err(e) = warm_up(fake, &replicas, &client).await {
                anyhow::bail!("{e}{}", replicas.log_tails());
            }
            anyhow::Ok((replicas, client))
        }
        .await;
        let (replicas, client) = match started {
            Ok(started) => started,
            Err(e) => {
                shared.remove().await?;
                return Err(e);
            }
        };
        let stream = Stream {
            listens: Arc::new(replicas.listens.clone()),
            commands: options.commands,
            per_second: options.per_second,
            first_chat: FIRST_CHAT,
        };
        Ok(Cluster {
            replicas,
            stream,
            client,
            shared,
            _dir: dir,
        })
    }

    /// Waits up to `drain` for every acknowledged command to be answered,
    /// then [`LINGER`] for any extra reply; stops the replicas and drops
    /// the schema. Returns the messages the fake took.
    async fn finish(
        mut self,
        fake: &FakeTelegram,
        deliveries: &[Delivery],
        drain: Duration,
    ) -> anyhow::Result<Vec<wawp_testkit::Sent>> {
        let give_up = Instant::now() + drain;
        while !tally::all_answered(deliveries, &fake.sent()) && Instant::now() < give_up {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(LINGER).await;
        let mut sent = fake.sent();
        sent.retain(|s| s.chat_id != WARM_UP_CHAT as i64);
        if let Err(e) = self.replicas.check_alive("during the run") {
            return Err(self.abandon(e).await);
        }
        self.replicas.stop();
        self.shared.remove().await?;
        Ok(sent)
    }

    /// Stops the replicas and drops the schema after `error`; returns it
    /// with the replicas' last log lines.
    async fn abandon(mut self, error: anyhow::Error) -> anyhow::Error {
        let error = anyhow::anyhow!("{error}{}", self.replicas.log_tails());
        self.replicas.stop();
        match self.shared.remove().await {
            Ok(()) => error,
            Err(e) => error.context(e),
        }
    }
}

/// Sends the one warm-up command and waits for its reply.
async fn warm_up(
    fake: &FakeTelegram,
    replicas: &Replicas,
    client: &reqwest::Client,
) -> anyhow::Result<()> {
    let once = Stream {
        listens: Arc::new(replicas.listens.clone()),
        commands: 1,
        per_second: 1,
        first_chat: WARM_UP_CHAT,
    };
    anyhow::ensure!(
        once.run(client).await.iter().all(|d| d.acked.is_some()),
        "no replica took the warm-up command"
    );
    let give_up = Instant::now() + Duration::from_secs(60);
    while fake.sent().is_empty() {
        anyhow::ensure!(
            Instant::now() < give_up,
            "the warm-up command had no reply within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}
