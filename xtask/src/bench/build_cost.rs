//! Build cost: what a library user pays to build `wawp` cold, what the
//! whole workspace costs cold (`--mode build-times`), and the incremental
//! loop after a one-line edit of openapi.yaml (part of the figures).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::cargo::{cargo, status};
use super::results::{self, Provenance};

/// One cold build.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ColdBuild {
    /// What was built, for BENCHMARKS.md.
    pub what: String,
    /// The command, run with an empty target directory.
    pub command: String,
    /// Wall time, s.
    pub seconds: f64,
    /// Crates compiled (cargo's `Compiling` lines).
    pub crates: usize,
}

/// What `--mode build-times` measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildTimes {
    /// Where and how.
    pub provenance: Provenance,
    /// The builds, each from an empty target directory.
    pub builds: Vec<ColdBuild>,
}

const CONSUMER_MAIN: &str = "fn main() { let _ = wawp::Client::builder(); }\n";

/// Measures the cold builds (each in a fresh target directory); the
/// consumer's is saved as soon as it is measured.
pub fn cold(root: &Path, provenance: Provenance) -> Result<BuildTimes> {
    let scratch = tempfile::tempdir()?;
    // A one-line consumer of `wawp` as a path dependency, with the
    // workspace's lock file so that it gets the same versions.
    let consumer = scratch.path().join("consumer");
    std::fs::create_dir_all(consumer.join("src"))?;
    std::fs::write(
        consumer.join("Cargo.toml"),
        format!(
            "[package]\nname = \"wawp-consumer\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nwawp = {{ path = {:?} }}\n\n[workspace]\n",
            root.join("crates/wawp").display().to_string()
        ),
    )?;
    std::fs::write(consumer.join("src/main.rs"), CONSUMER_MAIN)?;
    std::fs::copy(root.join("Cargo.lock"), consumer.join("Cargo.lock"))?;
    let mut measured = BuildTimes {
        provenance,
        builds: Vec::new(),
    };
    eprintln!("cold release build of a one-line consumer of wawp…");
    measured.builds.push(timed(
        "`wawp` as a dependency: a one-line consumer (`fn main` calling `wawp::Client::builder()`), path dependency",
        "cargo build --release --offline",
        cargo(&consumer)
            .args(["build", "--release", "--offline"])
            .env("CARGO_TARGET_DIR", scratch.path().join("consumer-target")),
    )?);
    // Saved now: the workspace build below is long.
    results::save(root, "build-times", &measured)?;
    eprintln!("cold release build of the whole workspace…");
    measured.builds.push(timed(
        "the whole workspace (every crate, bench and xtask included)",
        "cargo build --workspace --release --locked",
        cargo(root)
            .args(["build", "--workspace", "--release", "--locked"])
            .env("CARGO_TARGET_DIR", scratch.path().join("workspace-target")),
    )?);
    measured.provenance = measured.provenance.finish();
    Ok(measured)
}

fn timed(what: &str, shown: &str, command: &mut Command) -> Result<ColdBuild> {
    let t = Instant::now();
    let output = command
        .output()
        .with_context(|| format!("cannot run {command:?}"))?;
    let seconds = t.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("{shown} failed ({}): {}", output.status, stderr.trim());
    }
    Ok(ColdBuild {
        what: what.into(),
        command: shown.into(),
        seconds,
        crates: compiled(&stderr),
    })
}

/// Crates compiled, from cargo's progress lines.
fn compiled(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("Compiling "))
        .count()
}

/// The time of `cargo xtask regen` plus an incremental dev build of the bot
/// after a one-line change to openapi.yaml. The spec and generated code are
/// restored afterwards, whatever happens.
pub fn incremental(root: &Path) -> Result<(f64, f64)> {
    let paths = crate::regen::Paths::workspace(root);
    let spec = std::fs::read_to_string(&paths.spec)?;
    let generated = std::fs::read_to_string(&paths.output)?;
    let (spec_time, generated_time) = (modified(&paths.spec)?, modified(&paths.output)?);
    eprintln!("warming the dev build of wawp-bot…");
    status(cargo(root).args(["build", "--locked", "-p", "wawp-bot"]))?;
    let measured = (|| -> Result<(f64, f64)> {
        let changed = spec.replacen(
            "The fields of a send request.",
            "The fields of a send request (benchmark edit).",
            1,
        );
        anyhow::ensure!(
            changed != spec,
            "the benchmark's edit no longer applies to openapi.yaml"
        );
        std::fs::write(&paths.spec, changed)?;
        let t = Instant::now();
        crate::regen::run(&paths, false)?;
        let regen = t.elapsed().as_secs_f64();
        let build = status(cargo(root).args(["build", "--locked", "-p", "wawp-bot"]))?;
        Ok((regen, build))
    })();
    std::fs::write(&paths.spec, spec)?;
    std::fs::write(&paths.output, generated)?;
    // Back to the old times too, or every other profile's build of the
    // crates downstream of the generated code would be stale.
    set_modified(&paths.spec, spec_time)?;
    set_modified(&paths.output, generated_time)?;
    measured
}

fn modified(path: &Path) -> Result<std::time::SystemTime> {
    Ok(std::fs::metadata(path)?.modified()?)
}

fn set_modified(path: &Path, time: std::time::SystemTime) -> Result<()> {
    std::fs::File::options()
        .write(true)
        .open(path)?
        .set_modified(time)
        .with_context(|| format!("restoring the modification time of {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crates_compiled_are_counted_from_cargo_progress_lines() {
        let stderr = "   Compiling libc v0.2.1\n  Downloaded x v1\n   Compiling wawp v0.1.0 (/w)\n    Finished `release` profile\n";
        assert_eq!(compiled(stderr), 2);
    }
}
