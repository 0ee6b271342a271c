//! The `wawp-bot` binary: parse the configuration, set up logging, run until
//! SIGINT or SIGTERM.

use std::process::ExitCode;

use clap::Parser;
use secrecy::ExposeSecret;
use wawp_bot::config::{Cli, Config, WawpSettings};

fn main() -> ExitCode {
    let config = match Config::from_cli(Cli::parse()) {
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
    match runtime.block_on(wawp_bot::run(config, wawp_bot::shutdown::signal())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "wawp-bot stopped");
            eprintln!("wawp-bot: {err}");
            ExitCode::from(err.exit_code() as u8)
        }
    }
}
