//! Maintainer tasks for wawp-rs. Run them as `cargo xtask <task>`.

mod bench;
mod cli_docs;
mod regen;

use std::path::{Path, PathBuf};
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
    /// Run the benchmarks (release build) and write BENCHMARKS.md and its charts.
    ///
    /// With --smoke: one run of every scenario with tiny counts on a debug
    /// build, failing on any error, writing nothing (CI runs this).
    Bench {
        /// Tiny counts, debug build, no BENCHMARKS.md; asserts no timing.
        #[arg(long)]
        smoke: bool,
        /// Rounds of interleaved runs; the median is reported with min and max.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// What to measure; every mode rewrites BENCHMARKS.md from bench/results/.
        #[arg(long, value_enum, default_value = "figures")]
        mode: bench::Mode,
        /// Cargo profile of the binaries measured (figures, callgrind).
        #[arg(long, default_value = "release")]
        profile: String,
        /// Only these release-profile variants in --mode profiles (repeatable; default: all).
        #[arg(long = "variant", value_name = "PROFILE")]
        variants: Vec<String>,
    },
    /// Write the `wawp` command line's man pages and shell completions.
    CliDocs {
        /// Folder to write them in.
        #[arg(long, default_value = "target/cli-docs")]
        out: PathBuf,
    },
}

/// The workspace's root folder.
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::CliDocs { out } => {
            let out = workspace_root().join(out);
            return match cli_docs::run(&out) {
                Ok(written) => {
                    eprintln!("wrote {} in {}", written.join(", "), out.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            };
        }
        Task::Regen { check } => regen::run(&regen::Paths::workspace(&workspace_root()), check),
        Task::Bench {
            smoke,
            runs,
            mode,
            profile,
            variants,
        } => {
            let options = bench::Options {
                smoke,
                runs,
                mode,
                profile,
                variants,
            };
            return match bench::run(&workspace_root(), options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            };
        }
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
