//! Section 4 of BENCHMARKS.md: size, release-profile variants, build cost
//! and instruction counts.

use std::fmt::Write as _;

use wawp_bench_report::Variant;

use super::super::build_cost::Role;
use super::super::callgrind::REQUESTS;
use super::super::profiles::IN_FLIGHT;
use super::super::spread::Spread;
use super::client::name;
use super::{Inputs, count, verdict};

const MIB: f64 = 1024.0 * 1024.0;

/// Writes the section.
pub fn section(out: &mut String, inputs: &Inputs) {
    let f = inputs.figures;
    let _ = writeln!(out, "## 4. Size and build cost\n");
    let _ = writeln!(
        out,
        "- `wawp-bot` binary, stripped, profile `{}`: {:.1} MiB ({} bytes); target ≤ 8 MiB: {}",
        f.profile,
        f.bot_size as f64 / MIB,
        f.bot_size,
        verdict(f.bot_size as f64 <= 8.0 * MIB)
    );
    if let Some((regen, build)) = f.incremental {
        let _ = writeln!(
            out,
            "- one-line change to a description in openapi.yaml: `cargo xtask regen` {regen:.2} s, \
             then an incremental `cargo build -p wawp-bot` (dev profile) {build:.1} s"
        );
    }
    out.push('\n');
    profiles(out, inputs);
    build_times(out, inputs);
    instructions(out, inputs);
}

fn profiles(out: &mut String, inputs: &Inputs) {
    let _ = writeln!(out, "### Release profile\n");
    let Some(p) = inputs.profiles else {
        let _ = writeln!(
            out,
            "_Not measured yet: `cargo xtask bench --mode profiles`._\n"
        );
        return;
    };
    let _ = writeln!(
        out,
        "Each variant is a profile of the root Cargo.toml, each step adding to the one before. \
         Measured with {}. Per variant and round: the bot binary built with it at {} admins \
         ({} commands), and, where shown, the `wawp` client with the fmt subscriber and the \
         floor at {IN_FLIGHT} in flight ({} sends) built with it; ratios are against the base \
         in the same round (— where not measured).\n",
        p.provenance.line(),
        super::super::plan::TARGET_ADMINS,
        count(p.plan.bot_commands),
        count(p.plan.client_requests)
    );
    let _ = writeln!(
        out,
        "| profile | sets | stripped `wawp-bot` MiB | bot p50 ms | bot p50 ÷ base | `wawp` sends/s | `wawp` ÷ base | `wawp` ÷ floor |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    let Some(base) = p.variants.first() else {
        return;
    };
    let base_p50: Vec<f64> = base.bot.iter().map(|b| b.summary.p50_us).collect();
    let base_rps: Vec<f64> = base.wawp.iter().map(|c| c.summary.rps).collect();
    for v in &p.variants {
        let p50: Vec<f64> = v.bot.iter().map(|b| b.summary.p50_us).collect();
        let rps: Vec<f64> = v.wawp.iter().map(|c| c.summary.rps).collect();
        let floor: Vec<f64> = v.raw.iter().map(|c| c.summary.rps).collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {:.2} | {} | {} | {} | {} | {} |",
            v.profile,
            v.settings,
            v.bot_size as f64 / MIB,
            Spread::of(p50.clone()).scaled(1e-3).show(2),
            Spread::of_ratios(&p50, &base_p50).show(3),
            shown(&rps, Spread::of(rps.clone()).show(0)),
            shown(&rps, Spread::of_ratios(&rps, &base_rps).show(3)),
            shown(&rps, Spread::of_ratios(&rps, &floor).show(3)),
        );
    }
    out.push('\n');
}

/// `text`, or a dash when nothing was measured.
fn shown(values: &[f64], text: String) -> String {
    if values.is_empty() {
        "—".into()
    } else {
        text
    }
}

fn build_times(out: &mut String, inputs: &Inputs) {
    let _ = writeln!(out, "### Cold builds\n");
    let Some(b) = inputs.build_times else {
        let _ = writeln!(
            out,
            "_Not measured yet: `cargo xtask bench --mode build-times`._\n"
        );
        return;
    };
    let _ = writeln!(
        out,
        "Each from an empty target directory, dependencies already downloaded. Measured with \
         {}. Other work on the machine shows in the load average; treat the times as upper \
         bounds.\n",
        b.provenance.line()
    );
    let _ = writeln!(
        out,
        "| what | command | wall time | crates compiled | packages in the tree |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    for build in &b.builds {
        let _ = writeln!(
            out,
            "| {} | `{}` | {:.0} s ({:.1} min) | {} | {} |",
            build.what,
            build.command,
            build.seconds,
            build.seconds / 60.0,
            build.crates,
            build
                .tree
                .map_or_else(|| "—".to_string(), |n| n.to_string())
        );
    }
    out.push('\n');
    if let Some(consumer) = b.get(Role::Consumer) {
        if let Some(tree) = consumer.tree {
            let _ = writeln!(
                out,
                "- a one-line `wawp` consumer's tree (`cargo tree -e normal,build`, distinct \
                 `name@version`, the consumer itself not counted): {tree} packages; \
                 target ≤ {MAX_TREE}: {}",
                verdict(tree <= MAX_TREE)
            );
        }
        if let Some(floor) = b.get(Role::Floor) {
            let ratio = consumer.seconds / floor.seconds;
            let _ = writeln!(
                out,
                "- cold release build, `wawp` consumer ÷ reqwest floor, in the same run: \
                 {ratio:.2}× ({:.0} s ÷ {:.0} s); target ≤ {MAX_BUILD_RATIO}×: {}",
                consumer.seconds,
                floor.seconds,
                verdict(ratio <= MAX_BUILD_RATIO)
            );
        }
        out.push('\n');
    }
}

/// Issue 23's targets for a one-line consumer.
const MAX_TREE: usize = 130;
const MAX_BUILD_RATIO: f64 = 1.3;

fn instructions(out: &mut String, inputs: &Inputs) {
    let _ = writeln!(out, "### Instructions per call\n");
    let Some(i) = inputs.instructions else {
        let _ = writeln!(
            out,
            "_Not measured yet: `cargo xtask bench --mode callgrind`._\n"
        );
        return;
    };
    let _ = writeln!(
        out,
        "Instructions executed by the client thread per send, counted by callgrind: (count of \
         a {}-send run − count of a {}-send run) ÷ {}, so start-up cancels out; the floor \
         server's thread is not counted. Profile `{}`. Measured with {}. Instruction counts \
         do not depend on machine noise; they reproduce to a fraction of a percent.\n",
        count(2 * REQUESTS),
        count(REQUESTS),
        count(REQUESTS),
        i.profile,
        i.provenance.line()
    );
    let _ = writeln!(
        out,
        "| in flight | client | instructions per send | vs floor |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    for row in &i.rows {
        let floor = i
            .rows
            .iter()
            .find(|r| r.variant == Variant::Raw && r.in_flight == row.in_flight)
            .map(|r| r.per_request)
            .unwrap_or(f64::NAN);
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} k | {:+.1}% |",
            row.in_flight,
            name(row.variant, row.subscriber),
            row.per_request / 1e3,
            (row.per_request / floor - 1.0) * 100.0
        );
    }
    out.push('\n');
}
