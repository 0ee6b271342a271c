//! `--mode profiles`: the stripped `wawp-bot` binary under release-profile
//! variants (root Cargo.toml), and what each costs in latency: the bot's
//! p50 at the target admins and the `wawp` client's throughput at 64 in
//! flight, interleaved across the variants round by round.

use std::path::Path;

use anyhow::Result;
use serde::{Deserialize, Serialize};
use wawp_bench_report::{BotRun, ClientRun, Report, Variant};

use super::cargo::{bin_dir, build_bins};
use super::measure;
use super::plan::{Binaries, Plan, Scenario, TARGET_ADMINS};
use super::results::Provenance;

/// The variants, each a profile of the root Cargo.toml, with what it sets.
pub const VARIANTS: [(&str, &str); 4] = [
    (
        "size-base",
        "`strip = true` only (the release profile before issue 15)",
    ),
    ("size-lto", "+ `lto = \"fat\"`, `codegen-units = 1`"),
    ("size-lto-s", "+ `opt-level = \"s\"`"),
    ("size-lto-z", "+ `opt-level = \"z\"` instead of \"s\""),
];

/// In-flight requests of the client rows measured per variant.
pub const IN_FLIGHT: usize = 64;

/// One variant's measurements.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Variation {
    /// The cargo profile.
    pub profile: String,
    /// What it sets.
    pub settings: String,
    /// The stripped `wawp-bot` binary, bytes.
    pub bot_size: u64,
    /// Wall time of building `wawp-bot` and `wawp-bench` with it, s
    /// (near zero when it was already built).
    pub build_s: f64,
    /// Bot runs at the target admins, in round order.
    pub bot: Vec<BotRun>,
    /// The floor client, in round order.
    pub raw: Vec<ClientRun>,
    /// The `wawp` client with the fmt subscriber, in round order.
    pub wawp: Vec<ClientRun>,
}

/// What `--mode profiles` measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profiles {
    /// Where and how.
    pub provenance: Provenance,
    /// The counts of the bot and client runs.
    pub plan: Plan,
    /// One entry per variant, in [`VARIANTS`] order.
    pub variants: Vec<Variation>,
}

/// Builds every variant, then measures them round by round.
pub fn run(root: &Path, rounds: usize, provenance: Provenance) -> Result<Profiles> {
    let plan = Plan::full();
    let mut variants = Vec::new();
    let mut bins = Vec::new();
    for (profile, settings) in VARIANTS {
        eprintln!("building wawp-bot and wawp-bench with profile {profile}…");
        let mut build_s = build_bins(root, profile, &["wawp-bot"])?;
        build_s += build_bins(root, profile, &["wawp-bench"])?;
        let dir = bin_dir(root, profile);
        let binaries = Binaries {
            bench: dir.join("wawp-bench"),
            sandbox: dir.join("wawp-sandbox"),
            bot: dir.join("wawp-bot"),
        };
        variants.push(Variation {
            profile: profile.into(),
            settings: settings.into(),
            bot_size: std::fs::metadata(&binaries.bot)?.len(),
            build_s,
            bot: Vec::new(),
            raw: Vec::new(),
            wawp: Vec::new(),
        });
        bins.push(binaries);
    }
    let scenarios = [
        Scenario::Bot {
            admins: TARGET_ADMINS,
        },
        Scenario::Client {
            variant: Variant::Raw,
            in_flight: IN_FLIGHT,
            subscriber: true,
        },
        Scenario::Client {
            variant: Variant::Wawp,
            in_flight: IN_FLIGHT,
            subscriber: true,
        },
    ];
    for round in 0..rounds {
        for k in 0..variants.len() {
            let v = (k + round) % variants.len();
            for scenario in &scenarios {
                eprintln!(
                    "round {}/{rounds}: {} with {}",
                    round + 1,
                    scenario.label(),
                    variants[v].profile
                );
                match measure::once(scenario, &scenario.args(&plan, &bins[v]), &bins[v])? {
                    Report::Bot(b) => variants[v].bot.push(b),
                    Report::Client(c) if c.variant == Variant::Raw => variants[v].raw.push(c),
                    Report::Client(c) => variants[v].wawp.push(c),
                    Report::Sandbox(_) => unreachable!("no sandbox scenario here"),
                }
            }
        }
    }
    Ok(Profiles {
        provenance: provenance.finish(),
        plan,
        variants,
    })
}
