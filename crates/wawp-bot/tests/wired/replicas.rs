//! Several replicas on one PostgreSQL database (issue 14), named by
//! `WAWP_BOT_TEST_PG` (start one with
//! `bash crates/wawp-bot/scripts/start-test-postgres.sh`); skipped with a
//! notice when it is unset. Each test works in a schema of its own.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use secrecy::SecretString;
use wawp_bot::config::WebhookSettings;
use wawp_bot::store::{Store, StoreTarget};
use wawp_testkit::updates::From as Sender;

use crate::common::*;
use crate::{Running, free_addr, http};

/// A bound on each wait (a guard against a hang, not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(45);

/// A fresh schema on the test server, as a store URL; `None` (with a
/// `skipped:` line) when `WAWP_BOT_TEST_PG` is unset.
pub(crate) async fn fresh_schema(test: &str) -> Option<String> {
    let url = wawp_testkit::postgres::test_url(test)?;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "wire_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    Some(wawp_testkit::postgres::fresh_schema(&url, &schema).await)
}

pub(crate) fn pg(url: &str) -> StoreTarget {
    StoreTarget::Postgres(SecretString::from(url.to_owned()))
}

async fn all_rows(url: &str) -> Vec<wawp_bot::store::Entry> {
    let store = Store::open(&pg(url)).await.unwrap();
    let rows = store
        .audit_since(chrono::DateTime::UNIX_EPOCH)
        .await
        .unwrap();
    store.close().unwrap();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_postgres_and_polling_one_replica_polls_and_a_standby_takes_over() {
    let Some(url) = fresh_schema("the polling stand-by test").await else {
        return;
    };
    // Two fake Bot APIs for the same bot, so we see which replica polls.
    let (first_api, second_api) = (FakeTelegram::start().await, FakeTelegram::start().await);
    let wawp = CountingWawp::start().await;
    let replica = |api: &FakeTelegram| {
        let mut config = config(api, &wawp.base_url, "unused.sqlite3".into());
        config.store = pg(&url);
        Running::start(config)
    };
    let first = replica(&first_api);
    first_api.wait_polling().await;
    let second = replica(&second_api);
    crate::wait_for_log("standing by", PATIENCE).await;
    assert!(
        second_api.calls().is_empty(),
        "the standby does not talk to Telegram: {:?}",
        second_api.call_names()
    );

    first.stop().await;
    wawp_testkit::wait::until("the standby to poll", PATIENCE, || {
        (!second_api.calls_to("getUpdates").is_empty()).then_some(())
    })
    .await;
    let reply = second_api
        .ask(private_message(ADMIN, &format!("/send {PHONE} en")))
        .await;
    assert!(reply.text.starts_with("✅ Code sent"), "{}", reply.text);
    second.stop().await;
    assert_eq!(all_rows(&url).await.len(), 1);
}

/// The multi-replica test: 3 replicas in webhook mode on one
/// database, 10 admins, 1,000 commands, every update delivered to two
/// replicas at once. The send limit counts in a one-hour window here, so a
/// slow machine cannot slide it mid-run and "exact" stays exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_webhook_replicas_send_once_keep_limits_exact_and_answer_everything() {
    const ADMINS: u64 = 10;
    const PER_ADMIN: u64 = 100;
    const LIMIT: u32 = 40;
    const SECRET: &str = "replicas_SECRET-42";
    let Some(url) = fresh_schema("the multi-replica test").await else {
        return;
    };
    let telegram = FakeTelegram::start().await;
    let wawp = CountingWawp::start().await;
    let admins: Vec<u64> = (0..ADMINS).map(|n| 3001 + n).collect();
    let mut replicas = Vec::new();
    let mut listens = Vec::new();
    for _ in 0..3 {
        let listen = free_addr();
        let mut config = config(&telegram, &wawp.base_url, "unused.sqlite3".into());
        config.store = pg(&url);
        config.admins = admins.iter().copied().collect();
        config.send_limit = std::num::NonZeroU32::new(LIMIT).unwrap();
        config.send_window = Duration::from_secs(3600);
        // The reply pace is the bot's total, shared by the three; this fake
        // Bot API applies no flood limit, and 1,000 replies at the default
        // 22/s would take 45 s.
        config.reply_rate = std::num::NonZeroU32::new(200).unwrap();
        config.webhook = Some(WebhookSettings {
            url: format!("http://{listen}/hook").parse().unwrap(),
            listen,
            secret: SECRET.to_owned().into(),
        });
        replicas.push(Running::start(config));
        listens.push(listen);
    }
    wawp_testkit::wait::until("three setWebhook calls", PATIENCE, || {
        (telegram.calls_to("setWebhook").len() == 3).then_some(())
    })
    .await;

    // Delivers `body` to replica `to`, again on 503 (as Telegram would).
    async fn deliver(to: std::net::SocketAddr, body: String) {
        let header = [("X-Telegram-Bot-Api-Secret-Token", SECRET)];
        for _ in 0..100 {
            match http::request(to, "POST", "/hook", &header, &body).await.0 {
                200 => return,
                503 => tokio::time::sleep(Duration::from_millis(50)).await,
                other => panic!("replica {to} answered {other}"),
            }
        }
        panic!("replica {to} kept answering 503");
    }

    let mut tasks = tokio::task::JoinSet::new();
    for (a, &admin) in admins.iter().enumerate() {
        let listens = listens.clone();
        tasks.spawn(async move {
            for n in 0..PER_ADMIN {
                let phone = format!("+2010{:08}", admin * 100 + n);
                let name = format!("admin{a}");
                let update = wawp_testkit::updates::private_message(
                    Sender::new(admin, &name),
                    &format!("/send {phone} en"),
                );
                let first = listens[(a + n as usize) % 3];
                let second = listens[(a + n as usize + 1) % 3];
                tokio::join!(
                    deliver(first, update.to_string()),
                    deliver(second, update.to_string())
                );
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let total = (ADMINS * PER_ADMIN) as usize;
    telegram.wait_for_sent_within(total, PATIENCE).await;
    for replica in replicas {
        replica.stop().await;
    }

    let sent = telegram.sent();
    assert_eq!(sent.len(), total, "every command answered exactly once");
    let expected_sends = (ADMINS * u64::from(LIMIT)) as usize;
    let rows = all_rows(&url).await;
    // What the rows say, should the counts below not hold.
    let mut outcomes = std::collections::BTreeMap::new();
    for row in &rows {
        *outcomes
            .entry((row.outcome.clone(), row.error_kind.clone()))
            .or_insert(0) += 1;
    }
    assert_eq!(
        wawp.requests(),
        expected_sends,
        "no duplicate send, limits exact; rows by outcome: {outcomes:?}"
    );
    assert_eq!(rows.len(), total, "one audit row per command");
    let mut updates: Vec<_> = rows.iter().map(|r| r.update_id).collect();
    updates.sort();
    updates.dedup();
    assert_eq!(updates.len(), total, "no update handled twice");
    for admin in admins {
        let mine: Vec<_> = rows.iter().filter(|r| r.caller.id == admin).collect();
        let outcome = |o: &str| mine.iter().filter(|r| r.outcome == o).count();
        assert_eq!(outcome("sent"), LIMIT as usize, "admin {admin}");
        assert_eq!(
            outcome("rate_limited"),
            (PER_ADMIN as usize) - LIMIT as usize
        );
        let replies = sent.iter().filter(|s| s.chat_id == admin as i64).count();
        assert_eq!(
            replies, PER_ADMIN as usize,
            "admin {admin}: one reply per command"
        );
    }
}
