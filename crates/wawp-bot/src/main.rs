//! The `wawp-bot` binary: read the configuration, then run the bot until
//! SIGINT or SIGTERM, or run one of the maintenance commands (`backup`,
//! `audit export`).

use std::process::ExitCode;

use std::path::Path;
use wawp_bot::config::{Config, Invocation};

use wawp_bot::store::{Backup, StoreError, StoreTarget};

fn main() -> ExitCode {
    let invocation = match Invocation::from_env() {
        Ok(invocation) => invocation,
        Err(err) if err.exit_code() == 0 => {
            print!("{err}");
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("wawp-bot: {err}");
            return ExitCode::from(err.exit_code());
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("wawp-bot: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    match invocation {
        Invocation::Run(config) => run(&runtime, *config),
        Invocation::CheckConfig(config) => {
            if let Some(mode) = config.config_file_exposed {
                eprintln!(
                    "wawp-bot: warning: the --config file holds a secret and group or others may read it (mode {mode:o}): chmod 600 it"
                );
            }
            println!("wawp-bot: the configuration is valid");
            ExitCode::SUCCESS
        }
        Invocation::Backup {
            store: StoreTarget::Postgres(_),
            ..
        } => {
            // Said before connecting: nothing to copy from here.
            eprintln!("wawp-bot: {}", StoreError::BackupUnsupported);
            ExitCode::from(2)
        }
        Invocation::Backup {
            store: StoreTarget::Sqlite(from),
            to,
        } => finish(runtime.block_on(backup(&from, &to))),
        Invocation::ExportAudit { store, filter } => finish(runtime.block_on(async {
            wawp_bot::store::export_csv(&store, filter, std::io::stdout())
                .await
                .map(drop)
        })),
    }
}

/// Copies the SQLite file to `to`; a signal stops the copy and leaves
/// nothing at the target.
async fn backup(from: &Path, to: &Path) -> Result<(), StoreError> {
    let job = Backup::prepare(from, to)?;
    let canceller = job.canceller();
    let mut copy = tokio::task::spawn_blocking(move || job.run());
    let signal = wawp_bot::shutdown::signal();
    let result = tokio::select! {
        done = &mut copy => done,
        () = signal => {
            canceller.cancel();
            copy.await
        }
    };
    result.map_err(|e| StoreError::Other(e.to_string()))??;
    eprintln!(
        "wawp-bot: wrote a copy of {} to {}",
        from.display(),
        to.display()
    );
    Ok(())
}

fn run(runtime: &tokio::runtime::Runtime, config: Config) -> ExitCode {
    let result = runtime.block_on(async move {
        // The signal handlers first: a signal while the console holds the
        // terminal raw must stop the bot, not kill the process.
        let mut signal = Box::pin(wawp_bot::shutdown::signal());
        let _ = futures::poll!(&mut signal);
        if !config.console {
            init_logs(&config);
            return Ok(wawp_bot::run(config, signal).await);
        }
        // The console is the Bot API and the admin; end of input stops the
        // bot like a signal. Keep `console` until `run` returns: dropping it
        // puts the terminal back.
        let console = wawp_bot::console::Console::start().await?;
        let mut config = config;
        config.telegram_api_url = console.api_url();
        config.telegram_token = Some(console.token());
        config.admins.insert(console.user_id());
        init_logs(&config);
        let finished = console.finished();
        let shutdown = async move {
            tokio::select! {
                () = signal => {}
                () = finished => {}
            }
        };
        let result = wawp_bot::run(config, shutdown).await;
        drop(console);
        Ok(result)
    });
    let result = match result {
        Ok(result) => result,
        Err(err) => {
            let err: std::io::Error = err;
            eprintln!("wawp-bot: {err}");
            return ExitCode::from(1);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "wawp-bot stopped");
            eprintln!("wawp-bot: {err}");
            ExitCode::from(err.exit_code() as u8)
        }
    }
}

/// Logs to stderr in the configured format, every secret redacted; quieter
/// by default in console mode (the prompt shares the terminal).
fn init_logs(config: &Config) {
    let filter = if config.console {
        wawp_bot::telemetry::CONSOLE_FILTER
    } else {
        wawp_bot::telemetry::DEFAULT_FILTER
    };
    wawp_bot::telemetry::init(config.log_format, filter, config.secrets());
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "wawp-bot starting");
    if let Some(mode) = config.config_file_exposed {
        tracing::warn!(
            mode = format!("{mode:o}"),
            "the --config file holds a secret and group or others may read it: chmod 600 it (--strict-permissions refuses to start)"
        );
    }
}

/// One line for a failed maintenance command, exit code 2 for a setting
/// to fix (a database that is not there or not ours), else 1.
fn finish(result: Result<(), StoreError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("wawp-bot: {err}");
            let setting = matches!(
                err,
                StoreError::Missing(_)
                    | StoreError::Foreign { .. }
                    | StoreError::BackupUnsupported
                    | StoreError::TooNew { .. }
            );
            ExitCode::from(if setting { 2 } else { 1 })
        }
    }
}
