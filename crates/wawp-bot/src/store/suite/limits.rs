//! Send limits and refusal counts, shared by every handle on one database.

use std::num::NonZeroU32;
use std::time::Duration;

use super::fixture::{caller, fixtures};
use crate::store::{Action, NewEntry, Outcome, SendPermit};

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_send_limit_slides_in_wall_clock_time() {
    for f in fixtures().await {
        let store = f.open().await;
        let two = NonZeroU32::new(2).unwrap();
        assert_eq!(
            store.try_acquire_send(1, two, MINUTE).await.unwrap(),
            SendPermit::Granted
        );
        f.clock.advance(Duration::from_secs(20));
        assert_eq!(
            store.try_acquire_send(1, two, MINUTE).await.unwrap(),
            SendPermit::Granted
        );
        assert_eq!(
            store.try_acquire_send(1, two, MINUTE).await.unwrap(),
            SendPermit::Limited {
                retry_in: Duration::from_secs(40)
            }
        );
        assert_eq!(
            store.try_acquire_send(2, two, MINUTE).await.unwrap(),
            SendPermit::Granted,
            "another admin has their own limit"
        );
        f.clock.advance(Duration::from_secs(40));
        assert_eq!(
            store.try_acquire_send(1, two, MINUTE).await.unwrap(),
            SendPermit::Granted,
            "the first send has aged out"
        );
        assert_eq!(
            store.try_acquire_send(1, two, MINUTE).await.unwrap(),
            SendPermit::Limited {
                retry_in: Duration::from_secs(20)
            }
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_send_limit_is_exact_under_concurrent_acquirers() {
    for f in fixtures().await {
        let handles = [f.open().await, f.open().await, f.open().await];
        let limit = NonZeroU32::new(7).unwrap();
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let store = handles[i % handles.len()].clone();
                tokio::spawn(async move { store.try_acquire_send(5, limit, MINUTE).await.unwrap() })
            })
            .collect();
        let mut granted = 0;
        for task in tasks {
            granted += (task.await.unwrap() == SendPermit::Granted) as u32;
        }
        assert_eq!(granted, 7, "{}", handles[0].kind());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refusal_flood_is_one_row_per_user_and_window_with_a_count() {
    for f in fixtures().await {
        let (a, b) = (f.open().await, f.open().await);
        let refusal = |user| {
            NewEntry::new(None, caller(user), Action::Send, Outcome::Refused)
                .error_kind("not_admin")
        };
        let tasks: Vec<_> = (0..12)
            .map(|i| {
                let store = if i % 2 == 0 { a.clone() } else { b.clone() };
                tokio::spawn(async move { store.note_refusal(refusal(77), MINUTE).await.unwrap() })
            })
            .collect();
        let mut firsts = 0;
        let mut counts = Vec::new();
        for task in tasks {
            let tally = task.await.unwrap();
            firsts += tally.first_in_window as u32;
            counts.push(tally.count);
        }
        counts.sort();
        assert_eq!(firsts, 1, "{}: reply once per window", a.kind());
        assert_eq!(counts, (1..=12).collect::<Vec<_>>());
        let rows = a.recent_audit(50).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].repeat_count, 12);
        assert_eq!(rows[0].error_kind.as_deref(), Some("not_admin"));

        f.clock.advance(MINUTE);
        let next = a.note_refusal(refusal(77), MINUTE).await.unwrap();
        assert!(next.first_in_window && next.count == 1);
        assert!(
            a.note_refusal(refusal(78), MINUTE)
                .await
                .unwrap()
                .first_in_window
        );
        assert_eq!(a.recent_audit(50).await.unwrap().len(), 3);
    }
}
