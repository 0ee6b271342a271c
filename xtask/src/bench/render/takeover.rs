//! The open-loop part of section 3 of BENCHMARKS.md: three webhook
//! replicas with one SIGKILLed under load, and the bot's default reply
//! pace against Telegram's flood limit.

use std::fmt::Write as _;

use wawp_bench_report::{KILL_WAWP_DELAY_MS, KillRun, PaceRun, Tally, UNPACED_REPLY_RATE};

use super::super::plan::OPEN_LOOP_REPLICAS;
use super::super::results::OpenLoop;
use super::super::spread::Spread;
use super::{count, verdict};

/// Writes the subsection.
pub fn section(out: &mut String, open: Option<&OpenLoop>) {
    let _ = writeln!(
        out,
        "### SIGKILL under load and the reply pace: {OPEN_LOOP_REPLICAS} replicas\n"
    );
    let Some(open) = open else {
        let _ = writeln!(
            out,
            "_Not measured: run `cargo xtask bench --mode takeover` (bench/results/takeover.json \
             is missing)._\n"
        );
        return;
    };
    if let Some(reason) = &open.no_postgres {
        let _ = writeln!(out, "_Not measured: {reason}._\n");
        return;
    }
    let _ = writeln!(
        out,
        "Made by {}; binaries: cargo profile `{}`; {} run(s) of each row. Each command is a \
         `/send` from an admin chat of its own (so each reply names its command; each is also \
         that admin's first message, on which the bot registers the admin's command menu), \
         POSTed at a fixed rate whatever the replies, each to the next replica in turn, to \
         {OPEN_LOOP_REPLICAS} `wawp-bot` processes in webhook mode sharing one PostgreSQL schema. \
         A POST that meets a connection error or any answer but 200 is made again to the next \
         replica 20 ms later, as Telegram resends a failed delivery (\"redelivered\"). One \
         command is answered before the load starts (a fresh schema has no reply budget yet). \
         The counts are taken once every acknowledged command is answered (or the patience \
         ran out), 2 s later, from the messages the fake Bot API took; counts are totals over \
         the runs, times the median (min–max). Latency is from a command's first POST to its \
         reply.\n",
        open.provenance.line(),
        open.profile,
        open.rounds.len()
    );
    kill(out, open);
    pace(out, open);
}

fn spread<T>(runs: &[&T], f: impl Fn(&T) -> f64) -> String {
    Spread::of(runs.iter().map(|r| f(r)).collect()).show(0)
}

fn total<T>(runs: &[&T], f: impl Fn(&T) -> usize) -> usize {
    runs.iter().map(|r| f(r)).sum()
}

fn tallied<T>(runs: &[&T], tally: impl Fn(&T) -> &Tally, f: impl Fn(&Tally) -> usize) -> usize {
    total(runs, |r| f(tally(r)))
}

fn kill(out: &mut String, open: &OpenLoop) {
    let runs: Vec<&KillRun> = open.kill();
    let _ = writeln!(
        out,
        "**SIGKILL under load.** {} commands per run at {}/s; replica 0 is SIGKILLed {} \
         time(s), evenly through the run, and started again at once on its address. The \
         replicas call a fake Wawp on 127.0.0.1 that answers after {KILL_WAWP_DELAY_MS} ms (a \
         real call takes hundreds: commands are in hand when a replica dies) and counts the \
         messages to each phone number (\"duplicate sends\": messages beyond one per number), \
         with `--reply-rate \
         {UNPACED_REPLY_RATE}` (the bot's total) and a fake Bot API without a flood limit, so \
         that neither pace sets the latency. \"Held\" are the commands acknowledged before a \
         kill and answered after it: those the dead replica had taken are among them, and \
         wait for its lease to expire before another replica takes them over (the bot's \
         leases: 30 s on a command not yet handled, 30 s on a reply not yet sent); a command \
         whose Wawp call had started is answered \"outcome unknown\", never sent again.\n",
        count(open.plan.kill_commands),
        open.plan.open_per_second,
        open.plan.kills
    );
    if runs.is_empty() {
        let _ = writeln!(out, "_No SIGKILL run in the results._\n");
        return;
    }
    let _ = writeln!(
        out,
        "| acknowledged (200) | answered exactly once | lost | duplicate replies | duplicate \
         sends | \"outcome unknown\" | redelivered | p50 ms | p99 ms | held | held p99 ms | held \
         max ms |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|");
    let t = |f: fn(&Tally) -> usize| tallied(&runs, |r| &r.tally, f);
    let lost = t(|t| t.lost);
    let duplicates = total(&runs, |r| r.duplicate_sends);
    let _ = writeln!(
        out,
        "| {} | {} | {lost} | {} | {duplicates} | {} | {} | {} | {} | {} | {} | {} |\n",
        t(|t| t.acknowledged),
        t(|t| t.answered_once),
        t(|t| t.duplicate_replies),
        t(|t| t.unknown),
        t(|t| t.redelivered),
        spread(&runs, |r| r.summary.p50_us / 1e3),
        spread(&runs, |r| r.summary.p99_us / 1e3),
        total(&runs, |r| r.held),
        spread(&runs, |r| r.held_p99_ms),
        spread(&runs, |r| r.held_max_ms),
    );
    let kills = total(&runs, |r| r.kills);
    let _ = writeln!(
        out,
        "- commands lost (acknowledged, never answered) over {kills} kill(s): {lost}, target 0: \
         {}\n- codes sent twice: {duplicates}, target 0: {}\n- answered more than once: {}, \
         target 0: {}\n",
        verdict(lost == 0),
        verdict(duplicates == 0),
        t(|t| t.duplicate_replies),
        verdict(t(|t| t.duplicate_replies) == 0),
    );
    if total(&runs, |r| r.held) == 0 {
        let _ = writeln!(
            out,
            "- no command was acknowledged before a kill and answered after it: every kill \
             found the dead replica with nothing in hand (each command takes milliseconds at \
             this rate), so these runs did not time a takeover\n"
        );
    }
}

fn pace(out: &mut String, open: &OpenLoop) {
    let runs: Vec<&PaceRun> = open.pace();
    let limit = runs.first().map_or(30, |r| r.telegram_limit);
    let _ = writeln!(
        out,
        "**Reply pace with {OPEN_LOOP_REPLICAS} replicas.** {} commands per run at {}/s to \
         replicas in sandbox mode at the bot's default `--reply-rate` (22/s: one budget for \
         all replicas, kept in the store), against a fake Bot API answering 429 with \
         `retry_after` 1 to any message beyond {limit} in one second (Telegram's flood limit \
         for one bot). The commands come faster than the pace, so the replies queue and the \
         latency here is the pace's, by design. Replies/s are the messages the fake took: the \
         most in any 1 s window (target ≤ {limit}) and the mean from the first to the last; \
         dropped are commands acknowledged and never answered (target 0).\n",
        count(open.plan.pace_commands),
        open.plan.open_per_second,
    );
    if runs.is_empty() {
        let _ = writeln!(out, "_No reply-pace run in the results._\n");
        return;
    }
    let _ = writeln!(
        out,
        "| acknowledged (200) | answered exactly once | dropped | most replies in 1 s | mean \
         replies/s | 429s | p50 ms | p99 ms |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    let t = |f: fn(&Tally) -> usize| tallied(&runs, |r| &r.tally, f);
    let dropped = t(|t| t.lost);
    let busiest = runs.iter().map(|r| r.max_per_second).max().unwrap_or(0);
    let _ = writeln!(
        out,
        "| {} | {} | {dropped} | {busiest} | {} | {} | {} | {} |\n",
        t(|t| t.acknowledged),
        t(|t| t.answered_once),
        Spread::of(runs.iter().map(|r| r.mean_per_second).collect()).show(1),
        total(&runs, |r| r.throttled),
        spread(&runs, |r| r.summary.p50_us / 1e3),
        spread(&runs, |r| r.summary.p99_us / 1e3),
    );
    let _ = writeln!(
        out,
        "- most replies Telegram saw in any second: {busiest}, target ≤ {limit}: {}\n- replies \
         dropped: {dropped}, target 0: {}\n",
        verdict(busiest <= limit),
        verdict(dropped == 0),
    );
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use wawp_bench_report::{Report, Summary};

    use super::super::super::plan::Plan;
    use super::super::super::results::Provenance;
    use super::*;

    fn open(lost: usize, busiest: usize) -> OpenLoop {
        let summary = Summary::new(
            vec![Duration::from_millis(40); 10],
            0,
            Duration::from_secs(1),
        );
        let tally = Tally {
            commands: 900,
            acknowledged: 900,
            answered_once: 900 - lost,
            lost,
            unknown: 2,
            redelivered: 7,
            ..Tally::default()
        };
        let kill = KillRun {
            replicas: 3,
            per_second: 30,
            kills: 3,
            tally: tally.clone(),
            duplicate_sends: 0,
            summary: summary.clone(),
            held: 40,
            held_p99_ms: 15_900.0,
            held_max_ms: 16_100.0,
        };
        let pace = PaceRun {
            replicas: 3,
            per_second: 30,
            telegram_limit: 30,
            tally,
            max_per_second: busiest,
            mean_per_second: 21.9,
            throttled: 0,
            summary,
        };
        OpenLoop {
            provenance: Provenance::start(std::path::Path::new("."), "test"),
            profile: "release".into(),
            plan: Plan::full(),
            no_postgres: None,
            rounds: vec![vec![Report::Kill(kill), Report::Pace(pace)]],
        }
    }

    fn rendered(open: Option<&OpenLoop>) -> String {
        let mut out = String::new();
        section(&mut out, open);
        out
    }

    #[test]
    fn the_kill_row_shows_its_counts_and_the_held_commands_latency() {
        let md = rendered(Some(&open(0, 23)));
        assert!(
            md.contains("900 commands per run at 30/s; replica 0 is SIGKILLed 3 time(s)"),
            "{md}"
        );
        assert!(
            md.contains("| 900 | 900 | 0 | 0 | 0 | 2 | 7 | 40 (40–40) | 40 (40–40) | 40 | 15900 (15900–15900) | 16100 (16100–16100) |"),
            "{md}"
        );
        assert!(md.contains("over 3 kill(s): 0, target 0: met"), "{md}");
        assert!(md.contains("codes sent twice: 0, target 0: met"), "{md}");
        assert!(!md.contains("did not time a takeover"), "{md}");
        assert!(
            md.contains("a fake Wawp on 127.0.0.1 that answers after 300 ms"),
            "{md}"
        );
    }

    #[test]
    fn a_kill_that_caught_nothing_in_hand_says_no_takeover_was_timed() {
        let mut none_held = open(0, 23);
        for round in &mut none_held.rounds {
            for report in round {
                if let Report::Kill(k) = report {
                    k.held = 0;
                }
            }
        }
        let md = rendered(Some(&none_held));
        assert!(md.contains("so these runs did not time a takeover"), "{md}");
    }

    #[test]
    fn the_pace_row_holds_the_busiest_second_to_telegrams_limit() {
        let md = rendered(Some(&open(0, 23)));
        assert!(md.contains("default `--reply-rate` (22/s"), "{md}");
        assert!(
            md.contains("| 900 | 900 | 0 | 23 | 21.9 (21.9–21.9) | 0 |"),
            "{md}"
        );
        assert!(md.contains("in any second: 23, target ≤ 30: met"), "{md}");
        let bad = rendered(Some(&open(4, 31)));
        assert!(
            bad.contains("in any second: 31, target ≤ 30: **missed**"),
            "{bad}"
        );
        assert!(
            bad.contains("replies dropped: 4, target 0: **missed**"),
            "{bad}"
        );
        assert!(
            bad.contains("over 3 kill(s): 4, target 0: **missed**"),
            "{bad}"
        );
    }

    #[test]
    fn without_results_or_a_server_the_rows_say_they_were_not_measured() {
        assert!(rendered(None).contains("run `cargo xtask bench --mode takeover`"));
        let mut none = open(0, 0);
        none.rounds.clear();
        none.no_postgres = Some("WAWP_BOT_TEST_PG is unset".into());
        let md = rendered(Some(&none));
        assert!(
            md.contains("_Not measured: WAWP_BOT_TEST_PG is unset._"),
            "{md}"
        );
        assert!(!md.contains("| acknowledged"), "{md}");
    }
}
