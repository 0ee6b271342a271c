//! What a figures run measures: the counts and the scenario list, from which
//! both `wawp-bench`'s arguments and the prose in BENCHMARKS.md are made.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use wawp_bench_report::{Report, Store, Variant};

/// The counts of one figures run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Sends per client run.
    pub client_requests: usize,
    /// Requests in flight, one client row group each.
    pub in_flight: Vec<usize>,
    /// Sends per sandbox run (the first half must exceed the sandbox's
    /// 100,000-recipient cap for the memory check to mean anything).
    pub sandbox_requests: usize,
    /// Keep-alive connections to the sandbox, one row each.
    pub connections: Vec<usize>,
    /// Commands per bot run.
    pub bot_commands: usize,
    /// Concurrent admins, one bot row each.
    pub admins: Vec<usize>,
    /// Commands per webhook run (absent from results made before the
    /// webhook scenario existed).
    #[serde(default)]
    pub webhook_commands: usize,
    /// Concurrent admins, one group of [`WEBHOOK_ROWS`] each.
    #[serde(default)]
    pub webhook_admins: Vec<usize>,
    /// Commands of the SIGKILL row (0 in results made before it).
    #[serde(default)]
    pub kill_commands: usize,
    /// SIGKILLs of one replica in the SIGKILL row.
    #[serde(default)]
    pub kills: usize,
    /// Commands of the reply-pace row.
    #[serde(default)]
    pub pace_commands: usize,
    /// The open-loop rows' commands a second.
    #[serde(default)]
    pub open_per_second: usize,
}

/// The replicas of the open-loop rows (SIGKILL, reply pace).
pub const OPEN_LOOP_REPLICAS: usize = 3;

/// The admins of the bot row the targets are about.
pub const TARGET_ADMINS: usize = 10;

impl Plan {
    /// The real benchmark.
    pub fn full() -> Plan {
        Plan {
            client_requests: 20_000,
            in_flight: vec![1, 64],
            sandbox_requests: 400_000,
            connections: vec![1, 8, 64, 256],
            bot_commands: 1_000,
            admins: vec![1, TARGET_ADMINS, 50],
            webhook_commands: 1_000,
            webhook_admins: vec![TARGET_ADMINS, 50],
            kill_commands: 900,
            kills: 3,
            pace_commands: 600,
            open_per_second: 30,
        }
    }

    /// Tiny counts, every scenario still run once (CI).
    pub fn smoke() -> Plan {
        Plan {
            client_requests: 50,
            in_flight: vec![1, 64],
            sandbox_requests: 512,
            connections: vec![1, 8, 64, 256],
            bot_commands: 60,
            admins: vec![1, TARGET_ADMINS, 50],
            webhook_commands: 60,
            webhook_admins: vec![TARGET_ADMINS, 50],
            kill_commands: 90,
            kills: 1,
            pace_commands: 60,
            open_per_second: 30,
        }
    }

    /// The open-loop rows (`--mode takeover`), none when the plan has no
    /// count for them.
    pub fn open_loop(&self) -> Vec<Scenario> {
        let mut all = Vec::new();
        if self.kill_commands > 0 {
            all.push(Scenario::Kill { kills: self.kills });
        }
        if self.pace_commands > 0 {
            all.push(Scenario::Pace);
        }
        all
    }

    /// Every scenario, in the order of one round.
    pub fn scenarios(&self) -> Vec<Scenario> {
        let mut all = Vec::new();
        for &in_flight in &self.in_flight {
            for (variant, subscriber) in CLIENT_ROWS {
                all.push(Scenario::Client {
                    variant,
                    in_flight,
                    subscriber,
                });
            }
        }
        for &connections in &self.connections {
            all.push(Scenario::Sandbox { connections });
        }
        for &admins in &self.admins {
            all.push(Scenario::Bot { admins });
        }
        for &admins in &self.webhook_admins {
            for (store, replicas) in WEBHOOK_ROWS {
                all.push(Scenario::Webhook {
                    store,
                    replicas,
                    admins,
                });
            }
        }
        all
    }
}

/// The webhook rows of each admin count: the store and the `wawp-bot`
/// processes on it. The first is the baseline of the ratios.
pub const WEBHOOK_ROWS: [(Store, usize); 3] = [
    (Store::Sqlite, 1),
    (Store::Postgres, 1),
    (Store::Postgres, 3),
];

/// The client rows: each variant with the fmt subscriber, and `wawp` with
/// none (the crate's own cost).
pub const CLIENT_ROWS: [(Variant, bool); 4] = [
    (Variant::Raw, true),
    (Variant::Generated, true),
    (Variant::Wawp, true),
    (Variant::Wawp, false),
];

/// The binaries a figures run starts.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// `wawp-bench`, the driver.
    pub bench: PathBuf,
    /// `wawp-sandbox`, loaded by the sandbox scenario.
    pub sandbox: PathBuf,
    /// `wawp-bot`, started by the bot scenario.
    pub bot: PathBuf,
}

/// One scenario of a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// A client against the floor server.
    Client {
        /// Which client.
        variant: Variant,
        /// Requests in flight.
        in_flight: usize,
        /// With the fmt subscriber.
        subscriber: bool,
    },
    /// The sandbox binary under load.
    Sandbox {
        /// Keep-alive connections.
        connections: usize,
    },
    /// The bot binary answering admins.
    Bot {
        /// Concurrent admins.
        admins: usize,
    },
    /// Bot replicas in webhook mode on one store.
    Webhook {
        /// The store they share.
        store: Store,
        /// `wawp-bot` processes.
        replicas: usize,
        /// Concurrent admins.
        admins: usize,
    },
    /// Open loop on three replicas, one SIGKILLed and restarted.
    Kill {
        /// SIGKILLs.
        kills: usize,
    },
    /// Open loop on three replicas at the default reply pace against
    /// Telegram's flood limit.
    Pace,
}

impl Scenario {
    /// A short name for progress lines and errors.
    pub fn label(&self) -> String {
        match self {
            Scenario::Client {
                variant,
                in_flight,
                subscriber,
            } => {
                let quiet = if *subscriber { "" } else { "-quiet" };
                format!("client/{variant}{quiet}/{in_flight}")
            }
            Scenario::Sandbox { connections } => format!("sandbox/{connections}"),
            Scenario::Bot { admins } => format!("bot/{admins}"),
            Scenario::Webhook {
                store,
                replicas,
                admins,
            } => format!("webhook/{store}/{replicas}x/{admins}"),
            Scenario::Kill { kills } => format!("kill/{OPEN_LOOP_REPLICAS}x/{kills}"),
            Scenario::Pace => format!("pace/{OPEN_LOOP_REPLICAS}x"),
        }
    }

    /// Whether the scenario needs a PostgreSQL server.
    pub fn needs_postgres(&self) -> bool {
        matches!(
            self,
            Scenario::Webhook {
                store: Store::Postgres,
                ..
            } | Scenario::Kill { .. }
                | Scenario::Pace
        )
    }

    /// The arguments of `wawp-bench` that run this scenario.
    pub fn args(&self, plan: &Plan, bins: &Binaries) -> Vec<String> {
        match *self {
            Scenario::Client {
                variant,
                in_flight,
                subscriber,
            } => {
                let mut args = vec![
                    "client".into(),
                    format!("--variant={variant}"),
                    format!("--requests={}", plan.client_requests),
                    format!("--in-flight={in_flight}"),
                ];
                if !subscriber {
                    args.push("--no-subscriber".into());
                }
                args
            }
            Scenario::Sandbox { connections } => vec![
                "sandbox".into(),
                format!("--binary={}", bins.sandbox.display()),
                format!("--requests={}", plan.sandbox_requests),
                format!("--connections={connections}"),
            ],
            Scenario::Bot { admins } => vec![
                "bot".into(),
                format!("--binary={}", bins.bot.display()),
                format!("--commands={}", plan.bot_commands),
                format!("--admins={admins}"),
            ],
            // The PostgreSQL server comes in the environment: its URL
            // holds a password.
            Scenario::Webhook {
                store,
                replicas,
                admins,
            } => vec![
                "webhook".into(),
                format!("--binary={}", bins.bot.display()),
                format!("--commands={}", plan.webhook_commands),
                format!("--admins={admins}"),
                format!("--replicas={replicas}"),
                format!("--store={store}"),
            ],
            Scenario::Kill { kills } => vec![
                "kill".into(),
                format!("--binary={}", bins.bot.display()),
                format!("--commands={}", plan.kill_commands),
                format!("--per-second={}", plan.open_per_second),
                format!("--replicas={OPEN_LOOP_REPLICAS}"),
                format!("--kills={kills}"),
            ],
            Scenario::Pace => vec![
                "pace".into(),
                format!("--binary={}", bins.bot.display()),
                format!("--commands={}", plan.pace_commands),
                format!("--per-second={}", plan.open_per_second),
                format!("--replicas={OPEN_LOOP_REPLICAS}"),
            ],
        }
    }

    /// Whether `report` is what this scenario measures.
    pub fn answered_by(&self, report: &Report) -> bool {
        match (self, report) {
            (
                Scenario::Client {
                    variant,
                    in_flight,
                    subscriber,
                },
                Report::Client(r),
            ) => r.variant == *variant && r.in_flight == *in_flight && r.subscriber == *subscriber,
            (Scenario::Sandbox { connections }, Report::Sandbox(r)) => {
                r.connections == *connections
            }
            (Scenario::Bot { admins }, Report::Bot(r)) => r.admins == *admins,
            (
                Scenario::Webhook {
                    store,
                    replicas,
                    admins,
                },
                Report::Webhook(r),
            ) => r.store == *store && r.replicas == *replicas && r.admins == *admins,
            (Scenario::Kill { kills }, Report::Kill(r)) => {
                r.kills == *kills && r.replicas == OPEN_LOOP_REPLICAS
            }
            (Scenario::Pace, Report::Pace(r)) => r.replicas == OPEN_LOOP_REPLICAS,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests;
