//! Counts an open-loop run from what the load saw (each command's
//! delivery) and what the fake Bot API took (the messages, one chat per
//! command): answered once, lost, twice; latencies; the busiest second.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use wawp_bench_report::Tally;
use wawp_testkit::Sent;

use super::stream::Delivery;

/// The text of the bot's "outcome unknown" notice starts with this.
const UNKNOWN: &str = "⚠️ Outcome unknown";

/// A run's counts and each answered command's latency.
#[derive(Debug, Default)]
pub struct Counted {
    /// The counts.
    pub tally: Tally,
    /// Each answered command's chat, acknowledgement, and latency (from the
    /// start of its first POST to its first reply).
    pub answered: Vec<(i64, Instant, Instant, Duration)>,
}

/// Counts `deliveries` against `sent`, the messages the fake took.
pub fn count(deliveries: &[Delivery], sent: &[Sent]) -> Counted {
    let mut replies: HashMap<i64, Vec<&Sent>> = HashMap::new();
    for s in sent {
        replies.entry(s.chat_id).or_default().push(s);
    }
    let mut out = Counted::default();
    let t = &mut out.tally;
    t.commands = deliveries.len();
    for d in deliveries {
        t.redelivered += d.redelivered;
        let Some(acked) = d.acked else {
            t.undelivered += 1;
            continue;
        };
        t.acknowledged += 1;
        match replies.get(&d.chat).map(Vec::as_slice) {
            None | Some([]) => t.lost += 1,
            Some([first, rest @ ..]) => {
                if rest.is_empty() {
                    t.answered_once += 1;
                }
                t.duplicate_replies += rest.len();
                t.unknown += usize::from(first.text.starts_with(UNKNOWN));
                out.answered.push((
                    d.chat,
                    acked,
                    first.at,
                    first.at.saturating_duration_since(d.started),
                ));
            }
        }
    }
    out
}

/// Whether every acknowledged command has a reply in `sent`.
pub fn all_answered(deliveries: &[Delivery], sent: &[Sent]) -> bool {
    let chats: std::collections::HashSet<i64> = sent.iter().map(|s| s.chat_id).collect();
    deliveries
        .iter()
        .filter(|d| d.acked.is_some())
        .all(|d| chats.contains(&d.chat))
}

/// The latencies of the commands acknowledged before one of `kills` and
/// answered after it.
pub fn held(counted: &Counted, kills: &[Instant]) -> Vec<Duration> {
    counted
        .answered
        .iter()
        .filter(|(_, acked, replied, _)| kills.iter().any(|k| acked < k && replied > k))
        .map(|&(.., latency)| latency)
        .collect()
}

/// The most of `times` (in order) within any 1 s window.
pub fn busiest_second(times: &[Instant]) -> usize {
    let mut best = 0;
    let mut from = 0;
    for (to, &t) in times.iter().enumerate() {
        while t.duration_since(times[from]) >= Duration::from_secs(1) {
            from += 1;
        }
        best = best.max(to + 1 - from);
    }
    best
}

/// The `q` quantile of `values` in ms (0 when empty).
pub fn quantile_ms(values: &[Duration], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    match sorted.len() {
        0 => 0.0,
        n => sorted[((n - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairing::sent;

    fn delivery(chat: i64, started: Instant, acked: Option<Instant>) -> Delivery {
        Delivery {
            chat,
            started,
            acked,
            redelivered: 0,
        }
    }

    #[test]
    fn each_command_is_answered_once_lost_or_answered_twice() {
        let t = Instant::now();
        let ms = |n| t + Duration::from_millis(n);
        let deliveries = [
            delivery(1, ms(0), Some(ms(2))),
            delivery(2, ms(0), Some(ms(2))),
            delivery(3, ms(0), Some(ms(2))),
            delivery(4, ms(0), None),
        ];
        let mut unknown = sent(3, ms(40));
        unknown.text = format!("{UNKNOWN}: a code may have been sent");
        let replies = [sent(1, ms(10)), sent(3, ms(30)), unknown, sent(4, ms(50))];
        let counted = count(&deliveries, &replies);
        let t = &counted.tally;
        assert_eq!((t.commands, t.acknowledged, t.undelivered), (4, 3, 1));
        assert_eq!(t.answered_once, 1, "chat 1");
        assert_eq!(t.lost, 1, "chat 2 was acknowledged and never answered");
        assert_eq!(t.duplicate_replies, 1, "chat 3 got two messages");
        assert_eq!(t.unknown, 0, "only a command's first reply is its answer");
        assert_eq!(
            counted.answered.iter().map(|a| a.3).collect::<Vec<_>>(),
            [10, 30].map(Duration::from_millis)
        );
        assert!(!all_answered(&deliveries, &replies));
        assert!(all_answered(&deliveries[..1], &replies));
    }

    #[test]
    fn held_commands_straddle_a_kill() {
        let t = Instant::now();
        let ms = |n| t + Duration::from_millis(n);
        let deliveries = [
            delivery(1, ms(0), Some(ms(1))),
            delivery(2, ms(0), Some(ms(1))),
            delivery(3, ms(200), Some(ms(201))),
        ];
        let replies = [sent(1, ms(50)), sent(2, ms(900)), sent(3, ms(950))];
        let counted = count(&deliveries, &replies);
        assert_eq!(
            held(&counted, &[ms(100)]),
            [Duration::from_millis(900)],
            "only chat 2 was acknowledged before the kill and answered after"
        );
        assert_eq!(quantile_ms(&[Duration::from_millis(900)], 0.99), 900.0);
        assert_eq!(quantile_ms(&[], 0.99), 0.0);
    }

    #[test]
    fn the_busiest_second_counts_a_sliding_window() {
        let t = Instant::now();
        let ms = |n| t + Duration::from_millis(n);
        // 2 in [0, 1 s), 5 in [500 ms, 1.5 s): windows start anywhere.
        let times = [0, 500, 1100, 1200, 1300, 1400, 2600].map(ms);
        assert_eq!(busiest_second(&times), 5);
        assert_eq!(busiest_second(&[]), 0);
    }
}
