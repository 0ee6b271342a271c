//! What a figures run measures: the counts and the scenario list, from which
//! both `wawp-bench`'s arguments and the prose in BENCHMARKS.md are made.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use wawp_bench_report::{Report, Variant};

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
}

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
        }
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
        all
    }
}

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
        }
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
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_count_of_the_plan_becomes_a_scenario() {
        let plan = Plan::full();
        let scenarios = plan.scenarios();
        assert_eq!(
            scenarios.len(),
            plan.in_flight.len() * CLIENT_ROWS.len() + plan.connections.len() + plan.admins.len()
        );
        assert!(plan.admins.contains(&TARGET_ADMINS));
        let bins = Binaries {
            bench: "b".into(),
            sandbox: "s".into(),
            bot: "w".into(),
        };
        let quiet = Scenario::Client {
            variant: Variant::Wawp,
            in_flight: 64,
            subscriber: false,
        };
        assert_eq!(
            quiet.args(&plan, &bins),
            [
                "client",
                "--variant=wawp",
                "--requests=20000",
                "--in-flight=64",
                "--no-subscriber"
            ]
        );
        assert_eq!(quiet.label(), "client/wawp-quiet/64");
        assert!(scenarios.contains(&quiet));
    }
}
