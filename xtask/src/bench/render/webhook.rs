//! The webhook part of section 3 of BENCHMARKS.md: `wawp-bot` replicas in
//! webhook mode on SQLite and PostgreSQL.

use std::fmt::Write as _;

use wawp_bench_report::{Store, UNPACED_REPLY_RATE, WebhookRun};

use super::super::plan::WEBHOOK_ROWS;
use super::super::results::Figures;
use super::super::spread::Spread;
use super::{CHARTS, count, list};

/// What a row with no runs shows instead of figures.
pub const NO_POSTGRES: &str = "not measured (no PostgreSQL server)";

/// The name of a row in the table and the chart.
pub fn row_name(store: Store, replicas: usize) -> String {
    let s = if replicas == 1 { "" } else { "s" };
    format!("{}, {replicas} replica{s}", store.title())
}

fn spread(runs: &[&WebhookRun], f: impl Fn(&WebhookRun) -> f64) -> Spread {
    Spread::of(values(runs, f))
}

fn values(runs: &[&WebhookRun], f: impl Fn(&WebhookRun) -> f64) -> Vec<f64> {
    runs.iter().map(|r| f(r)).collect()
}

/// Writes the subsection.
pub fn section(out: &mut String, f: &Figures) {
    let _ = writeln!(out, "### Webhook mode: replicas on one store\n");
    if f.plan.webhook_admins.is_empty() {
        let _ = writeln!(
            out,
            "_Not measured: these figures were made before the webhook scenario existed; run \
             `cargo xtask bench`._\n"
        );
        return;
    }
    let (base_store, base_replicas) = WEBHOOK_ROWS[0];
    let _ = writeln!(
        out,
        "{} `/send` commands per run from {} admins (each waits for its reply before its \
         next), POSTed as Telegram would to the `wawp-bot` binary in webhook mode: each replica \
         is a process of its own, in sandbox mode (an in-process fake Wawp), logging at INFO to \
         a file, with `--reply-rate {}` (the bot's total reply pace, one budget shared by \
         all replicas through the store; the highest it accepts, above the commands/s \
         here, so that the pace does not set the figures as the default 22/s would; the \
         reply-pace row below measures that default), serving its webhook on 127.0.0.1; the fake Bot API runs on 127.0.0.1 in the \
         benchmark process, whose single thread also makes the POSTs (keep-alive connections, \
         the secret-token header). The replicas of a run share one store: a SQLite file (WAL, \
         synchronous=FULL) in a temporary folder, or a schema of the run's own, dropped \
         afterwards, on the PostgreSQL server `WAWP_BOT_TEST_PG` names (else the one \
         `crates/wawp-bot/scripts/start-test-postgres.sh` starts on 127.0.0.1). Admin a's \
         command k goes to replica (a + k) mod R, and each update is delivered once — again \
         only after a 503 \"try again\" answer, as Telegram would (the last column counts \
         those over the rounds) — so this measures throughput; delivering every update twice \
         is the correctness test in `crates/wawp-bot/tests/wired/replicas.rs`. Latency is from \
         the start of a command's POST to the `sendMessage` answering it: the webhook's claim \
         of the update in the store (the POST is answered 200 only once it is committed), the \
         bot's audit-log commits and the sandbox round trip. Commands/s is the commands \
         answered over the run's wall time; \"÷ {}\" is a row's commands/s over that row's \
         with as many admins in the same round. Every process — replicas, PostgreSQL server, \
         load — shares this one machine's cores, so more replicas show contention on one \
         machine, not the scaling of separate ones. Start-up is from spawning the replicas to \
         the last one's `setWebhook`. Chart: [{}]({}).\n",
        count(f.plan.webhook_commands),
        list(&f.plan.webhook_admins),
        UNPACED_REPLY_RATE,
        row_name(base_store, base_replicas),
        CHARTS.webhook,
        CHARTS.webhook
    );
    let _ = writeln!(
        out,
        "| admins | store | replicas | commands/s | ÷ {} | p50 ms | p99 ms | start-up ms | 503s retried |",
        row_name(base_store, base_replicas)
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    let mut verdicts = Vec::new();
    for &admins in &f.plan.webhook_admins {
        let base = values(&f.webhook(base_store, base_replicas, admins), |r| {
            r.summary.rps
        });
        for (store, replicas) in WEBHOOK_ROWS {
            let runs = f.webhook(store, replicas, admins);
            if runs.is_empty() {
                let _ = writeln!(
                    out,
                    "| {admins} | {} | {replicas} | {NO_POSTGRES} | — | — | — | — | — |",
                    store.title()
                );
                continue;
            }
            let rps = values(&runs, |r| r.summary.rps);
            let ratio = if base.len() == rps.len() {
                Spread::of_ratios(&rps, &base).show(2)
            } else {
                "—".into()
            };
            let _ = writeln!(
                out,
                "| {admins} | {} | {replicas} | {} | {ratio} | {} | {} | {} | {} |",
                store.title(),
                Spread::of(rps).show(0),
                spread(&runs, |r| r.summary.p50_us / 1e3).show(2),
                spread(&runs, |r| r.summary.p99_us / 1e3).show(2),
                spread(&runs, |r| r.startup_ms).show(1),
                runs.iter().map(|r| r.retries).sum::<usize>(),
            );
        }
        let one = f.webhook(Store::Postgres, 1, admins);
        let three = f.webhook(Store::Postgres, 3, admins);
        if !one.is_empty() && one.len() == three.len() {
            let ratio = Spread::of_ratios(
                &values(&three, |r| r.summary.rps),
                &values(&one, |r| r.summary.rps),
            );
            verdicts.push(format!(
                "- {admins} admins on PostgreSQL: 3 replicas answer {} times the commands/s of 1 \
                 (median, min–max over the rounds)",
                ratio.show(2)
            ));
        }
    }
    out.push('\n');
    if let Some(reason) = &f.no_postgres {
        verdicts.push(format!(
            "- the PostgreSQL rows were **not measured**: {reason}"
        ));
    }
    for line in verdicts {
        let _ = writeln!(out, "{line}");
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::super::super::plan::{Plan, TARGET_ADMINS};
    use super::super::super::results::sample;
    use super::*;

    fn rendered(f: &Figures) -> String {
        let mut out = String::new();
        section(&mut out, f);
        out
    }

    #[test]
    fn each_row_shows_its_figures_and_its_ratio_to_sqlite_in_the_same_round() {
        let md = rendered(&sample(Plan::full()));
        assert!(
            md.contains("1,000 `/send` commands per run from 10 and 50 admins"),
            "{md}"
        );
        assert!(md.contains("each update is delivered once"), "{md}");
        assert!(
            md.contains("`--reply-rate 1000` (the bot's total reply pace"),
            "{md}"
        );
        assert!(md.contains("| admins | store | replicas | commands/s | ÷ SQLite, 1 replica |"));
        // The sample: 12 commands in 12 ms on one replica, in 4 ms on three.
        assert!(
            md.contains(
                "| 10 | SQLite | 1 | 1000 (1000–1000) | 1.00 (1.00–1.00) | 6.00 (6.00–6.00) |"
            ),
            "{md}"
        );
        assert!(
            md.contains("| 50 | PostgreSQL | 3 | 3000 (3000–3000) | 3.00 (3.00–3.00) |"),
            "{md}"
        );
        assert!(md.contains("- 10 admins on PostgreSQL: 3 replicas answer 3.00 (3.00–3.00) times"));
        assert!(!md.contains("not measured"), "{md}");
        assert!(md.contains(&format!("]({})", CHARTS.webhook)));
    }

    #[test]
    fn without_a_server_the_postgres_rows_say_they_were_not_measured_and_why() {
        let mut f = sample(Plan::full());
        for round in &mut f.rounds {
            round.retain(|r| {
                !matches!(r, wawp_bench_report::Report::Webhook(w) if w.store == Store::Postgres)
            });
        }
        f.no_postgres = Some("WAWP_BOT_TEST_PG is unset and the script failed".into());
        let md = rendered(&f);
        assert!(
            md.contains(&format!(
                "| {TARGET_ADMINS} | PostgreSQL | 3 | {NO_POSTGRES} |"
            )),
            "{md}"
        );
        assert!(
            md.contains("| 50 | SQLite | 1 | 1000 (1000–1000) |"),
            "{md}"
        );
        assert!(
            md.contains(
                "rows were **not measured**: WAWP_BOT_TEST_PG is unset and the script failed"
            ),
            "{md}"
        );
        assert!(
            !md.contains("3 replicas answer"),
            "no ratio without both rows"
        );
    }

    #[test]
    fn figures_made_before_the_scenario_say_so() {
        let mut plan = Plan::full();
        plan.webhook_admins.clear();
        let md = rendered(&sample(plan));
        assert!(
            md.contains("made before the webhook scenario existed"),
            "{md}"
        );
        assert!(!md.contains("| admins |"));
    }
}
