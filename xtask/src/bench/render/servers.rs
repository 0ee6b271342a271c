//! Sections 2 and 3 of BENCHMARKS.md: the sandbox and the bot binaries.

use std::fmt::Write as _;

use super::super::plan::TARGET_ADMINS;
use super::super::results::Figures;
use super::super::spread::Spread;
use super::{CHARTS, count, list, verdict};

const MIB: f64 = 1.0 / 1024.0;

fn spread<T>(runs: &[&T], f: impl Fn(&T) -> f64) -> Spread {
    Spread::of(runs.iter().map(|r| f(r)).collect())
}

/// Writes the sandbox section.
pub fn sandbox(out: &mut String, f: &Figures) {
    let _ = writeln!(out, "## 2. Sandbox\n");
    let _ = writeln!(
        out,
        "{} sends per run with distinct recipients to the `wawp-sandbox` binary over {} \
         keep-alive connections (load generator: one thread in another process). Memory is \
         the sandbox process's resident set in MiB. The sandbox tracks at most 100,000 \
         recipients (its default cap): at {} sends the first half of a run fills it{}, and \
         the second half shows whether memory stays flat once it is full. Chart: [{}]({}).\n",
        count(f.plan.sandbox_requests),
        list(&f.plan.connections),
        count(f.plan.sandbox_requests),
        if f.plan.sandbox_requests / 2 > 100_000 {
            ""
        } else {
            " only in part"
        },
        CHARTS.sandbox,
        CHARTS.sandbox
    );
    let _ = writeln!(
        out,
        "| connections | requests/s | p50 µs | p99 µs | RSS half-way | RSS at end | peak RSS |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    let mut growth = Vec::new();
    for &connections in &f.plan.connections {
        let runs = f.sandbox(connections);
        let _ = writeln!(
            out,
            "| {connections} | {} | {} | {} | {} | {} | {} |",
            spread(&runs, |r| r.summary.rps).show(0),
            spread(&runs, |r| r.summary.p50_us).show(0),
            spread(&runs, |r| r.summary.p99_us).show(0),
            spread(&runs, |r| r.rss_half_kib as f64).scaled(MIB).show(1),
            spread(&runs, |r| r.rss_end_kib as f64).scaled(MIB).show(1),
            spread(&runs, |r| r.peak_rss_kib as f64).scaled(MIB).show(1),
        );
        growth.extend(
            runs.iter()
                .map(|r| r.rss_end_kib as f64 / r.rss_half_kib as f64 - 1.0),
        );
    }
    let at_64 = f.sandbox(64);
    let rps = spread(&at_64, |r| r.summary.rps);
    let worst = growth.iter().fold(0.0f64, |a, g| a.max(g.abs()));
    let _ = writeln!(
        out,
        "\n- target ≥ 20,000 sends/s at 64 connections: {}; memory flat over the second half \
         of every run (largest RSS change {:+.1}%, target within ±10%): {}\n",
        if at_64.is_empty() {
            "not measured"
        } else {
            verdict(rps.median >= 20_000.0)
        },
        worst * 100.0,
        verdict(worst <= 0.10)
    );
}

/// Writes the bot section.
pub fn bot(out: &mut String, f: &Figures) {
    let _ = writeln!(out, "## 3. Bot\n");
    let _ = writeln!(
        out,
        "{} `/send` commands per run from {} admins (each waits for its reply before its \
         next) through the `wawp-bot` binary (its own process, in sandbox mode, logging at \
         INFO to a file) and a fake Bot API on 127.0.0.1 in the benchmark process: time from \
         the `getUpdates` answer carrying a command to the `sendMessage` answering it. Each \
         includes the update-id claim, two audit-log commits (SQLite WAL, synchronous=FULL) \
         and the sandbox round trip. Start-up is from spawning the process to its first \
         `getUpdates`; idle RSS is the bot's resident set 0.5 s after that, before any \
         command; peak RSS is the bot process's own VmHWM after the run (MiB). The last \
         column is the median time of a 4 KiB write + fsync in the bot's database folder just \
         before each run: every command waits for two such commits. The bot runs with \
         `--reply-rate 1000`: at its default of 22 replies/s (under Telegram's ~30 per bot) \
         the pace, not the bot, would set every figure (45 ms between replies). Chart: \
         [{}]({}).\n",
        count(f.plan.bot_commands),
        list(&f.plan.admins),
        CHARTS.bot,
        CHARTS.bot
    );
    let _ = writeln!(
        out,
        "| admins | commands/s | p50 ms | p99 ms | start-up ms | idle RSS | peak RSS | fsync p50 ms |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for &admins in &f.plan.admins {
        let runs = f.bot(admins);
        let _ = writeln!(
            out,
            "| {admins} | {} | {} | {} | {} | {} | {} | {} |",
            spread(&runs, |r| r.summary.rps).show(0),
            spread(&runs, |r| r.summary.p50_us / 1e3).show(2),
            spread(&runs, |r| r.summary.p99_us / 1e3).show(2),
            spread(&runs, |r| r.startup_ms).show(1),
            spread(&runs, |r| r.idle_rss_kib as f64).scaled(MIB).show(1),
            spread(&runs, |r| r.peak_rss_kib as f64).scaled(MIB).show(1),
            spread(&runs, |r| r.fsync_p50_us / 1e3).show(2),
        );
    }
    let target = f.bot(TARGET_ADMINS);
    let p50 = spread(&target, |r| r.summary.p50_us / 1e3);
    let peak = spread(&target, |r| r.peak_rss_kib as f64 / 1024.0);
    let _ = writeln!(
        out,
        "\n- {TARGET_ADMINS} admins: p50 under 5 ms: {}; peak RSS of the bot under 40 MB: {}\n",
        verdict(p50.median < 5.0),
        verdict(peak.max * 1.048_576 < 40.0)
    );
}
