//! Maintainer tasks for wawp-rs. Run them as `cargo xtask <task>`.

mod bench;
mod cli_docs;
mod regen;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

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

/// A `cargo` command (the one running xtask) that does not inherit what
/// cargo set for the process it ran (`cargo run` and `cargo test` hand it
/// `CARGO_MANIFEST_DIR`, `CARGO_PKG_*` and the like). A nested build that
/// inherits them passes them on to build scripts, whose fingerprints then
/// change (ring's said `EnvVarChanged { name: "CARGO_MANIFEST_DIR" }`), and
/// the next ordinary build recompiled ring, rustls, reqwest and everything
/// above them.
pub(crate) fn cargo_command() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    for (name, _) in std::env::vars_os() {
        if is_set_by_cargo_for_the_process(&name.to_string_lossy()) {
            command.env_remove(&name);
        }
    }
    command
}

/// Whether `name` is one of the variables cargo sets for the process it runs
/// (the Cargo reference, "Environment variables Cargo sets for crates"), as
/// opposed to the user's own settings (`CARGO_HOME`, `CARGO_TERM_COLOR`,
/// `CARGO_PROFILE_*`, …), which the nested build should keep.
fn is_set_by_cargo_for_the_process(name: &str) -> bool {
    const NAMES: [&str; 8] = [
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_MANIFEST_LINKS",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
    ];
    const PREFIXES: [&str; 4] = ["CARGO_PKG_", "CARGO_BIN_EXE_", "CARGO_CFG_", "__CARGO"];
    NAMES.contains(&name) || PREFIXES.iter().any(|prefix| name.starts_with(prefix))
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
