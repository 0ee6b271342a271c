//! `cargo xtask bench`: builds the benchmarks in release mode, runs each
//! scenario several times and writes BENCHMARKS.md. `--smoke` runs every
//! scenario once with tiny counts on a debug build, checks that each one
//! completes without errors, and writes nothing: CI runs it so the
//! benchmarks keep working, and asserts no timing.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// How to run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Tiny counts, debug build, one run each, no BENCHMARKS.md.
    pub smoke: bool,
    /// Runs of each scenario (the median is reported).
    pub runs: usize,
}

/// One scenario: the arguments of `wawp-bench` and how to label it.
struct Scenario {
    label: String,
    args: Vec<String>,
}

/// A metric over several runs.
#[derive(Debug, Clone, Copy)]
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl Spread {
    fn of(mut values: Vec<f64>) -> Spread {
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let median = if n % 2 == 1 {
            values[n / 2]
        } else {
            (values[n / 2 - 1] + values[n / 2]) / 2.0
        };
        Spread {
            median,
            min: values[0],
            max: values[n - 1],
        }
    }

    fn show(&self, digits: usize) -> String {
        format!(
            "{:.d$} ({:.d$}–{:.d$})",
            self.median,
            self.min,
            self.max,
            d = digits
        )
    }
}

/// Runs the benchmarks.
pub fn run(root: &Path, options: Options) -> Result<()> {
    let profile = if options.smoke { "debug" } else { "release" };
    let runs = if options.smoke {
        1
    } else {
        options.runs.max(1)
    };
    eprintln!("building the benchmarks ({profile})…");
    let mut build = cargo(root);
    build.args([
        "build",
        "--locked",
        "-p",
        "wawp-bench",
        "-p",
        "wawp-sandbox",
        "-p",
        "wawp-bot",
        "--bins",
    ]);
    if !options.smoke {
        build.arg("--release");
    }
    status(&mut build)?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join(profile);
    let bench = target.join("wawp-bench");
    let sandbox = target.join("wawp-sandbox");
    let bot = target.join("wawp-bot");

    let (client_n, sandbox_n, bot_n, bot_admins) = if options.smoke {
        (50, 500, 20, 2)
    } else {
        (20_000, 400_000, 1_000, 10)
    };
    let mut scenarios = Vec::new();
    for in_flight in [1, 64] {
        for variant in ["raw", "generated", "wawp", "wawp-quiet"] {
            let mut args = vec![
                "client".into(),
                format!("--variant={}", variant.trim_end_matches("-quiet")),
                format!("--requests={client_n}"),
                format!("--in-flight={in_flight}"),
            ];
            if variant.ends_with("-quiet") {
                args.push("--no-subscriber".into());
            }
            scenarios.push(Scenario {
                label: format!("client/{variant}/{in_flight}"),
                args,
            });
        }
    }
    scenarios.push(Scenario {
        label: "sandbox".into(),
        args: vec![
            "sandbox".into(),
            format!("--binary={}", sandbox.display()),
            format!("--requests={sandbox_n}"),
            "--connections=64".into(),
        ],
    });
    scenarios.push(Scenario {
        label: "bot".into(),
        args: vec![
            "bot".into(),
            format!("--commands={bot_n}"),
            format!("--admins={bot_admins}"),
        ],
    });

    let mut results: Vec<(String, Vec<Value>)> = Vec::new();
    for scenario in &scenarios {
        let mut reports = Vec::new();
        for r in 0..runs {
            eprintln!("{} (run {}/{runs})…", scenario.label, r + 1);
            let output = Command::new(&bench)
                .args(&scenario.args)
                .output()
                .with_context(|| format!("cannot run {}", bench.display()))?;
            if !output.status.success() {
                bail!(
                    "{} failed ({}): {}",
                    scenario.label,
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim()
                );
            }
            let stdout = String::from_utf8_lossy(&output.stdout);
            let line = stdout.lines().last().unwrap_or_default();
            let report: Value = serde_json::from_str(line)
                .with_context(|| format!("{} printed no JSON report: {stdout}", scenario.label))?;
            let summary = summary_of(&report);
            let errors = summary["errors"].as_u64().unwrap_or(u64::MAX);
            let requests = summary["requests"].as_u64().unwrap_or(0);
            if errors != 0 || requests == 0 {
                bail!(
                    "{} had {errors} errors in {requests} requests: {line}",
                    scenario.label
                );
            }
            reports.push(report);
        }
        results.push((scenario.label.clone(), reports));
    }

    let bot_size = std::fs::metadata(&bot).map(|m| m.len()).unwrap_or(0);
    let incremental = if options.smoke {
        None
    } else {
        Some(incremental_build(root)?)
    };
    let mut markdown = render(&results, bot_size, incremental, runs, options.smoke);
    // The hand-written analysis of missed targets goes below the figures.
    if let Ok(analysis) = std::fs::read_to_string(root.join("bench/ANALYSIS.md")) {
        markdown.push('\n');
        markdown.push_str(&analysis);
    }
    if options.smoke {
        println!("{markdown}");
        eprintln!("smoke run complete: every scenario ran without errors");
    } else {
        std::fs::write(root.join("BENCHMARKS.md"), markdown).context("writing BENCHMARKS.md")?;
        eprintln!("wrote BENCHMARKS.md");
    }
    Ok(())
}

fn cargo(root: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root);
    command
}

fn status(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("cannot run {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed: {status}");
    }
    Ok(())
}

fn summary_of(report: &Value) -> &Value {
    if report["summary"].is_object() {
        &report["summary"]
    } else {
        &report["report"]["summary"]
    }
}

/// The time of `cargo xtask regen` plus an incremental dev build of the bot
/// after a one-line change to openapi.yaml. The spec and generated code are
/// restored afterwards, whatever happens.
fn incremental_build(root: &Path) -> Result<(f64, f64)> {
    let paths = crate::regen::Paths::workspace(root);
    let spec = std::fs::read_to_string(&paths.spec)?;
    let generated = std::fs::read_to_string(&paths.output)?;
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
        let t = Instant::now();
        status(cargo(root).args(["build", "--locked", "-p", "wawp-bot"]))?;
        Ok((regen, t.elapsed().as_secs_f64()))
    })();
    std::fs::write(&paths.spec, spec)?;
    std::fs::write(&paths.output, generated)?;
    measured
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{cores} cores, {cpu}; {rustc}")
}

fn metric(reports: &[Value], key: &str) -> Spread {
    Spread::of(
        reports
            .iter()
            .map(|r| summary_of(r)[key].as_f64().unwrap_or(f64::NAN))
            .collect(),
    )
}

fn field(reports: &[Value], key: &str) -> Spread {
    Spread::of(
        reports
            .iter()
            .map(|r| r["report"][key].as_f64().unwrap_or(f64::NAN))
            .collect(),
    )
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}

fn render(
    results: &[(String, Vec<Value>)],
    bot_size: u64,
    incremental: Option<(f64, f64)>,
    runs: usize,
    smoke: bool,
) -> String {
    let get = |label: &str| {
        results
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, r)| r.as_slice())
            .unwrap_or_default()
    };
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmarks\n");
    if smoke {
        let _ = writeln!(
            out,
            "_Smoke run: tiny counts on a debug build; these figures mean nothing._\n"
        );
    }
    let _ = writeln!(
        out,
        "Made by `cargo xtask bench` (release build; each figure is the median of {runs} runs, \
         with min–max in brackets). Machine: {}.\n",
        machine()
    );

    let _ = writeln!(out, "## 1. Client overhead\n");
    let _ = writeln!(
        out,
        "20,000 sends against a minimal hyper server on 127.0.0.1 answering the fixed 200 body \
         of send (server on one thread, client on another). (a) a hand-written reqwest request \
         — the floor; (b) the generated `wawp-openapi` call; (c) `wawp::Client::send_otp` with \
         validation and tracing on (a fmt subscriber at INFO writing to a sink, so the call's \
         INFO span is recorded); (c′) the same with no subscriber installed, which shows the \
         crate's own cost. All use the same reqwest settings as `wawp` (30 s timeout, 10 s \
         connect timeout, no redirects), so the ratios show the layers, not the settings.\n"
    );
    let _ = writeln!(
        out,
        "| in flight | client | requests/s | p50 µs | p99 µs | throughput ÷ floor | p50 ÷ floor |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    let mut targets = Vec::new();
    for in_flight in [1, 64] {
        let floor = get(&format!("client/raw/{in_flight}"));
        let floor_rps = metric(floor, "rps").median;
        let floor_p50 = metric(floor, "p50_us").median;
        for (variant, name) in [
            ("raw", "(a) raw reqwest"),
            ("generated", "(b) wawp-openapi"),
            ("wawp", "(c) wawp"),
            ("wawp-quiet", "(c′) wawp, no subscriber"),
        ] {
            let reports = get(&format!("client/{variant}/{in_flight}"));
            let rps = metric(reports, "rps");
            let p50 = metric(reports, "p50_us");
            let _ = writeln!(
                out,
                "| {in_flight} | {name} | {} | {} | {} | {:.3} | {:.3} |",
                rps.show(0),
                p50.show(1),
                metric(reports, "p99_us").show(1),
                rps.median / floor_rps,
                p50.median / floor_p50
            );
            if variant == "wawp" {
                targets.push(format!(
                    "- {in_flight} in flight: c/a throughput {:.3} (target ≥ 0.95: {}), p50 {:+.1}% vs the floor (target within 5%: {})",
                    rps.median / floor_rps,
                    verdict(rps.median / floor_rps >= 0.95),
                    (p50.median / floor_p50 - 1.0) * 100.0,
                    verdict(p50.median / floor_p50 <= 1.05)
                ));
            }
        }
    }
    let _ = writeln!(out, "\n{}\n", targets.join("\n"));

    let sandbox = get("sandbox");
    let rps = metric(sandbox, "rps");
    let _ = writeln!(out, "## 2. Sandbox\n");
    let _ = writeln!(
        out,
        "400,000 sends with distinct recipients to the release `wawp-sandbox` binary over 64 \
         keep-alive connections (load generator: one thread in another process). Memory is the \
         sandbox process's resident set. The sandbox tracks at most 100,000 recipients (its \
         default cap), so the first half of the run fills it and the second half shows whether \
         memory stays flat once it is full.\n"
    );
    let _ = writeln!(
        out,
        "| requests/s | p50 µs | p99 µs | RSS half-way KiB | RSS at end KiB | peak RSS KiB |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} |\n",
        rps.show(0),
        metric(sandbox, "p50_us").show(0),
        metric(sandbox, "p99_us").show(0),
        field(sandbox, "rss_half_kib").show(0),
        field(sandbox, "rss_end_kib").show(0),
        field(sandbox, "peak_rss_kib").show(0)
    );
    let half = field(sandbox, "rss_half_kib").median;
    let end = field(sandbox, "rss_end_kib").median;
    let _ = writeln!(
        out,
        "- target ≥ 20,000 sends/s: {}; memory flat once the recipient cap is reached \
         (RSS change over the second half {:+.1}%, target within ±10%): {}\n",
        verdict(rps.median >= 20_000.0),
        (end / half - 1.0) * 100.0,
        verdict((end / half - 1.0).abs() <= 0.10)
    );

    let bot = get("bot");
    let p50 = metric(bot, "p50_us");
    let peak = field(bot, "peak_rss_kib");
    let _ = writeln!(out, "## 3. Bot\n");
    let _ = writeln!(
        out,
        "1,000 `/send` commands from 10 admins (each waits for its reply before its next) \
         through `wawp-bot` in sandbox mode (release build, its own 2-worker runtime, as the \
         binary runs) and a fake Bot API on 127.0.0.1: time from the `getUpdates` answer \
         carrying a command to the `sendMessage` answering it. Each includes the update-id \
         claim and two audit-log commits (SQLite WAL, synchronous=FULL) and the sandbox round \
         trip. Peak RSS is that of the whole benchmark process (bot, sandbox and fake Bot \
         API).\n"
    );
    let _ = writeln!(out, "| commands/s | p50 ms | p99 ms | peak RSS MB |");
    let _ = writeln!(out, "|---|---|---|---|");
    let ms = |s: Spread| Spread {
        median: s.median / 1000.0,
        min: s.min / 1000.0,
        max: s.max / 1000.0,
    };
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} |\n",
        metric(bot, "rps").show(0),
        ms(p50).show(2),
        ms(metric(bot, "p99_us")).show(2),
        Spread {
            median: peak.median / 1024.0,
            min: peak.min / 1024.0,
            max: peak.max / 1024.0
        }
        .show(1)
    );
    let _ = writeln!(
        out,
        "- p50 under 5 ms: {}; peak RSS under 40 MB: {}\n",
        verdict(p50.median < 5_000.0),
        verdict(peak.median < 40.0 * 1024.0)
    );

    let _ = writeln!(out, "## 4. Build and size\n");
    let _ = writeln!(
        out,
        "- `wawp-bot` release binary, stripped: {:.1} MiB ({bot_size} bytes)",
        bot_size as f64 / (1024.0 * 1024.0)
    );
    if let Some((regen, build)) = incremental {
        let _ = writeln!(
            out,
            "- one-line change to a description in openapi.yaml: `cargo xtask regen` {regen:.2} s, \
             then an incremental `cargo build -p wawp-bot` (dev profile) {build:.1} s"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_takes_the_median_and_the_extremes() {
        let s = Spread::of(vec![3.0, 1.0, 2.0, 10.0, 4.0]);
        assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 10.0));
        assert_eq!(Spread::of(vec![1.0, 2.0]).median, 1.5);
        assert_eq!(s.show(1), "3.0 (1.0–10.0)");
    }
}
