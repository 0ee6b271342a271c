//! Runs the scenarios in rounds: every scenario once per round, in an order
//! rotated each round (a, b, c, then b, c, a, …), so that drift on a shared
//! machine hits every client alike and ratios pair runs made side by side.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use wawp_bench_report::Report;

use super::plan::{Binaries, Plan, Scenario};

/// The variable naming the PostgreSQL server, as for the bot's tests.
pub const PG_ENV: &str = "WAWP_BOT_TEST_PG";

/// The script that starts the test server and prints its URL.
const PG_SCRIPT: &str = "crates/wawp-bot/scripts/start-test-postgres.sh";

/// The PostgreSQL server for the webhook rows: `WAWP_BOT_TEST_PG`, else
/// the URL the start script prints. `Err` says why there is none.
pub fn postgres(root: &Path) -> std::result::Result<String, String> {
    if let Ok(url) = std::env::var(PG_ENV)
        && !url.is_empty()
    {
        return Ok(url);
    }
    eprintln!("{PG_ENV} is unset: starting PostgreSQL with {PG_SCRIPT}…");
    let output = Command::new("bash")
        .arg(PG_SCRIPT)
        .current_dir(root)
        // Nothing to answer: `su` asking for a password fails instead of waiting.
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("{PG_ENV} is unset and bash {PG_SCRIPT} could not run: {e}"))?;
    script_url(output.status.success(), &output.stdout, &output.stderr)
}

/// The URL on the last line of the script's stdout, if it succeeded.
fn script_url(success: bool, stdout: &[u8], stderr: &[u8]) -> std::result::Result<String, String> {
    let stdout = String::from_utf8_lossy(stdout);
    let last = stdout.lines().last().unwrap_or_default().trim();
    if success && (last.starts_with("postgres://") || last.starts_with("postgresql://")) {
        return Ok(last.to_owned());
    }
    let stderr = String::from_utf8_lossy(stderr);
    let why = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(if success {
            "it printed no postgres:// URL"
        } else {
            "it failed"
        });
    Err(format!(
        "{PG_ENV} is unset and {PG_SCRIPT} gave no server ({})",
        why.trim()
    ))
}

/// Runs `rounds` rounds of `scenarios`; each round's reports in the
/// scenarios' order, whatever order they ran in. `pg_url` is handed to
/// the scenarios that need PostgreSQL, in the environment.
pub fn rounds(
    plan: &Plan,
    scenarios: &[Scenario],
    bins: &Binaries,
    rounds: usize,
    pg_url: Option<&str>,
) -> Result<Vec<Vec<Report>>> {
    let mut all = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let mut reports: Vec<Option<Report>> = vec![None; scenarios.len()];
        for k in 0..scenarios.len() {
            let i = (k + round) % scenarios.len();
            let scenario = &scenarios[i];
            eprintln!("round {}/{rounds}: {}", round + 1, scenario.label());
            let env: Vec<(&str, &str)> = match pg_url {
                Some(url) if scenario.needs_postgres() => vec![(PG_ENV, url)],
                _ => Vec::new(),
            };
            reports[i] = Some(once_with(scenario, &scenario.args(plan, bins), bins, &env)?);
        }
        all.push(reports.into_iter().flatten().collect());
    }
    Ok(all)
}

/// Runs `wawp-bench` once with `args` and checks its report.
pub fn once(scenario: &Scenario, args: &[String], bins: &Binaries) -> Result<Report> {
    once_with(scenario, args, bins, &[])
}

/// [`once`] with more variables in `wawp-bench`'s environment.
fn once_with(
    scenario: &Scenario,
    args: &[String],
    bins: &Binaries,
    env: &[(&str, &str)],
) -> Result<Report> {
    let output = Command::new(&bins.bench)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .with_context(|| format!("cannot run {}", bins.bench.display()))?;
    let label = scenario.label();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "{label} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let report = Report::from_stdout(&stdout)
        .with_context(|| format!("{label} printed no report: {stdout}"))?;
    if !scenario.answered_by(&report) {
        bail!("{label} printed the report of another scenario: {stdout}");
    }
    let summary = report.summary();
    if summary.is_void() {
        bail!(
            "{label} had {} errors in {} requests: {stdout}",
            summary.errors,
            summary.requests
        );
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_script_gives_the_url_on_its_last_line_or_a_reason() {
        let url = "postgres://u:p@127.0.0.1:5432/db";
        assert_eq!(
            script_url(true, format!("notice\n{url}\n").as_bytes(), b""),
            Ok(url.to_owned())
        );
        let failed = script_url(false, b"", b"su: must be run as root\n\n").unwrap_err();
        assert!(failed.contains("WAWP_BOT_TEST_PG is unset"), "{failed}");
        assert!(failed.ends_with("(su: must be run as root)"), "{failed}");
        let silent = script_url(true, b"done\n", b"").unwrap_err();
        assert!(silent.contains("printed no postgres:// URL"), "{silent}");
        assert!(
            script_url(false, url.as_bytes(), b"").is_err(),
            "a failed run gives no URL"
        );
    }
}
