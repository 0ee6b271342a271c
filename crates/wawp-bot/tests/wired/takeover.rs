//! Issue 19 item 1: three `wawp-bot` processes in webhook mode on one
//! PostgreSQL database, commands at about 30 a second, against a fake Bot
//! API that applies Telegram's 30 messages a second (429 with
//! `retry_after`). One replica is SIGKILLed three times (restarted each
//! time): every command answered 200 gets exactly one reply, no code is sent
//! twice, and no reply is dropped. Needs `WAWP_BOT_TEST_PG` (skipped with a
//! notice otherwise).

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use wawp_testkit::updates::From as Sender;

use crate::Children as Replicas;
use crate::common::*;
use crate::free_addr;
use crate::kill::{deliver, replica};

const PATIENCE: Duration = Duration::from_secs(45);

async fn three_replicas(
    telegram: &FakeTelegram,
    wawp: &CountingWawp,
    db: &str,
) -> (Vec<SocketAddr>, Replicas) {
    let listens: Vec<SocketAddr> = (0..3).map(|_| free_addr()).collect();
    let children = Replicas(
        listens
            .iter()
            .map(|&listen| replica(telegram, wawp, db, listen))
            .collect(),
    );
    wawp_testkit::wait::until("three setWebhook calls", PATIENCE, || {
        (telegram.calls_to("setWebhook").len() >= 3).then_some(())
    })
    .await;
    (listens, children)
}

/// Sends `commands` `/send`s at about `per_second`, each to one replica
/// (the next when it is down), stopping replica 0 with `signal` (`KILL` or
/// `TERM`) and restarting it `kills` times along the way. Returns the update
/// ids answered 200.
#[allow(clippy::too_many_arguments)]
async fn load(
    telegram: &FakeTelegram,
    wawp: &CountingWawp,
    db: &str,
    (listens, children): (&[SocketAddr], &mut Replicas),
    commands: u64,
    per_second: u64,
    kills: u64,
    signal: &str,
) -> Vec<i64> {
    let mut acked = Vec::new();
    let every = Duration::from_millis(1000 / per_second);
    let start = Instant::now();
    for n in 0..commands {
        if kills > 0
            && n > 0
            && n % (commands / (kills + 1)) == 0
            && n / (commands / (kills + 1)) <= kills
        {
            let child = &mut children.0[0];
            wawp_testkit::wait::signal(child.id(), signal);
            let exited = wawp_testkit::wait::wait_exit(child, Duration::from_secs(40));
            assert!(exited.is_some(), "the replica did not exit on SIG{signal}");
            children.0[0] = replica(telegram, wawp, db, listens[0]);
        }
        let update = wawp_testkit::updates::private_message(
            Sender::new(4001 + n % 5, "admin"),
            &format!("/send +2010{:08} en", 5000 + n),
        );
        deliver(listens, n as usize % 3, &update.to_string()).await;
        acked.push(update["update_id"].as_i64().unwrap());
        let due = start + every * (n as u32 + 1);
        tokio::time::sleep_until(due.into()).await;
    }
    acked
}

/// Waits until `expected` replies went out, then a little longer for any
/// extra one.
async fn replies_settle(telegram: &FakeTelegram, expected: usize) -> Vec<Sent> {
    telegram
        .wait_for_sent_within(expected, Duration::from_secs(120))
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    telegram.sent()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_sigkilled_three_times_leaves_every_acknowledged_command_answered_once() {
    let Some(db) = crate::replicas::fresh_schema("the SIGKILL takeover test").await else {
        return;
    };
    let telegram = FakeTelegram::builder().sends_per_second(30).start().await;
    let wawp = CountingWawp::start().await;
    let (listens, mut children) = three_replicas(&telegram, &wawp, &db).await;

    const COMMANDS: u64 = 240;
    let started = Instant::now();
    let acked = load(
        &telegram,
        &wawp,
        &db,
        (&listens, &mut children),
        COMMANDS,
        30,
        3,
        "KILL",
    )
    .await;
    let sent = replies_settle(&telegram, acked.len()).await;
    eprintln!(
        "takeover: {} commands acknowledged, {} replies ({} send attempts), {} Wawp calls, {:?} in all",
        acked.len(),
        sent.len(),
        telegram.send_attempts(),
        wawp.requests(),
        started.elapsed()
    );

    let store = wawp_bot::store::Store::open(&crate::replicas::pg(&db))
        .await
        .unwrap();
    let rows = store
        .audit_since(chrono::DateTime::UNIX_EPOCH)
        .await
        .unwrap();
    let queued = store.outbox_queued(wawp_testkit::BOT_ID).await.unwrap();
    store.close().unwrap();

    // Every acknowledged command is answered. A reply that a killed replica
    // was handing to Telegram at the moment of the kill is sent again by
    // another replica after its lease (Telegram has no idempotency key):
    // such a repeat is the only extra reply allowed, and it is counted.
    // (A confirmation names its job id, so a repeat is recognisable.)
    let mut seen = HashSet::new();
    let mut twice = Vec::new();
    let mut confirmations = Vec::new();
    for s in sent.iter().filter(|s| s.text.starts_with("✅ Code sent")) {
        if seen.insert(s.text.clone()) {
            confirmations.push(s);
        } else {
            twice.push(s.text.clone());
        }
    }
    eprintln!(
        "takeover: {} replies repeated after a kill mid-send",
        twice.len()
    );
    assert!(
        twice.len() <= 3 * 4,
        "at most the replies in flight at each of the 3 kills: {twice:#?}"
    );
    let unknown = sent
        .iter()
        .filter(|s| s.text.contains("Outcome unknown"))
        .count();
    let unique = confirmations.len() + unknown;
    assert_eq!(
        confirmations.len() + unknown,
        acked.len(),
        "one distinct reply per command answered 200 ({unique} of {}): {sent:#?}",
        acked.len()
    );
    assert_eq!(sent.len(), unique + twice.len(), "no other reply");

    // Every acknowledged command has its one audit row; no code twice.
    let ids: HashSet<_> = rows.iter().filter_map(|r| r.update_id).collect();
    assert_eq!(ids.len(), rows.len(), "no update acted upon twice");
    for id in &acked {
        assert!(ids.contains(&(*id as u32)), "update {id} has no audit row");
    }
    let sent_rows = rows.iter().filter(|r| r.outcome == "sent").count();
    let unknown_rows = rows.iter().filter(|r| r.outcome == "unknown").count();
    assert_eq!(sent_rows, confirmations.len());
    assert_eq!(unknown_rows, unknown);
    assert!(
        wawp.requests() >= sent_rows && wawp.requests() <= sent_rows + unknown_rows,
        "{} Wawp calls for {sent_rows} sent and {unknown_rows} unknown rows",
        wawp.requests()
    );
    // Nothing dropped: every reply was accepted by Telegram.
    assert!(
        rows.iter().all(|r| r.reply_delivered),
        "a reply was not delivered"
    );
    assert_eq!(queued, 0);
    assert!(telegram.rejected().is_empty(), "{:?}", telegram.rejected());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_sigtermed_with_a_queue_drops_nothing() {
    let Some(db) = crate::replicas::fresh_schema("the SIGTERM queue test").await else {
        return;
    };
    let telegram = FakeTelegram::builder().sends_per_second(30).start().await;
    let wawp = CountingWawp::start().await;
    let (listens, mut children) = three_replicas(&telegram, &wawp, &db).await;

    // 60/s for 3 s: the replies (22/s) queue; replica 0 is stopped with
    // SIGTERM (and started again) twice meanwhile.
    let acked = load(
        &telegram,
        &wawp,
        &db,
        (&listens, &mut children),
        180,
        60,
        2,
        "TERM",
    )
    .await;
    let sent = replies_settle(&telegram, acked.len()).await;
    eprintln!(
        "sigterm: {} commands acknowledged, {} replies, {} Wawp calls",
        acked.len(),
        sent.len(),
        wawp.requests()
    );
    let store = wawp_bot::store::Store::open(&crate::replicas::pg(&db))
        .await
        .unwrap();
    let rows = store
        .audit_since(chrono::DateTime::UNIX_EPOCH)
        .await
        .unwrap();
    store.close().unwrap();
    assert_eq!(
        sent.len(),
        acked.len(),
        "0 dropped: one reply per command answered 200"
    );
    let other: Vec<&str> = sent
        .iter()
        .map(|s| s.text.as_str())
        .filter(|text| !text.starts_with("✅ Code sent"))
        .collect();
    assert!(other.is_empty(), "a stop finishes its calls: {other:?}");
    assert_eq!(rows.len(), acked.len());
    assert!(
        rows.iter()
            .all(|r| r.outcome == "sent" && r.reply_delivered)
    );
    assert_eq!(wawp.requests(), acked.len());
}
