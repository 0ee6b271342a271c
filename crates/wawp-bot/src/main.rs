//! The `wawp-bot` binary: read the configuration, then run the bot until
//! SIGINT or SIGTERM, or run one of the maintenance commands (`backup`,
//! `audit export`).

use std::process::ExitCode;

use wawp_bot::config::{Config, Invocation};
use wawp_bot::store::{Store, StoreError, StoreTarget};

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
        Invocation::Backup {
            store: StoreTarget::Postgres(_),
            ..
        } => {
            // Said before connecting: nothing to copy from here.
            eprintln!("wawp-bot: {}", StoreError::BackupUnsupported);
            ExitCode::from(2)
        }
        Invocation::Backup { store, to } => maintenance(&runtime, &store, async |store| {
            store.backup(&to).await?;
            eprintln!(
                "wawp-bot: wrote a copy of {} to {}",
                store.location(),
                to.display()
            );
            Ok(())
        }),
        Invocation::ExportAudit { store, since } => maintenance(&runtime, &store, async |store| {
            let rows = store.audit_since(since).await?;
            wawp_bot::store::write_csv(&rows, std::io::stdout().lock())
                .map_err(|e| StoreError::Other(format!("cannot write the CSV: {e}")))
        }),
    }
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
}

/// Opens an existing store, runs `job`, closes the store; errors are one
/// line with exit code 1 (2 for a database that is not there or not ours).
fn maintenance(
    runtime: &tokio::runtime::Runtime,
    target: &StoreTarget,
    job: impl AsyncFnOnce(&Store) -> Result<(), StoreError>,
) -> ExitCode {
    let result = runtime.block_on(async {
        let store = Store::open_existing(target).await?;
        let result = job(&store).await;
        let closed = store.close();
        result.and(closed)
    });
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
