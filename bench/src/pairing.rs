//! Pairs each command with the reply answering it: an admin has one command
//! outstanding at a time, so the n-th reply in a chat answers the n-th
//! command of that chat.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use wawp_testkit::Sent;

/// Pairs each chat's replies, in order, with `starts[chat]`, the times its
/// commands started, in order. Returns the latencies and the replies that
/// matched no command (one more reply than commands, or a reply before
/// its command started).
pub fn pair(starts: &HashMap<i64, Vec<Instant>>, sent: &[Sent]) -> (Vec<Duration>, usize) {
    let mut next: HashMap<i64, usize> = HashMap::new();
    let mut out = Vec::with_capacity(sent.len());
    let mut unmatched = 0;
    for s in sent {
        let i = next.entry(s.chat_id).or_default();
        match starts.get(&s.chat_id).and_then(|f| f.get(*i)) {
            Some(at) if *at <= s.at => {
                out.push(s.at - *at);
                *i += 1;
            }
            _ => unmatched += 1,
        }
    }
    (out, unmatched)
}

#[cfg(test)]
pub(crate) fn sent(chat_id: i64, at: Instant) -> Sent {
    Sent {
        chat_id,
        text: "sent".into(),
        parse_mode: None,
        at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_pair_in_order_with_their_chats_commands() {
        let t = Instant::now();
        let ms = |n| t + Duration::from_millis(n);
        let starts = HashMap::from([(7, vec![ms(0), ms(20)]), (8, vec![ms(1)])]);
        let replies = [
            sent(8, ms(4)),
            sent(7, ms(10)),
            sent(7, ms(25)),
            sent(7, ms(30)), // a third reply to two commands
            sent(9, ms(30)), // no command in chat 9
        ];
        let (latencies, unmatched) = pair(&starts, &replies);
        assert_eq!(
            latencies,
            [3, 10, 5].map(Duration::from_millis),
            "each reply is timed from its own command's start"
        );
        assert_eq!(unmatched, 2);
    }

    #[test]
    fn a_reply_before_its_command_started_matches_nothing() {
        let t = Instant::now();
        let starts = HashMap::from([(7, vec![t + Duration::from_millis(5)])]);
        let (latencies, unmatched) = pair(&starts, &[sent(7, t)]);
        assert!(latencies.is_empty());
        assert_eq!(unmatched, 1);
    }
}
