//! Running cargo and the binaries it builds.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// `cargo` (the one running xtask) in the workspace root.
pub fn cargo(root: &Path) -> Command {
    let mut command = crate::cargo_command();
    command.current_dir(root);
    command
}

/// Runs `command`, failing unless it succeeds; returns its wall time, s.
pub fn status(command: &mut Command) -> Result<f64> {
    let t = Instant::now();
    let status = command
        .status()
        .with_context(|| format!("cannot run {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed: {status}");
    }
    Ok(t.elapsed().as_secs_f64())
}

/// Builds the binaries of each of `packages` with `profile` ("dev" or a
/// named one) and the profile settings in `env` (`CARGO_PROFILE_*`
/// overrides), one package per cargo invocation: features are then those
/// of each package alone, as its users build it, and the artifacts of one
/// do not invalidate another's. Returns the wall time, s.
pub fn build_bins(
    root: &Path,
    profile: &str,
    env: &[(&str, &str)],
    packages: &[&str],
) -> Result<f64> {
    let mut seconds = 0.0;
    for package in packages {
        let mut build = cargo(root);
        build
            .args([
                "build",
                "--locked",
                "--bins",
                "--profile",
                profile,
                "-p",
                package,
            ])
            .envs(env.iter().copied());
        seconds += status(&mut build)?;
    }
    Ok(seconds)
}

/// The target directory.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// The folder cargo puts `profile`'s binaries in.
pub fn bin_dir(root: &Path, profile: &str) -> PathBuf {
    target_dir(root).join(if profile == "dev" { "debug" } else { profile })
}
