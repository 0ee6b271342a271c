//! The modules wired into the running bot: metrics and readiness
//! (`--metrics-listen`), webhook mode, start-up against an unreachable
//! Telegram, audit retention, JSON logs. The bot runs in-process (or as the
//! real binary) against the fake Bot API and the Wawp sandbox on 127.0.0.1.

#[path = "../common/mod.rs"]
mod common;

mod connections;
mod http;
mod kill;
mod leadership;
mod logs;
mod metrics;
mod readme;
mod replicas;
mod retention;
mod startup;
mod takeover;
mod webhook_mode;

use std::time::Duration;

use common::*;
use tokio::sync::oneshot;

/// `command` (the real binary, or a shell that execs it) with the settings
/// every process test shares: the fake Bot API, Wawp at `wawp_url`, the
/// store `db`, the `admins` list; a clean environment, output discarded.
pub(crate) fn bot_env<'c>(
    command: &'c mut std::process::Command,
    telegram: &FakeTelegram,
    wawp_url: &str,
    db: &str,
    admins: &str,
) -> &'c mut std::process::Command {
    use std::process::Stdio;
    command
        .env_clear()
        .env("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
        .env("TELEGRAM_API_URL", telegram.url())
        .env("WAWP_BOT_ADMINS", admins)
        .env("WAWP_INSTANCE_ID", WAWP_INSTANCE)
        .env("WAWP_ACCESS_TOKEN", WAWP_TOKEN)
        .env("WAWP_BASE_URL", wawp_url)
        .env("WAWP_BOT_DB", db)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
}

/// Child processes, resumed (if stopped) and killed when the test ends.
pub(crate) struct Children(pub(crate) Vec<std::process::Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let pid = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGCONT);
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A port free on 127.0.0.1 right now (for a listen setting).
pub(crate) fn free_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// A bot started in-process without waiting for it to poll (webhook mode,
/// or a Telegram that is down).
pub(crate) struct Running {
    stop: Option<oneshot::Sender<()>>,
    pub(crate) task: tokio::task::JoinHandle<Result<(), wawp_bot::RunError>>,
}

impl Running {
    pub(crate) fn start(config: wawp_bot::Config) -> Running {
        wawp_testkit::logs::capture();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(wawp_bot::run(config, async {
            let _ = stopped.await;
        }));
        Running {
            stop: Some(stop),
            task,
        }
    }

    pub(crate) async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(20), self.task)
            .await
            .expect("the bot stops within 20 s")
            .expect("the bot task does not panic")
            .expect("the bot stops without error");
    }
}

/// Waits until the captured logs contain `needle` (at most `within`).
pub(crate) async fn wait_for_log(needle: &str, within: Duration) -> String {
    let end = std::time::Instant::now() + within;
    loop {
        let logs = captured_logs();
        if logs.contains(needle) {
            return logs;
        }
        assert!(
            std::time::Instant::now() < end,
            "timed out after {within:?} waiting for a log line with {needle:?}; logs in {}",
            wawp_testkit::logs::dump().display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
