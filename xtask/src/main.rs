//! Maintainer tasks for wawp-rs. Run them as `cargo xtask <task>`.

mod regen;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Maintainer tasks for the wawp-rs workspace.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Regenerate crates/wawp-openapi/src/generated.rs from openapi.yaml.
    ///
    /// With --check nothing is written: the code is generated in memory and
    /// compared with the committed file; a difference is printed as a diff
    /// and the task exits 1.
    Regen {
        /// Compare instead of writing; exit 1 when the committed code is stale.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Regen { check } => regen::run(&regen::Paths::workspace(), check),
    };
    match result {
        Ok(regen::Outcome::UpToDate) => {
            eprintln!("wawp-openapi is up to date with openapi.yaml");
            ExitCode::SUCCESS
        }
        Ok(regen::Outcome::Written) => {
            eprintln!("regenerated crates/wawp-openapi/src/generated.rs");
            ExitCode::SUCCESS
        }
        Ok(regen::Outcome::Stale(diff)) => {
            println!("{diff}");
            eprintln!(
                "error: crates/wawp-openapi/src/generated.rs is stale; run `cargo xtask regen` and commit the result"
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
