//! The inbox, on both backends: idempotent puts, leases in per-chat order
//! with admins first, takeover after a lease expires, and the started Wawp
//! call found by a takeover.

use std::collections::HashSet;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::fixture::{caller, fixtures};
use crate::store::{Action, NewEntry, NewInboxRow, NewReply, Outcome, Store};

const BOT: u64 = 7;
const LONG: Duration = Duration::from_secs(60);

fn row(update_id: u32, chat: i64, admin: bool) -> NewInboxRow {
    NewInboxRow {
        update_id,
        chat,
        admin,
        body: SecretString::from(format!("{{\"update_id\":{update_id}}}")),
    }
}

async fn take(store: &Store, owner: &str, max: usize) -> Vec<u32> {
    store
        .inbox_take(BOT, owner, LONG, max)
        .await
        .unwrap()
        .iter()
        .map(|r| r.update_id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_put_is_idempotent_and_a_chat_is_taken_in_order_admins_first() {
    for f in fixtures().await {
        let store = f.open().await;
        let rows = vec![row(10, 500, false), row(11, 500, false), row(12, 600, true)];
        assert_eq!(store.inbox_put(BOT, rows.clone()).await.unwrap(), 3);
        assert_eq!(
            store.inbox_put(BOT, rows).await.unwrap(),
            0,
            "a repeat adds nothing"
        );
        assert_eq!(store.inbox_backlog(BOT).await.unwrap(), 3);

        // One row per chat, the admin's first; 11 waits behind 10.
        assert_eq!(take(&store, "a", 10).await, vec![12, 10]);
        assert!(
            take(&store, "b", 10).await.is_empty(),
            "all heads are leased"
        );
        store.inbox_done(BOT, 10).await.unwrap();
        let taken = store.inbox_take(BOT, "b", LONG, 10).await.unwrap();
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].update_id, 11);
        assert_eq!(taken[0].body.expose_secret(), "{\"update_id\":11}");
        assert!(!taken[0].taken_over);
        store.inbox_done(BOT, 11).await.unwrap();
        store.inbox_done(BOT, 12).await.unwrap();
        assert_eq!(store.inbox_backlog(BOT).await.unwrap(), 0);
        assert!(take(&store, "c", 10).await.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_lease_is_taken_over_and_a_released_or_retried_row_comes_back() {
    for f in fixtures().await {
        let store = f.open().await;
        store
            .inbox_put(BOT, vec![row(1, 1, false), row(2, 2, false)])
            .await
            .unwrap();
        // "dead" takes both with a short lease and never renews.
        let dead = store
            .inbox_take(BOT, "dead", Duration::from_millis(300), 10)
            .await
            .unwrap();
        assert_eq!(dead.len(), 2);
        assert!(take(&store, "live", 10).await.is_empty());
        tokio::time::sleep(Duration::from_millis(600)).await;
        let live = store.inbox_take(BOT, "live", LONG, 10).await.unwrap();
        assert_eq!(live.len(), 2);
        assert!(live.iter().all(|r| r.taken_over && r.attempts == 2));

        // A renewed lease is not taken; a released one is, at once.
        assert_eq!(store.inbox_renew(BOT, "live", LONG).await.unwrap(), 2);
        assert!(take(&store, "other", 10).await.is_empty());
        assert_eq!(store.inbox_release(BOT, "live").await.unwrap(), 2);
        assert_eq!(take(&store, "other", 1).await.len(), 1);

        // A retried row waits for its time.
        let next = take(&store, "other", 10).await;
        assert_eq!(next.len(), 1);
        store
            .inbox_retry(BOT, next[0], Duration::from_millis(400))
            .await
            .unwrap();
        assert!(take(&store, "third", 10).await.is_empty());
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(take(&store, "third", 10).await, next);

        // A restart on SQLite takes back what a crashed run held (both rows
        // are leased now).
        assert!(take(&store, "restarted", 10).await.is_empty());
        assert_eq!(store.release_all_leases(BOT).await.unwrap(), 2);
        assert_eq!(take(&store, "restarted", 10).await.len(), 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_takers_never_share_a_row() {
    for f in fixtures().await {
        let store = f.open().await;
        let rows = (0..60)
            .map(|i| row(100 + i, i64::from(i), i % 7 == 0))
            .collect();
        store.inbox_put(BOT, rows).await.unwrap();
        let mut handles = Vec::new();
        for t in 0..4 {
            let store = f.open().await;
            handles.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let got = take(&store, &format!("w{t}"), 5).await;
                    if got.is_empty() {
                        break mine;
                    }
                    mine.extend(got);
                }
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.await.unwrap());
        }
        let unique: HashSet<_> = all.iter().collect();
        assert_eq!(all.len(), 60, "every row taken once");
        assert_eq!(unique.len(), 60);
        drop(store);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_started_call_is_marked_unknown_once() {
    for f in fixtures().await {
        let store = f.open().await;
        let mut entry = NewEntry::new(Some(42), caller(1), Action::Send, Outcome::Pending);
        entry.lang = None;
        let claim = store.claim_with_pending(BOT, 42, entry).await.unwrap();
        assert!(matches!(claim, crate::store::Claim::First { .. }));
        let notice = vec![NewReply {
            chat: 1,
            admin: true,
            text: "outcome unknown".into(),
        }];
        let row = store.mark_unknown(BOT, 42, notice.clone()).await.unwrap();
        assert!(row.is_some());
        assert_eq!(
            store.outbox_queued(BOT).await.unwrap(),
            1,
            "the notice is written with it"
        );
        assert_eq!(
            store.mark_unknown(BOT, 42, notice.clone()).await.unwrap(),
            None,
            "only one caller is told"
        );
        assert_eq!(store.mark_unknown(BOT, 43, notice).await.unwrap(), None);
        assert_eq!(store.outbox_queued(BOT).await.unwrap(), 1);
        let entries = store.recent_audit(1).await.unwrap();
        assert_eq!(entries[0].outcome, "unknown");
        assert_eq!(entries[0].error_kind.as_deref(), Some("taken_over"));
        assert!(
            !entries[0].reply_delivered,
            "not until Telegram accepts the notice"
        );
    }
}
