//! The `wawp-bot` processes of a run, each in webhook mode and sandbox mode
//! on the one store, killed when dropped.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use wawp_bench_report::UNPACED_REPLY_RATE;
use wawp_testkit::FakeTelegram;

/// The secret token Telegram would repeat in each webhook request.
pub const SECRET: &str = "wawp-bench_webhook-SECRET";

/// The path of the webhook route.
pub const PATH: &str = "/hook";

/// How long the replicas get to register their webhooks.
const STARTUP: Duration = Duration::from_secs(60);

/// What every replica is started with.
pub struct Setup<'a> {
    /// The `wawp-bot` binary.
    pub binary: &'a Path,
    /// The fake Bot API.
    pub telegram_url: &'a str,
    /// `--admins`.
    pub admins: &'a [u64],
    /// `--db`: the shared store.
    pub db: &'a str,
    /// Where the logs go (`replica-N.log`).
    pub log_dir: &'a Path,
}

/// The running replicas.
pub struct Replicas {
    children: Vec<Child>,
    /// Where each one listens, in order.
    pub listens: Vec<SocketAddr>,
    logs: Vec<PathBuf>,
}

impl Replicas {
    /// Starts `count` replicas, each on a free port of 127.0.0.1.
    pub fn start(setup: &Setup, count: usize) -> anyhow::Result<Replicas> {
        let mut replicas = Replicas {
            children: Vec::with_capacity(count),
            listens: Vec::with_capacity(count),
            logs: Vec::with_capacity(count),
        };
        let admins: Vec<String> = setup.admins.iter().map(u64::to_string).collect();
        for n in 0..count {
            let listen = free_addr()?;
            let log = setup.log_dir.join(format!("replica-{n}.log"));
            let child = Command::new(setup.binary)
                .env_clear()
                .env("TELEGRAM_BOT_TOKEN", wawp_testkit::BOT_TOKEN)
                .env("WAWP_BOT_WEBHOOK_SECRET", SECRET)
                .args(["--sandbox", "--telegram-api-url", setup.telegram_url])
                .args(["--admins", &admins.join(",")])
                // In the environment: a PostgreSQL URL holds a password.
                .env("WAWP_BOT_DB", setup.db)
                .args(["--send-limit", "10000"])
                .args(["--reply-rate", &UNPACED_REPLY_RATE.to_string()])
                .args(["--webhook-url", &format!("http://{listen}{PATH}")])
                .args(["--listen", &listen.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log)?)
                .spawn()
                .map_err(|e| anyhow::anyhow!("cannot start {}: {e}", setup.binary.display()))?;
            replicas.children.push(child);
            replicas.listens.push(listen);
            replicas.logs.push(log);
        }
        Ok(replicas)
    }

    /// Waits until every replica has called `setWebhook` (each listens
    /// before it does); returns when the last one did.
    pub async fn ready(&mut self, fake: &FakeTelegram) -> anyhow::Result<Instant> {
        let deadline = Instant::now() + STARTUP;
        loop {
            let calls = fake.calls_to("setWebhook");
            if calls.len() >= self.children.len() {
                return Ok(calls[self.children.len() - 1].at);
            }
            self.check_alive("before its setWebhook")?;
            if Instant::now() > deadline {
                anyhow::bail!(
                    "{} of {} replicas called setWebhook within {} s",
                    calls.len(),
                    self.children.len(),
                    STARTUP.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Fails if a replica has exited.
    pub fn check_alive(&mut self, when: &str) -> anyhow::Result<()> {
        for (n, child) in self.children.iter_mut().enumerate() {
            if let Some(status) = child.try_wait()? {
                anyhow::bail!("replica {n} exited {when}: {status}");
            }
        }
        Ok(())
    }

    /// The last lines of each replica's log, for an error message.
    pub fn log_tails(&self) -> String {
        let mut out = String::new();
        for (n, path) in self.logs.iter().enumerate() {
            let log = std::fs::read_to_string(path).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            let tail = match &lines[lines.len().saturating_sub(5)..] {
                [] => "(nothing)".to_owned(),
                tail => tail.join("\n"),
            };
            out.push_str(&format!("\nreplica {n}'s last log lines:\n{tail}"));
        }
        out
    }

    /// Kills every replica and waits for it.
    pub fn stop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.children.clear();
    }
}

impl Drop for Replicas {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port of 127.0.0.1 free right now.
fn free_addr() -> anyhow::Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}
