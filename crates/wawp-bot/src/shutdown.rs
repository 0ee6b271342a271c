//! Stopping on SIGINT and SIGTERM.
//!
//! The first signal asks the bot to stop: no new update is taken, the
//! commands in flight finish (within the shutdown timeout) and are audited,
//! then `run` closes the database and returns. A second signal exits the
//! process at once (exit code 130), whatever is still running.

/// Resolves on the first SIGINT or SIGTERM (Ctrl-C elsewhere); a second one
/// then ends the process immediately.
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
                    _ = int.recv() => tracing::info!("SIGINT received, shutting down (a second signal exits at once)"),
                    _ = term.recv() => tracing::info!("SIGTERM received, shutting down (a second signal exits at once)"),
                }
                tokio::spawn(async move {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                    exit_now();
                });
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("Ctrl-C received, shutting down (a second Ctrl-C exits at once)");
        tokio::spawn(async {
            let _ = tokio::signal::ctrl_c().await;
            exit_now();
        });
    }
}

fn exit_now() {
    tracing::warn!("second signal: exiting now; commands in flight come back after a restart");
    eprintln!("wawp-bot: second signal, exiting now");
    std::process::exit(130);
}
