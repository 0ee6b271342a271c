//! The `wawp-bot` processes of a run, each in webhook mode and sandbox mode
//! on the one store, killed when dropped.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
    /// The Wawp to call (a fake on 127.0.0.1); `None`: `--sandbox`, an
    /// in-process fake in each replica.
    pub wawp_url: Option<&'a str>,
    /// `--reply-rate`, the bot's total; `None`: the bot's default.
    pub reply_rate: Option<u32>,
}

/// The running replicas.
pub struct Replicas {
    children: Vec<Child>,
    /// Where each one listens, in order.
    pub listens: Vec<SocketAddr>,
    logs: Vec<PathBuf>,
    /// The binary, and the arguments and environment every replica shares.
    binary: PathBuf,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
}

impl Replicas {
    /// Starts `count` replicas, each on a free port of 127.0.0.1.
    pub fn start(setup: &Setup, count: usize) -> anyhow::Result<Replicas> {
        let admins: Vec<String> = setup.admins.iter().map(u64::to_string).collect();
        let mut args: Vec<String> = vec![
            "--telegram-api-url".into(),
            setup.telegram_url.into(),
            "--admins".into(),
            admins.join(","),
            "--send-limit".into(),
            "10000".into(),
        ];
        let mut env = vec![
            ("TELEGRAM_BOT_TOKEN", wawp_testkit::BOT_TOKEN.to_owned()),
            ("WAWP_BOT_WEBHOOK_SECRET", SECRET.to_owned()),
            // In the environment: a PostgreSQL URL holds a password.
            ("WAWP_BOT_DB", setup.db.to_owned()),
        ];
        match setup.wawp_url {
            None => args.push("--sandbox".into()),
            Some(url) => env.extend([
                ("WAWP_BASE_URL", url.to_owned()),
                (
                    "WAWP_INSTANCE_ID",
                    wawp_testkit::wawp::INSTANCE_ID.to_owned(),
                ),
                (
                    "WAWP_ACCESS_TOKEN",
                    wawp_testkit::wawp::ACCESS_TOKEN.to_owned(),
                ),
            ]),
        }
        if let Some(rate) = setup.reply_rate {
            args.extend(["--reply-rate".into(), rate.to_string()]);
        }
        let mut replicas = Replicas {
            children: Vec::with_capacity(count),
            listens: Vec::with_capacity(count),
            logs: Vec::with_capacity(count),
            binary: setup.binary.to_owned(),
            args,
            env,
        };
        for n in 0..count {
            replicas.listens.push(free_addr()?);
            replicas
                .logs
                .push(setup.log_dir.join(format!("replica-{n}.log")));
            let child = replicas.spawn(n)?;
            replicas.children.push(child);
        }
        Ok(replicas)
    }

    /// Starts replica `n` on its address, appending to its log.
    fn spawn(&self, n: usize) -> anyhow::Result<Child> {
        let listen = self.listens[n];
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(&self.logs[n])?;
        Command::new(&self.binary)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(&self.args)
            .args(["--webhook-url", &format!("http://{listen}{PATH}")])
            .args(["--listen", &listen.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| anyhow::anyhow!("cannot start {}: {e}", self.binary.display()))
    }

    /// SIGKILLs replica `n`, waits for it, and starts it again on the same
    /// address; returns the moment it died.
    pub fn kill_and_restart(&mut self, n: usize) -> anyhow::Result<Instant> {
        // Child::kill is SIGKILL on Unix: no shutdown, no drain.
        self.children[n].kill()?;
        self.children[n].wait()?;
        let died = Instant::now();
        self.children[n] = self.spawn(n)?;
        Ok(died)
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
