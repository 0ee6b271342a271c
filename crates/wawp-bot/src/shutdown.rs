//! Graceful shutdown on SIGINT and SIGTERM.
//!
//! teloxide's own Ctrl-C handler misses SIGTERM (what systemd and Docker
//! send), so the bot waits for either itself and then uses the dispatcher's
//! [`ShutdownToken`]: no new updates are taken, the ones in flight finish
//! (a send already at Wawp is answered and audited), then `run` closes the
//! database.

use std::future::Future;
use std::time::Duration;

use teloxide::dispatching::ShutdownToken;

/// Resolves on the first SIGINT or SIGTERM (Ctrl-C elsewhere).
pub async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => tracing::info!("SIGINT received, shutting down"),
                    _ = term.recv() => tracing::info!("SIGTERM received, shutting down"),
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("Ctrl-C received, shutting down");
    }
}

/// Spawns a task that waits for `trigger`, then stops the dispatcher behind
/// `token`, retrying while it has not started yet.
pub fn stop_on(
    trigger: impl Future<Output = ()> + Send + 'static,
    token: ShutdownToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        trigger.await;
        loop {
            match token.shutdown() {
                Ok(done) => {
                    done.await;
                    return;
                }
                // Still starting up (getMe): try again shortly.
                Err(_idle) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    })
}
