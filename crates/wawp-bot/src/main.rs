//! The `wawp-bot` binary: parse the configuration, set up logging, run until
//! SIGINT or SIGTERM.

use std::process::ExitCode;

use clap::Parser;
use secrecy::ExposeSecret;
use wawp_bot::config::{Cli, Config, WawpSettings};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // [ops wiring: console] the coordinator redoes this with botstore's config.
    let console_mode = cli.console;
    let mut config = match Config::from_cli(cli) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("wawp-bot: {err}");
            return ExitCode::from(2);
        }
    };

    let mut secrets = vec![config.telegram_token.expose_secret().to_owned()];
    if let WawpSettings::Live { access_token, .. } = &config.wawp {
        secrets.push(access_token.expose_secret().to_owned());
    }
    wawp_bot::telemetry::init(secrets);

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
    let result = runtime.block_on(async move {
        if !console_mode {
            return Ok(wawp_bot::run(config, wawp_bot::shutdown::signal()).await);
        }
        // [ops wiring: console] the console is the Bot API and the admin;
        // end of input stops the bot like a signal.
        let console = wawp_bot::console::Console::start().await?;
        config.telegram_api_url = console.api_url();
        config.telegram_token = console.token();
        config.admins.insert(console.user_id());
        let finished = console.finished();
        let shutdown = async move {
            tokio::select! {
                () = wawp_bot::shutdown::signal() => {}
                () = finished => {}
            }
        };
        Ok(wawp_bot::run(config, shutdown).await)
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
