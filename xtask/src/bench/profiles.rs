//! `--mode profiles`: the stripped `wawp-bot` binary under release-profile
//! variants (profiles of the root Cargo.toml), and what each costs in
//! latency: the bot's p50 at the target admins and, for the variants marked
//! so, the `wawp` client's throughput at 64 in flight. The variants are
//! interleaved round by round; ratios pair runs of the same round.

use std::path::Path;
use std::process::Command;

use anyhow::Result;
use serde::{Deserialize, Serialize};
use wawp_bench_report::{BotRun, ClientRun, Report, Variant};

use super::cargo::{bin_dir, build_bins, status};
use super::measure;
use super::plan::{Binaries, Plan, Scenario, TARGET_ADMINS};
use super::results::Provenance;

/// One release-profile variant.
pub struct VariantSpec {
    /// The cargo profile.
    pub profile: &'static str,
    /// `CARGO_PROFILE_*` overrides applied when building it.
    pub env: &'static [(&'static str, &'static str)],
    /// What it sets, for BENCHMARKS.md.
    pub settings: &'static str,
    /// Whether `wawp-bench` is built with it too, for the client rows (a
    /// fat-LTO build of the benchmark costs as much as the bot's).
    pub client: bool,
    /// Built with symbols (so that the same build serves `cargo bloat`) and
    /// stripped afterwards with binutils' `strip --strip-all`.
    pub strip_after: bool,
}

/// The variants, first the base the others are compared with.
pub const VARIANTS: [VariantSpec; 4] = [
    VariantSpec {
        profile: "release",
        env: &[
            ("CARGO_PROFILE_RELEASE_LTO", "false"),
            ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
            ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "3"),
        ],
        settings: "base: `strip = true` only (the release profile before issue 15, by `CARGO_PROFILE_RELEASE_*` overrides)",
        client: true,
        strip_after: false,
    },
    VariantSpec {
        profile: "size-lto",
        env: &[("CARGO_PROFILE_SIZE_LTO_STRIP", "false")],
        settings: "+ `lto = \"fat\"`, `codegen-units = 1` (built with symbols for `cargo bloat`, then stripped)",
        client: false,
        strip_after: true,
    },
    VariantSpec {
        profile: "size-lto-s",
        env: &[],
        settings: "+ `opt-level = \"s\"`",
        client: true,
        strip_after: false,
    },
    VariantSpec {
        profile: "size-lto-z",
        env: &[],
        settings: "`opt-level = \"z\"` instead of `\"s\"`",
        client: true,
        strip_after: false,
    },
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
    /// Bot runs at the target admins, in round order.
    pub bot: Vec<BotRun>,
    /// The floor client, in round order (empty when not measured).
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
    /// One entry per variant measured, in [`VARIANTS`] order.
    pub variants: Vec<Variation>,
}

/// Builds every variant (those named in `only`, if any; the base always),
/// then measures them round by round.
pub fn run(
    root: &Path,
    rounds: usize,
    only: &[String],
    provenance: Provenance,
) -> Result<Profiles> {
    let plan = Plan::full();
    let specs: Vec<&VariantSpec> = VARIANTS
        .iter()
        .enumerate()
        .filter(|(i, v)| *i == 0 || only.is_empty() || only.iter().any(|o| o == v.profile))
        .map(|(_, v)| v)
        .collect();
    if let Some(unknown) = only
        .iter()
        .find(|o| !VARIANTS.iter().any(|v| v.profile == o.as_str()))
    {
        anyhow::bail!(
            "no release-profile variant {unknown:?}; the variants are {}",
            VARIANTS.map(|v| v.profile).join(", ")
        );
    }
    let mut variants = Vec::new();
    let mut bins = Vec::new();
    for spec in &specs {
        eprintln!("building with profile {}…", spec.profile);
        let mut packages = vec!["wawp-bot"];
        if spec.client {
            packages.push("wawp-bench");
        }
        build_bins(root, spec.profile, spec.env, &packages)?;
        let dir = bin_dir(root, spec.profile);
        let mut binaries = Binaries {
            bench: dir.join("wawp-bench"),
            sandbox: dir.join("wawp-sandbox"),
            bot: dir.join("wawp-bot"),
        };
        if spec.strip_after {
            let stripped = dir.join("wawp-bot.stripped");
            std::fs::copy(&binaries.bot, &stripped)?;
            status(Command::new("strip").arg("--strip-all").arg(&stripped))?;
            binaries.bot = stripped;
        }
        variants.push(Variation {
            profile: spec.profile.into(),
            settings: spec.settings.into(),
            bot_size: std::fs::metadata(&binaries.bot)?.len(),
            bot: Vec::new(),
            raw: Vec::new(),
            wawp: Vec::new(),
        });
        bins.push(binaries);
    }
    // The bot scenario's driver is the base's benchmark binary whatever
    // the bot's profile: only the bot's own process differs.
    let driver = bins[0].bench.clone();
    let bot = Scenario::Bot {
        admins: TARGET_ADMINS,
    };
    let clients = [Variant::Raw, Variant::Wawp].map(|variant| Scenario::Client {
        variant,
        in_flight: IN_FLIGHT,
        subscriber: true,
    });
    for round in 0..rounds {
        for k in 0..variants.len() {
            let v = (k + round) % variants.len();
            let label = |s: &Scenario| {
                eprintln!(
                    "round {}/{rounds}: {} with {}",
                    round + 1,
                    s.label(),
                    specs[v].profile
                );
            };
            label(&bot);
            let with_driver = Binaries {
                bench: driver.clone(),
                ..bins[v].clone()
            };
            if let Report::Bot(b) =
                measure::once(&bot, &bot.args(&plan, &with_driver), &with_driver)?
            {
                variants[v].bot.push(b);
            }
            if !specs[v].client {
                continue;
            }
            for client in &clients {
                label(client);
                if let Report::Client(c) =
                    measure::once(client, &client.args(&plan, &bins[v]), &bins[v])?
                {
                    match c.variant {
                        Variant::Raw => variants[v].raw.push(c),
                        _ => variants[v].wawp.push(c),
                    }
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
