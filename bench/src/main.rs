//! Benchmarks for wawp-rs. `cargo xtask bench` builds this in release mode,
//! runs each scenario several times, interleaved, and writes BENCHMARKS.md;
//! each run prints one JSON line, a [`wawp_bench_report::Report`].

mod bot;
mod client;
mod floor_server;
mod load;
mod memory;
mod pairing;
mod sandbox;
mod webhook;

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};
use wawp_bench_report::{ClientRun, Report, Store, Variant};

#[derive(Debug, Parser)]
#[command(about = "wawp-rs benchmarks; each run prints one JSON report line")]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// Client overhead against a minimal local server.
    Client {
        /// Which client: raw, generated or wawp.
        #[arg(long)]
        variant: Variant,
        /// Sends to make.
        #[arg(long, default_value_t = 20_000)]
        requests: usize,
        /// Requests in flight at once (1 = sequential).
        #[arg(long, default_value_t = 1)]
        in_flight: usize,
        /// Install no tracing subscriber (the spans cost next to nothing).
        #[arg(long)]
        no_subscriber: bool,
    },
    /// Sends with distinct recipients to the `wawp-sandbox` binary.
    Sandbox {
        /// The wawp-sandbox binary to start.
        #[arg(long)]
        binary: PathBuf,
        /// Sends to make.
        #[arg(long, default_value_t = 400_000)]
        requests: usize,
        /// Keep-alive connections.
        #[arg(long, default_value_t = 64)]
        connections: usize,
    },
    /// Admins' /send commands through the `wawp-bot` binary in sandbox mode.
    Bot {
        #[command(flatten)]
        load: BotLoad,
    },
    /// Admins' /send commands POSTed to `wawp-bot` replicas in webhook mode
    /// (and sandbox mode) sharing one store.
    Webhook {
        #[command(flatten)]
        load: BotLoad,
        /// wawp-bot processes; admin a's command k goes to replica (a + k) % R.
        #[arg(long, default_value_t = 1)]
        replicas: usize,
        /// The store they share: sqlite (a file in a temporary folder) or
        /// postgres (a fresh schema, dropped after the run).
        #[arg(long)]
        store: Store,
        /// The PostgreSQL server for --store postgres.
        #[arg(long, env = "WAWP_BOT_TEST_PG", hide_env_values = true)]
        pg_url: Option<String>,
    },
    /// `/send` commands at a fixed rate, one chat each, to webhook replicas
    /// on PostgreSQL (calling a fake Wawp here), one of them SIGKILLed and
    /// restarted along the way.
    Kill {
        #[command(flatten)]
        load: OpenLoad,
        /// SIGKILLs of replica 0 (each followed by a restart), evenly spread.
        #[arg(long, default_value_t = 3)]
        kills: usize,
    },
    /// `/send` commands at a fixed rate to webhook replicas on PostgreSQL at
    /// the bot's default --reply-rate, against a fake Bot API answering 429
    /// beyond Telegram's 30 messages a second.
    Pace {
        #[command(flatten)]
        load: OpenLoad,
    },
}

/// The open-loop scenarios' load: commands at a fixed rate, one chat each,
/// to replicas on PostgreSQL.
#[derive(Debug, clap::Args)]
struct OpenLoad {
    /// The wawp-bot binary to start.
    #[arg(long)]
    binary: PathBuf,
    /// Commands in all.
    #[arg(long, default_value_t = 900)]
    commands: usize,
    /// Commands POSTed a second.
    #[arg(long, default_value_t = 30)]
    per_second: usize,
    /// wawp-bot processes in webhook mode.
    #[arg(long, default_value_t = 3)]
    replicas: usize,
    /// The PostgreSQL server (a fresh schema, dropped after the run).
    #[arg(long, env = "WAWP_BOT_TEST_PG", hide_env_values = true)]
    pg_url: String,
}

impl OpenLoad {
    fn options(&self) -> webhook::takeover::Options<'_> {
        webhook::takeover::Options {
            binary: &self.binary,
            commands: self.commands,
            per_second: self.per_second,
            replicas: self.replicas,
            pg_url: &self.pg_url,
        }
    }
}

/// The bot scenarios' load: which binary, how many commands, from how many
/// admins.
#[derive(Debug, clap::Args)]
struct BotLoad {
    /// The wawp-bot binary to start.
    #[arg(long)]
    binary: PathBuf,
    /// Commands in all.
    #[arg(long, default_value_t = 1_000)]
    commands: usize,
    /// Admins sending them, each waiting for its reply before the next.
    #[arg(long, default_value_t = 10)]
    admins: usize,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The client runs on one thread; servers started here get their own.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = match cli.scenario {
        Scenario::Client {
            variant,
            requests,
            in_flight,
            no_subscriber,
        } => {
            // Tracing on, as in an application: a subscriber writing to a sink.
            if !no_subscriber {
                tracing_subscriber::fmt()
                    .with_writer(std::io::sink)
                    .with_max_level(tracing::Level::INFO)
                    .init();
            }
            let addr = floor_server::start()?;
            let summary = runtime.block_on(client::run(
                variant,
                &format!("http://{addr}"),
                requests,
                in_flight,
            ));
            Report::Client(ClientRun {
                variant,
                in_flight,
                subscriber: !no_subscriber,
                summary,
            })
        }
        Scenario::Sandbox {
            binary,
            requests,
            connections,
        } => {
            let local = tokio::task::LocalSet::new();
            Report::Sandbox(local.block_on(&runtime, sandbox::run(&binary, requests, connections))?)
        }
        Scenario::Bot {
            load:
                BotLoad {
                    binary,
                    commands,
                    admins,
                },
        } => Report::Bot(runtime.block_on(bot::run(&binary, commands, admins))?),
        Scenario::Webhook {
            load:
                BotLoad {
                    binary,
                    commands,
                    admins,
                },
            replicas,
            store,
            pg_url,
        } => {
            if store == Store::Postgres && pg_url.is_none() {
                Cli::command()
                    .error(
                        clap::error::ErrorKind::MissingRequiredArgument,
                        "--store postgres needs --pg-url or WAWP_BOT_TEST_PG: the server to use",
                    )
                    .exit();
            }
            let options = webhook::Options {
                binary: &binary,
                commands,
                admins,
                replicas,
                store,
                pg_url: pg_url.as_deref(),
            };
            Report::Webhook(runtime.block_on(webhook::run(&options))?)
        }
        Scenario::Kill { load, kills } => {
            Report::Kill(runtime.block_on(webhook::takeover::kill(&load.options(), kills))?)
        }
        Scenario::Pace { load } => {
            Report::Pace(runtime.block_on(webhook::takeover::pace(&load.options()))?)
        }
    };
    println!("{}", report.to_line());
    Ok(())
}
