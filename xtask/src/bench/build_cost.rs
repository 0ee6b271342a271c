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
    /// What the build is, for the ratio of the consumer to the floor.
    #[serde(default)]
    pub role: Option<Role>,
    /// Packages in the dependency tree (`name@version`, normal and build
    /// dependencies, the package itself not counted), where counted.
    #[serde(default)]
    pub tree: Option<usize>,
}

/// Which of the cold builds a [`ColdBuild`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The one-line consumer of `wawp`.
    Consumer,
    /// The one-line consumer of reqwest with `wawp`'s TLS features: what
    /// any HTTPS client costs, the floor the consumer is measured against.
    Floor,
    /// The whole workspace.
    Workspace,
}

impl BuildTimes {
    /// The build with `role`, if measured.
    pub fn get(&self, role: Role) -> Option<&ColdBuild> {
        self.builds.iter().find(|b| b.role == Some(role))
    }
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
/// The floor: reqwest with the features `wawp` turns on (workspace
/// `reqwest` entry), rustls with `wawp`'s default provider (ring) and the
/// platform verifier `wawp` uses, and the same one line.
const FLOOR_MAIN: &str = "fn main() { let _ = reqwest::Client::builder(); }\n";

/// A one-line package in `dir` depending on `dependencies` (TOML lines),
/// with the workspace's lock file so that it gets the same versions.
fn one_line_package(
    root: &Path,
    dir: &Path,
    name: &str,
    dependencies: &str,
    main: &str,
) -> Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n{dependencies}\n[workspace]\n"
        ),
    )?;
    std::fs::write(dir.join("src/main.rs"), main)?;
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))?;
    Ok(())
}

/// Packages (`name@version`) in `dir`'s normal and build dependency tree,
/// the package itself not counted (as issue 23 counted them).
fn tree_size(dir: &Path) -> Result<usize> {
    let output = cargo(dir)
        .args([
            "tree",
            "--offline",
            "-e",
            "normal,build",
            "--prefix",
            "none",
        ])
        .args(["--format", "{p}"])
        .output()
        .context("cannot run cargo tree")?;
    if !output.status.success() {
        bail!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let packages: std::collections::BTreeSet<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        // The first line is the one-line package itself.
        .skip(1)
        // `name v1.2.3 (/path)` or with ` (*)`: keep name and version.
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some(format!("{}@{}", words.next()?, words.next()?))
        })
        .collect();
    Ok(packages.len())
}

/// Measures the cold builds (each in a fresh target directory); the
/// consumer's is saved as soon as it is measured.
pub fn cold(root: &Path, provenance: Provenance) -> Result<BuildTimes> {
    let scratch = tempfile::tempdir()?;
    let consumer = scratch.path().join("consumer");
    one_line_package(
        root,
        &consumer,
        "wawp-consumer",
        &format!(
            "wawp = {{ path = {:?} }}\n",
            root.join("crates/wawp").display().to_string()
        ),
        CONSUMER_MAIN,
    )?;
    let floor = scratch.path().join("floor");
    one_line_package(
        root,
        &floor,
        "reqwest-consumer",
        &floor_dependencies(root)?,
        FLOOR_MAIN,
    )?;
    let mut measured = BuildTimes {
        provenance,
        builds: Vec::new(),
    };
    // The consumer and the floor one after the other, in one run, so that
    // the ratio compares builds on the same machine under the same load.
    eprintln!("cold release build of a one-line consumer of wawp…");
    let mut build = timed(
        "`wawp` as a dependency: a one-line consumer (`fn main` calling `wawp::Client::builder()`), path dependency",
        "cargo build --release --offline",
        cargo(&consumer)
            .args(["build", "--release", "--offline"])
            .env("CARGO_TARGET_DIR", scratch.path().join("consumer-target")),
    )?;
    build.role = Some(Role::Consumer);
    build.tree = Some(tree_size(&consumer)?);
    measured.builds.push(build);
    eprintln!("cold release build of a one-line consumer of reqwest (the floor)…");
    let mut build = timed(
        "the floor: a one-line consumer of reqwest (`reqwest::Client::builder()`) with `wawp`'s reqwest features, rustls with ring and the platform verifier",
        "cargo build --release --offline",
        cargo(&floor)
            .args(["build", "--release", "--offline"])
            .env("CARGO_TARGET_DIR", scratch.path().join("floor-target")),
    )?;
    build.role = Some(Role::Floor);
    build.tree = Some(tree_size(&floor)?);
    measured.builds.push(build);
    // Saved now: the workspace build below is long.
    results::save(root, "build-times", &measured)?;
    eprintln!("cold release build of the whole workspace…");
    let mut build = timed(
        "the whole workspace (every crate, bench and xtask included)",
        "cargo build --workspace --release --locked",
        cargo(root)
            .args(["build", "--workspace", "--release", "--locked"])
            .env("CARGO_TARGET_DIR", scratch.path().join("workspace-target")),
    )?;
    build.role = Some(Role::Workspace);
    measured.builds.push(build);
    measured.provenance = measured.provenance.finish();
    Ok(measured)
}

/// The floor's dependency lines: reqwest, rustls and the platform verifier
/// as the workspace's Cargo.toml declares them (so they follow any change
/// there), rustls with `wawp`'s default provider.
fn floor_dependencies(root: &Path) -> Result<String> {
    let manifest: toml::Table = std::fs::read_to_string(root.join("Cargo.toml"))?.parse()?;
    let deps = manifest
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table())
        .context("Cargo.toml has no [workspace.dependencies]")?;
    let mut lines = String::new();
    for name in ["reqwest", "rustls", "rustls-platform-verifier"] {
        let mut entry = match deps
            .get(name)
            .with_context(|| format!("no workspace entry {name}"))?
        {
            toml::Value::String(version) => {
                let mut t = toml::Table::new();
                t.insert("version".into(), toml::Value::String(version.clone()));
                t
            }
            toml::Value::Table(t) => t.clone(),
            other => bail!("unexpected workspace entry for {name}: {other}"),
        };
        if name == "rustls" {
            let features = entry
                .entry("features")
                .or_insert_with(|| toml::Value::Array(Vec::new()));
            if let toml::Value::Array(list) = features {
                list.push(toml::Value::String("ring".into()));
            }
        }
        lines.push_str(&format!("{name} = {}\n", toml::Value::Table(entry)));
    }
    Ok(lines)
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
        role: None,
        tree: None,
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
