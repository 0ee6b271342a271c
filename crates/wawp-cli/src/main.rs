//! `wawp`: send and check WhatsApp one-time passwords through Wawp from a
//! shell. `wawp --help` lists the commands, the credentials and the exit
//! codes.

#[macro_use]
mod print;

mod backend;
mod failure;
mod login;
mod otp;
mod profile;
mod report;
mod sandbox;

use std::process::ExitCode;

use clap::Parser;
use wawp_cli::args::{Cli, Command};

use crate::failure::Failure;
use crate::report::Output;

fn main() -> ExitCode {
    // Help and version exit 0; usage errors print clap's message and exit 2.
    let cli = Cli::try_parse().unwrap_or_else(|err| err.exit());
    let out = Output {
        json: cli.json,
        command: match &cli.command {
            Command::Send(_) => "send",
            Command::Verify(_) => "verify",
            Command::Sandbox(_) => "sandbox",
            Command::Login(_) => "login",
            Command::Completions { .. } => "completions",
        },
    };
    let exit = match run(cli, out) {
        Ok(exit) => exit,
        Err(failure) => out.failed(&failure),
    };
    ExitCode::from(exit)
}

fn run(cli: Cli, out: Output) -> Result<u8, Failure> {
    let profile = cli.profile.as_deref();
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| Failure::settings(format!("cannot start: {err}")))
    };
    match cli.command {
        Command::Send(args) => runtime()?.block_on(otp::send(args, profile, out)),
        Command::Verify(args) => runtime()?.block_on(otp::verify(args, profile, out)),
        Command::Sandbox(args) => runtime()?.block_on(sandbox::run(args, out)),
        Command::Login(args) => login::run(args, profile, out),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut wawp_cli::command(), "wawp", &mut script);
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), &script);
            Ok(failure::SUCCESS)
        }
    }
}
