//! The outbox and the shared reply budget, on both backends.

use std::time::Duration;

use super::fixture::{caller, fixtures};
use crate::store::{Action, Claim, NewEntry, NewReply, Outcome, ReplyBudget, Store};

const BOT: u64 = 9;
const LEASE: Duration = Duration::from_secs(60);
const PLENTY: ReplyBudget = ReplyBudget {
    rate: 1000.0,
    burst: 1000.0,
};

fn reply(chat: i64, admin: bool, text: &str) -> NewReply {
    NewReply {
        chat,
        admin,
        text: text.into(),
    }
}

async fn take(store: &Store, max: usize, budget: ReplyBudget) -> Vec<String> {
    store
        .outbox_take(BOT, "s", LEASE, max, budget)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.text)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replies_go_in_chat_order_admins_first_and_mark_the_row_delivered_only_when_all_are() {
    for f in fixtures().await {
        let store = f.open().await;
        let entry = NewEntry::new(Some(5), caller(1), Action::Send, Outcome::Invalid);
        let parts = vec![reply(1, true, "part 1"), reply(1, true, "part 2")];
        let Claim::First { row } = store
            .claim_with_replies(BOT, 5, entry, parts)
            .await
            .unwrap()
        else {
            panic!("first claim");
        };
        store
            .outbox_put(BOT, None, vec![reply(2, false, "stranger")])
            .await
            .unwrap();
        assert!(!store.recent_audit(1).await.unwrap()[0].reply_delivered);

        let rows = store
            .outbox_take(BOT, "s", LEASE, 10, PLENTY)
            .await
            .unwrap();
        let texts: Vec<_> = rows.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            texts,
            ["part 1", "stranger"],
            "one per chat, the admin's first"
        );
        store.outbox_delivered(rows[0].id).await.unwrap();
        assert!(
            !store.recent_audit(1).await.unwrap()[0].reply_delivered,
            "part 2 is not delivered yet"
        );
        let next = store
            .outbox_take(BOT, "s", LEASE, 10, PLENTY)
            .await
            .unwrap();
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].text, "part 2");
        store.outbox_delivered(next[0].id).await.unwrap();
        let entry = &store.recent_audit(1).await.unwrap()[0];
        assert_eq!(entry.id, row);
        assert!(entry.reply_delivered);

        store.outbox_undelivered(rows[1].id).await.unwrap();
        assert_eq!(store.outbox_queued(BOT).await.unwrap(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_budget_is_shared_by_every_handle_and_refills_at_its_rate() {
    for f in fixtures().await {
        let (a, b) = (f.open().await, f.open().await);
        let many = (0..20).map(|i| reply(i, false, "x")).collect();
        a.outbox_put(BOT, None, many).await.unwrap();
        let budget = ReplyBudget {
            rate: 10.0,
            burst: 4.0,
        };
        let first = take(&a, 20, budget).await.len();
        let second = take(&b, 20, budget).await.len();
        assert_eq!(first, 4, "a burst at most");
        assert!(
            second <= 1,
            "the other handle finds the bucket empty: {second}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        let later = take(&b, 20, budget).await.len();
        assert!(
            (3..=5).contains(&later),
            "about 10/s refilled, capped at 4: {later}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retried_reply_waits_and_a_finished_call_writes_its_reply_with_the_outcome() {
    for f in fixtures().await {
        let store = f.open().await;
        let entry = NewEntry::new(Some(8), caller(1), Action::Send, Outcome::Pending);
        let Claim::First { row } = store.claim_with_pending(BOT, 8, entry).await.unwrap() else {
            panic!("first claim");
        };
        store
            .finish_with_replies(
                BOT,
                row,
                Outcome::Sent,
                Some("job".into()),
                None,
                vec![reply(1, true, "sent")],
            )
            .await
            .unwrap();
        let entry = &store.recent_audit(1).await.unwrap()[0];
        assert_eq!(entry.outcome, "sent");
        assert!(!entry.reply_delivered);
        let taken = store
            .outbox_take(BOT, "s", LEASE, 10, PLENTY)
            .await
            .unwrap();
        store
            .outbox_retry(taken[0].id, Duration::from_millis(300))
            .await
            .unwrap();
        assert!(take(&store, 10, PLENTY).await.is_empty());
        tokio::time::sleep(Duration::from_millis(500)).await;
        let again = store
            .outbox_take(BOT, "s", LEASE, 10, PLENTY)
            .await
            .unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].attempts, 2);
    }
}
