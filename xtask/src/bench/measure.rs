//! Runs the scenarios in rounds: every scenario once per round, in an order
//! rotated each round (a, b, c, then b, c, a, …), so that drift on a shared
//! machine hits every client alike and ratios pair runs made side by side.

use std::process::Command;

use anyhow::{Context, Result, bail};
use wawp_bench_report::Report;

use super::plan::{Binaries, Plan, Scenario};

/// Runs `rounds` rounds of `scenarios`; each round's reports in the
/// scenarios' order, whatever order they ran in.
pub fn rounds(
    plan: &Plan,
    scenarios: &[Scenario],
    bins: &Binaries,
    rounds: usize,
) -> Result<Vec<Vec<Report>>> {
    let mut all = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let mut reports: Vec<Option<Report>> = vec![None; scenarios.len()];
        for k in 0..scenarios.len() {
            let i = (k + round) % scenarios.len();
            let scenario = &scenarios[i];
            eprintln!("round {}/{rounds}: {}", round + 1, scenario.label());
            reports[i] = Some(once(scenario, &scenario.args(plan, bins), bins)?);
        }
        all.push(reports.into_iter().flatten().collect());
    }
    Ok(all)
}

/// Runs `wawp-bench` once with `args` and checks its report.
pub fn once(scenario: &Scenario, args: &[String], bins: &Binaries) -> Result<Report> {
    let output = Command::new(&bins.bench)
        .args(args)
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
