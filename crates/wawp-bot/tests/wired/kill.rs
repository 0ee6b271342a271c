//! Issue 14 item 5, second half: three `wawp-bot` processes in webhook mode
//! on one PostgreSQL database; one is SIGKILLed mid-run. The others go on,
//! no send is made twice, and no committed audit row is lost. Needs
//! `WAWP_BOT_TEST_PG` (skipped with a notice otherwise).

use std::net::SocketAddr;
use std::process::{Child, Command};
use std::time::Duration;

use wawp_testkit::updates::From as Sender;

use crate::common::*;
use crate::{free_addr, http};

const BIN: &str = env!("CARGO_BIN_EXE_wawp-bot");
const SECRET: &str = "kill_test-SECRET_42";
const PATIENCE: Duration = Duration::from_secs(45);

pub(crate) fn replica(
    telegram: &FakeTelegram,
    wawp: &CountingWawp,
    db: &str,
    listen: SocketAddr,
) -> Child {
    let admins = "4001,4002,4003,4004,4005";
    crate::bot_env(&mut Command::new(BIN), telegram, &wawp.base_url, db, admins)
        .args(["--webhook-url", &format!("http://{listen}/hook")])
        .args(["--listen", &listen.to_string()])
        .env("WAWP_BOT_WEBHOOK_SECRET", SECRET)
        .env("WAWP_BOT_SEND_LIMIT", "1000")
        .spawn()
        .unwrap()
}

/// Delivers like Telegram: to `first`, and when that replica is gone or busy,
/// to the next one (the load balancer's choice).
pub(crate) async fn deliver(listens: &[SocketAddr], first: usize, body: &str) {
    let header = [("X-Telegram-Bot-Api-Secret-Token", SECRET)];
    for attempt in 0..300 {
        let to = listens[(first + attempt) % listens.len()];
        if tokio::net::TcpStream::connect(to).await.is_err() {
            continue;
        }
        if http::request(to, "POST", "/hook", &header, body).await.0 == 200 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no replica took the update");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_killed_mid_run_loses_no_committed_row_and_sends_nothing_twice() {
    let Some(db) = crate::replicas::fresh_schema("the SIGKILL replica test").await else {
        return;
    };
    let telegram = FakeTelegram::start().await;
    let wawp = CountingWawp::start().await;
    let listens: Vec<SocketAddr> = (0..3).map(|_| free_addr()).collect();
    let mut children = crate::Children(
        listens
            .iter()
            .map(|&listen| replica(&telegram, &wawp, &db, listen))
            .collect(),
    );
    wawp_testkit::wait::until("three setWebhook calls", PATIENCE, || {
        (telegram.calls_to("setWebhook").len() == 3).then_some(())
    })
    .await;

    const COMMANDS: u64 = 150;
    let mut after_kill = Vec::new();
    for n in 0..COMMANDS {
        let admin = 4001 + n % 5;
        let update = wawp_testkit::updates::private_message(
            Sender::new(admin, "admin"),
            &format!("/send +2010{:08} en", n),
        );
        if n == COMMANDS / 3 {
            children.0[0].kill().unwrap(); // SIGKILL
            children.0[0].wait().unwrap();
        }
        if n > COMMANDS / 3 {
            after_kill.push(update["update_id"].as_i64().unwrap());
        }
        let body = update.to_string();
        let first = n as usize % 3;
        tokio::join!(
            deliver(&listens, first, &body),
            deliver(&listens, first + 1, &body)
        );
    }
    // Every command delivered after the kill is handled by the survivors.
    let store = wawp_bot::store::Store::open(&crate::replicas::pg(&db))
        .await
        .unwrap();
    let end = std::time::Instant::now() + PATIENCE;
    loop {
        let rows = store
            .audit_since(chrono::DateTime::UNIX_EPOCH)
            .await
            .unwrap();
        let done = after_kill.iter().all(|&id| {
            rows.iter()
                .any(|r| r.update_id == Some(id as u32) && r.outcome == "sent")
        });
        if done {
            break;
        }
        assert!(
            std::time::Instant::now() < end,
            "the survivors did not handle every update"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for child in &mut children.0[1..] {
        wawp_testkit::wait::signal(child.id(), "TERM");
        let _ = wawp_testkit::wait::wait_exit(child, Duration::from_secs(20));
    }
    // Read after the survivors stopped: every call they made is in.
    let rows = store
        .audit_since(chrono::DateTime::UNIX_EPOCH)
        .await
        .unwrap();
    store.close().unwrap();

    let mut ids: Vec<_> = rows.iter().map(|r| r.update_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), rows.len(), "no update acted upon twice");
    let called = rows
        .iter()
        .filter(|r| ["sent", "pending", "unknown"].contains(&r.outcome.as_str()))
        .count();
    assert!(
        wawp.requests() <= called,
        "every Wawp call has its committed row: {} calls, {called} rows",
        wawp.requests()
    );
    let sent_rows = rows.iter().filter(|r| r.outcome == "sent").count();
    assert!(wawp.requests() >= sent_rows, "no committed row lost");
}
