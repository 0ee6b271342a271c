//! `cargo xtask bench`: builds the benchmarks, runs them and writes
//! BENCHMARKS.md with its SVG charts. Modes:
//!
//! - `figures` (default): every scenario in interleaved rounds, with the
//!   binaries of one cargo profile; results in `bench/results/figures.json`.
//! - `profiles`: `wawp-bot`'s size and latency under release-profile variants.
//! - `build-times`: cold builds of a one-line `wawp` consumer and of the workspace.
//! - `callgrind`: instructions per call of each client layer.
//! - `takeover`: only the open-loop rows on three webhook replicas (one
//!   SIGKILLed under load; the default reply pace against Telegram's flood
//!   limit); results in `bench/results/takeover.json`. `figures` runs them
//!   too, after its rounds.
//! - `render`: BENCHMARKS.md and the charts again from the saved results.
//!
//! `--smoke` runs every scenario once with tiny counts on a debug build,
//! checks that each completes without errors, draws the charts into
//! `target/bench-smoke/` and writes nothing in the tree: CI runs it so the
//! benchmarks keep working, and it asserts no timing.
//!
//! The webhook rows on PostgreSQL use the server `WAWP_BOT_TEST_PG` names,
//! else the one `crates/wawp-bot/scripts/start-test-postgres.sh` starts;
//! with neither they are left out with a notice, and BENCHMARKS.md says
//! they were not measured.

mod build_cost;
mod callgrind;
mod cargo;
mod charts;
mod measure;
mod plan;
mod profiles;
mod render;
mod results;
mod spread;

use std::path::Path;

use anyhow::{Context, Result};

use plan::{Binaries, Plan, Scenario};
use results::{Figures, OpenLoop, Provenance};

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Every scenario, interleaved over `--runs` rounds.
    Figures,
    /// Release-profile variants: size and latency.
    Profiles,
    /// Cold build times (slow: builds everything from scratch).
    BuildTimes,
    /// Instruction counts with valgrind's callgrind.
    Callgrind,
    /// Only the open-loop rows: SIGKILL under load, reply pace.
    Takeover,
    /// Redraw BENCHMARKS.md and the charts from bench/results/.
    Render,
}

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Tiny counts, debug build, one round, nothing written in the tree.
    pub smoke: bool,
    /// Rounds (the median of the runs is reported).
    pub runs: usize,
    /// What to measure.
    pub mode: Mode,
    /// Cargo profile of the binaries measured by `figures` and `callgrind`.
    pub profile: String,
    /// The release-profile variants `profiles` measures (empty: all).
    pub variants: Vec<String>,
}

/// Runs the benchmarks.
pub fn run(root: &Path, options: Options) -> Result<()> {
    if options.smoke {
        return smoke(root);
    }
    let runs = options.runs.max(1);
    let command = match options.mode {
        Mode::Figures | Mode::Callgrind | Mode::Takeover => format!(
            "cargo xtask bench --mode {} --runs {runs} --profile {}",
            mode_name(options.mode),
            options.profile
        ),
        Mode::Profiles => {
            let only: String = options
                .variants
                .iter()
                .map(|v| format!(" --variant {v}"))
                .collect();
            format!("cargo xtask bench --mode profiles --runs {runs}{only}")
        }
        mode => format!("cargo xtask bench --mode {}", mode_name(mode)),
    };
    let provenance = Provenance::start(root, &command);
    match options.mode {
        Mode::Figures => {
            let figures = figures(root, &options.profile, runs, provenance)?;
            results::save(root, "figures", &figures)?;
            let provenance = Provenance::start(root, &command);
            let measured = open_loop(root, &options.profile, runs, provenance)?;
            results::save(root, "takeover", &measured)?;
        }
        Mode::Takeover => {
            let measured = open_loop(root, &options.profile, runs, provenance)?;
            results::save(root, "takeover", &measured)?;
        }
        Mode::Profiles => {
            let measured = profiles::run(root, runs, &options.variants, provenance)?;
            results::save(root, "profiles", &measured)?;
        }
        Mode::BuildTimes => {
            let measured = build_cost::cold(root, provenance)?;
            results::save(root, "build-times", &measured)?;
        }
        Mode::Callgrind => {
            let bins = build(root, &options.profile)?;
            let measured = callgrind::run(&bins, &options.profile, provenance)?;
            results::save(root, "callgrind", &measured)?;
        }
        Mode::Render => {}
    }
    render_all(root)
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Figures => "figures",
        Mode::Profiles => "profiles",
        Mode::BuildTimes => "build-times",
        Mode::Callgrind => "callgrind",
        Mode::Takeover => "takeover",
        Mode::Render => "render",
    }
}

/// Builds the three binaries with `profile`.
fn build(root: &Path, profile: &str) -> Result<Binaries> {
    eprintln!("building the benchmarks (profile {profile})…");
    cargo::build_bins(
        root,
        profile,
        &[],
        &["wawp-bot", "wawp-sandbox", "wawp-bench"],
    )?;
    let dir = cargo::bin_dir(root, profile);
    Ok(Binaries {
        bench: dir.join("wawp-bench"),
        sandbox: dir.join("wawp-sandbox"),
        bot: dir.join("wawp-bot"),
    })
}

fn figures(root: &Path, profile: &str, runs: usize, provenance: Provenance) -> Result<Figures> {
    let bins = build(root, profile)?;
    let plan = Plan::full();
    let (scenarios, pg_url, no_postgres) = with_postgres(root, plan.scenarios());
    let rounds = measure::rounds(&plan, &scenarios, &bins, runs, pg_url.as_deref())?;
    let bot_size = std::fs::metadata(&bins.bot)?.len();
    let incremental = Some(build_cost::incremental(root)?);
    Ok(Figures {
        provenance: provenance.finish(),
        profile: profile.into(),
        plan,
        bot_size,
        incremental,
        no_postgres,
        rounds,
    })
}

/// The open-loop rows of the full plan, `runs` rounds.
fn open_loop(root: &Path, profile: &str, runs: usize, provenance: Provenance) -> Result<OpenLoop> {
    let bins = build(root, profile)?;
    let plan = Plan::full();
    let (scenarios, pg_url, no_postgres) = with_postgres(root, plan.open_loop());
    let rounds = measure::rounds(&plan, &scenarios, &bins, runs, pg_url.as_deref())?;
    Ok(OpenLoop {
        provenance: provenance.finish(),
        profile: profile.into(),
        plan,
        no_postgres,
        rounds,
    })
}

/// `scenarios` and the PostgreSQL server for those that need one; without
/// a server, those are left out with a notice, and the reason is returned
/// for BENCHMARKS.md.
fn with_postgres(
    root: &Path,
    mut scenarios: Vec<Scenario>,
) -> (Vec<Scenario>, Option<String>, Option<String>) {
    if !scenarios.iter().any(Scenario::needs_postgres) {
        return (scenarios, None, None);
    }
    match measure::postgres(root) {
        Ok(url) => (scenarios, Some(url), None),
        Err(reason) => {
            eprintln!("notice: {reason}: the PostgreSQL webhook rows are NOT measured");
            scenarios.retain(|s| !s.needs_postgres());
            (scenarios, None, Some(reason))
        }
    }
}

fn smoke(root: &Path) -> Result<()> {
    let bins = build(root, "dev")?;
    let plan = Plan::smoke();
    let provenance = Provenance::start(root, "cargo xtask bench --smoke");
    let (scenarios, pg_url, no_postgres) = with_postgres(root, plan.scenarios());
    let rounds = measure::rounds(&plan, &scenarios, &bins, 1, pg_url.as_deref())?;
    let open: Vec<Scenario> = plan
        .open_loop()
        .into_iter()
        .filter(|s| pg_url.is_some() || !s.needs_postgres())
        .collect();
    let open_rounds = measure::rounds(&plan, &open, &bins, 1, pg_url.as_deref())?;
    let open_loop = OpenLoop {
        provenance: provenance.clone(),
        profile: "dev".into(),
        plan: plan.clone(),
        no_postgres: no_postgres.clone(),
        rounds: open_rounds,
    };
    let figures = Figures {
        provenance: provenance.finish(),
        profile: "dev".into(),
        bot_size: std::fs::metadata(&bins.bot)?.len(),
        plan,
        incremental: None,
        no_postgres: no_postgres.clone(),
        rounds,
    };
    let charts = cargo::target_dir(root).join("bench-smoke");
    std::fs::create_dir_all(&charts)?;
    charts::draw(&charts, &figures, &render::CHARTS)?;
    let markdown = render::markdown(&render::Inputs {
        figures: &figures,
        open_loop: Some(&open_loop),
        profiles: None,
        build_times: None,
        instructions: None,
        analysis: None,
        smoke: true,
    });
    println!("{markdown}");
    let skipped = match &no_postgres {
        Some(reason) => format!(" (except the PostgreSQL rows, NOT run: {reason})"),
        None => String::new(),
    };
    eprintln!(
        "smoke run complete: every scenario ran without errors{skipped} and the charts drew ({})",
        charts.display()
    );
    Ok(())
}

/// BENCHMARKS.md and its charts from the saved results.
fn render_all(root: &Path) -> Result<()> {
    let figures: Figures = results::load(root, "figures")?.context(
        "bench/results/figures.json is missing: run `cargo xtask bench` (mode figures) first",
    )?;
    let profiles: Option<profiles::Profiles> = results::load(root, "profiles")?;
    let build_times: Option<build_cost::BuildTimes> = results::load(root, "build-times")?;
    let instructions: Option<callgrind::Instructions> = results::load(root, "callgrind")?;
    let open_loop: Option<OpenLoop> = results::load(root, "takeover")?;
    let analysis = std::fs::read_to_string(root.join("bench/ANALYSIS.md")).ok();
    charts::draw(root, &figures, &render::CHARTS)?;
    let markdown = render::markdown(&render::Inputs {
        figures: &figures,
        open_loop: open_loop.as_ref(),
        profiles: profiles.as_ref(),
        build_times: build_times.as_ref(),
        instructions: instructions.as_ref(),
        analysis: analysis.as_deref(),
        smoke: false,
    });
    std::fs::write(root.join("BENCHMARKS.md"), markdown).context("writing BENCHMARKS.md")?;
    eprintln!("wrote BENCHMARKS.md and its charts");
    Ok(())
}
