//! BENCHMARKS.md from the result files: figures, then the optional
//! profile, build-time and instruction-count measurements, then the
//! hand-written analysis (bench/ANALYSIS.md).

mod build;
pub mod client;
mod servers;
mod takeover;
pub mod webhook;

use std::fmt::Write as _;

use super::build_cost::BuildTimes;
use super::callgrind::Instructions;
use super::profiles::Profiles;
use super::results::{Figures, OpenLoop};
use super::spread::Spread;

/// Every measurement BENCHMARKS.md shows.
pub struct Inputs<'a> {
    /// The figures (required).
    pub figures: &'a Figures,
    /// The open-loop rows (SIGKILL, reply pace), if measured.
    pub open_loop: Option<&'a OpenLoop>,
    /// Release-profile variants, if measured.
    pub profiles: Option<&'a Profiles>,
    /// Cold build times, if measured.
    pub build_times: Option<&'a BuildTimes>,
    /// Instruction counts, if measured.
    pub instructions: Option<&'a Instructions>,
    /// bench/ANALYSIS.md, if present.
    pub analysis: Option<&'a str>,
    /// Whether this is a smoke run (figures mean nothing).
    pub smoke: bool,
}

/// The file names of the charts, relative to BENCHMARKS.md.
pub const CHARTS: Charts = Charts {
    client: "BENCHMARKS-client-latency.svg",
    sandbox: "BENCHMARKS-sandbox.svg",
    bot: "BENCHMARKS-bot.svg",
    webhook: "BENCHMARKS-webhook.svg",
};

/// Chart file names.
pub struct Charts {
    /// Latency CDF of the client layers.
    pub client: &'static str,
    /// Sandbox throughput and p99 against connections.
    pub sandbox: &'static str,
    /// Bot p50/p99 against admins.
    pub bot: &'static str,
    /// Webhook replicas: throughput and latency against admins.
    pub webhook: &'static str,
}

/// The whole of BENCHMARKS.md.
pub fn markdown(inputs: &Inputs) -> String {
    let f = inputs.figures;
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmarks\n");
    if inputs.smoke {
        let _ = writeln!(
            out,
            "_Smoke run: tiny counts on a debug build; these figures mean nothing._\n"
        );
    }
    let _ = writeln!(
        out,
        "Made by {}. Binaries: cargo profile `{}`. Each figure is the median of {} runs with \
         min–max in brackets. The runs are interleaved: each round runs every scenario once, \
         in an order rotated every round, so drift on the machine hits every client alike; \
         each ratio is taken within one round, and its min–max is the spread over the rounds.\n",
        f.provenance.line(),
        f.profile,
        f.rounds.len()
    );
    client::section(&mut out, f);
    servers::sandbox(&mut out, f);
    servers::bot(&mut out, f);
    webhook::section(&mut out, f);
    takeover::section(&mut out, inputs.open_loop);
    build::section(&mut out, inputs);
    if let Some(analysis) = inputs.analysis {
        out.push('\n');
        out.push_str(analysis);
    }
    out
}

/// "met" or "**missed**".
fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}

/// The verdict on a ratio that should be at least `target`: met in every
/// round, met by the median only, or missed.
fn ratio_verdict(ratio: Spread, target: f64, higher_is_better: bool) -> &'static str {
    let ok = |x: f64| {
        if higher_is_better {
            x >= target
        } else {
            x <= target
        }
    };
    let worst = if higher_is_better {
        ratio.min
    } else {
        ratio.max
    };
    match (ok(ratio.median), ok(worst)) {
        (true, true) => "met in every round",
        (true, false) => "met by the median, **not in every round**",
        _ => "**missed**",
    }
}

/// Thousands separators for the prose: 20000 → "20,000".
fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1, 8, 64 and 256".
fn list(values: &[usize]) -> String {
    let parts: Vec<String> = values.iter().map(|v| count(*v)).collect();
    match parts.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_counts_read_like_prose() {
        assert_eq!(count(20_000), "20,000");
        assert_eq!(count(400), "400");
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(list(&[1, 8, 64, 256]), "1, 8, 64 and 256");
        assert_eq!(list(&[10]), "10");
    }

    #[test]
    fn a_ratio_target_is_met_only_when_every_round_meets_it() {
        let s = |median, min, max| Spread { median, min, max };
        assert_eq!(
            ratio_verdict(s(0.97, 0.96, 0.99), 0.95, true),
            "met in every round"
        );
        assert_eq!(
            ratio_verdict(s(0.96, 0.93, 0.99), 0.95, true),
            "met by the median, **not in every round**"
        );
        assert_eq!(ratio_verdict(s(0.90, 0.85, 0.99), 0.95, true), "**missed**");
        assert_eq!(
            ratio_verdict(s(1.03, 1.01, 1.04), 1.05, false),
            "met in every round"
        );
    }
}

#[cfg(test)]
mod prose_tests {
    use super::super::plan::Plan;
    use super::super::results::sample;
    use super::*;

    #[test]
    fn the_prose_gives_the_counts_of_the_plan_that_ran() {
        let plan = Plan {
            client_requests: 1_234,
            in_flight: vec![1, 16],
            sandbox_requests: 4_000,
            connections: vec![2, 32],
            bot_commands: 77,
            admins: vec![3, super::super::plan::TARGET_ADMINS],
            webhook_commands: 88,
            webhook_admins: vec![4],
            kill_commands: 0,
            kills: 0,
            pace_commands: 0,
            open_per_second: 0,
        };
        let f = sample(plan);
        let md = markdown(&Inputs {
            figures: &f,
            open_loop: None,
            profiles: None,
            build_times: None,
            instructions: None,
            analysis: Some("## Analysis\n"),
            smoke: false,
        });
        assert!(md.contains("1,234 sends per run"), "{md}");
        assert!(md.contains("4,000 sends per run"), "{md}");
        assert!(md.contains("over 2 and 32 keep-alive connections"), "{md}");
        assert!(
            md.contains("77 `/send` commands per run from 3 and 10 admins"),
            "{md}"
        );
        assert!(md.contains("| 16 | (c) wawp |"), "{md}");
        assert!(md.contains("| 32 | "), "{md}");
        assert!(md.contains("target ≤ 8 MiB: **missed**"), "{md}");
        assert!(md.contains("p50 under 5 ms: met"), "{md}");
        assert!(
            md.contains("88 `/send` commands per run from 4 admins"),
            "{md}"
        );
        assert!(md.contains("| 4 | PostgreSQL | 3 | "), "{md}");
        assert!(md.ends_with("## Analysis\n"));
        for chart in [CHARTS.client, CHARTS.sandbox, CHARTS.bot, CHARTS.webhook] {
            assert!(md.contains(&format!("]({chart})")), "{chart} is not linked");
        }
    }
}
