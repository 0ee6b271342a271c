//! Section 1 of BENCHMARKS.md: the client layers against the floor.

use std::fmt::Write as _;

use wawp_bench_report::{ClientRun, Variant};

use super::super::plan::CLIENT_ROWS;
use super::super::results::Figures;
use super::super::spread::Spread;
use super::{CHARTS, count, ratio_verdict};

/// The row name of a client.
pub fn name(variant: Variant, subscriber: bool) -> &'static str {
    match (variant, subscriber) {
        (Variant::Raw, _) => "(a) raw reqwest",
        (Variant::Generated, _) => "(b) wawp-openapi",
        (Variant::Wawp, true) => "(c) wawp",
        (Variant::Wawp, false) => "(c′) wawp, no subscriber",
    }
}

fn spread(runs: &[&ClientRun], f: impl Fn(&ClientRun) -> f64) -> Spread {
    Spread::of(runs.iter().map(|r| f(r)).collect())
}

fn values(runs: &[&ClientRun], f: impl Fn(&ClientRun) -> f64) -> Vec<f64> {
    runs.iter().map(|r| f(r)).collect()
}

/// Writes the section.
pub fn section(out: &mut String, f: &Figures) {
    let _ = writeln!(out, "## 1. Client overhead\n");
    let _ = writeln!(
        out,
        "{} sends per run against a minimal hyper server on 127.0.0.1 answering the fixed 200 \
         body of send (server on one thread, client on another). (a) a hand-written reqwest \
         request — the floor; (b) the generated `wawp-openapi` call; (c) \
         `wawp::Client::send_otp` with validation and tracing on (a fmt subscriber at INFO \
         writing to a sink, so the call's INFO span is recorded); (c′) the same with no \
         subscriber installed, which shows the crate's own cost. All use the same reqwest \
         settings as `wawp` (30 s timeout, 10 s connect timeout, no redirects), so the ratios \
         show the layers, not the settings. Latency distribution: [{}]({}).\n",
        count(f.plan.client_requests),
        CHARTS.client,
        CHARTS.client
    );
    let _ = writeln!(
        out,
        "| in flight | client | requests/s | p50 µs | p99 µs | throughput ÷ floor | p50 ÷ floor |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    let mut targets = Vec::new();
    for &in_flight in &f.plan.in_flight {
        let floor = f.client(Variant::Raw, in_flight, true);
        let floor_rps = values(&floor, |r| r.summary.rps);
        let floor_p50 = values(&floor, |r| r.summary.p50_us);
        for (variant, subscriber) in CLIENT_ROWS {
            let runs = f.client(variant, in_flight, subscriber);
            let rps = Spread::of_ratios(&values(&runs, |r| r.summary.rps), &floor_rps);
            let p50 = Spread::of_ratios(&values(&runs, |r| r.summary.p50_us), &floor_p50);
            let _ = writeln!(
                out,
                "| {in_flight} | {} | {} | {} | {} | {} | {} |",
                name(variant, subscriber),
                spread(&runs, |r| r.summary.rps).show(0),
                spread(&runs, |r| r.summary.p50_us).show(1),
                spread(&runs, |r| r.summary.p99_us).show(1),
                rps.show(3),
                p50.show(3)
            );
            if variant == Variant::Wawp {
                let floor_target = if subscriber { 0.95 } else { 0.98 };
                let mut line = format!(
                    "- {in_flight} in flight, {}: throughput {:.3} of the floor (target ≥ {floor_target}: {})",
                    name(variant, subscriber),
                    rps.median,
                    ratio_verdict(rps, floor_target, true),
                );
                if subscriber {
                    let _ = write!(
                        line,
                        ", p50 {:+.1}% (target within 5%: {})",
                        (p50.median - 1.0) * 100.0,
                        ratio_verdict(p50, 1.05, false)
                    );
                }
                targets.push(line);
            }
        }
    }
    let _ = writeln!(out, "\n{}\n", targets.join("\n"));
}
