//! The modules wired into the running bot: metrics and readiness
//! (`--metrics-listen`), webhook mode, start-up against an unreachable
//! Telegram, audit retention, JSON logs. The bot runs in-process (or as the
//! real binary) against the fake Bot API and the Wawp sandbox on 127.0.0.1.

#[path = "../common/mod.rs"]
mod common;

mod http;
mod kill;
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
