//! The bot end to end: the release `wawp-bot` binary, started as its own
//! process in sandbox mode (`--sandbox`: an in-process fake Wawp), talks to a
//! fake Bot API on 127.0.0.1 in this process. Measured: start-up (spawn →
//! first `getUpdates`), the bot's resident set once idle, then admins'
//! `/send` commands timed from the `getUpdates` answer that carried each to
//! the `sendMessage` answering it, and the bot's peak resident set.

mod fake;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wawp_bench_report::{BotRun, Summary};

use crate::memory::memory_kib;
use fake::{FIRST_ADMIN, Fake};

/// How long the bot sits idle after its first `getUpdates` before its
/// resident set is read.
const SETTLE: Duration = Duration::from_millis(500);

/// Starts the fake and the bot, runs `commands` spread over `admins`.
pub async fn run(binary: &Path, commands: usize, admins: usize) -> anyhow::Result<BotRun> {
    let fake = Arc::new(Fake::new(commands, admins));
    let api = fake::serve(fake.clone()).await?;
    let dir = tempfile::tempdir()?;
    let log_path = dir.path().join("bot.log");
    let admin_ids: Vec<String> = (0..admins)
        .map(|a| (FIRST_ADMIN + a as i64).to_string())
        .collect();
    let spawned = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .env("TELEGRAM_BOT_TOKEN", "123456:bench-token")
        .args(["--sandbox", "--telegram-api-url", &api])
        .args(["--admins", &admin_ids.join(",")])
        .arg("--db")
        .arg(dir.path().join("audit.sqlite3"))
        .args(["--send-limit", "10000"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path)?)
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot start {}: {e}", binary.display()))?;
    let result = measure(&fake, &mut child, spawned, commands).await;
    let _ = child.kill();
    let _ = child.wait();
    result.map_err(|e| {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(10).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        anyhow::anyhow!("{e}; the bot's last log lines:\n{}", tail.join("\n"))
    })
}

async fn measure(
    fake: &Fake,
    child: &mut Child,
    spawned: Instant,
    commands: usize,
) -> anyhow::Result<BotRun> {
    let pid = child.id();
    let deadline = spawned + Duration::from_secs(60);
    let first_poll = loop {
        if let Some(at) = fake.first_poll() {
            break at;
        }
        if let Some(status) = child.try_wait()? {
            anyhow::bail!("the bot exited before its first getUpdates: {status}");
        }
        if Instant::now() > deadline {
            anyhow::bail!("no getUpdates from the bot within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let startup = first_poll - spawned;
    tokio::time::sleep(SETTLE).await;
    let idle_rss_kib = memory_kib(pid).map(|m| m.1).unwrap_or(0);

    let start = Instant::now();
    fake.start();
    let outcome = tokio::time::timeout(Duration::from_secs(120), fake.finished()).await;
    let elapsed = start.elapsed();
    let peak_rss_kib = memory_kib(pid).map(|m| m.0).unwrap_or(0);
    if let Some(status) = child.try_wait()? {
        anyhow::bail!("the bot exited during the run: {status}");
    }
    let (latencies, stray) = fake.results();
    let unanswered = if outcome.is_err() {
        commands.saturating_sub(latencies.len())
    } else {
        0
    };
    Ok(BotRun {
        admins: fake.admins(),
        summary: Summary::new(latencies, stray + unanswered, elapsed),
        startup_ms: startup.as_secs_f64() * 1e3,
        idle_rss_kib,
        peak_rss_kib,
    })
}
