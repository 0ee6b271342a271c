//! Stopping: no new update after the stop, the one in flight finishes and is
//! audited, the rest stays in the inbox (acknowledged: nothing is dropped)
//! and is handled after a restart; bounded even when Telegram is down or
//! Wawp hangs.

use std::time::Duration;

use crate::common::*;
use wawp_testkit::wawp;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn slow_wawp(delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(wawp::sent("send_slow"))
                .set_delay(delay),
        )
        .mount(&server)
        .await;
    server
}

fn sends(n: usize) -> Vec<serde_json::Value> {
    (0..n)
        .map(|i| private_message(ADMIN, &format!("/send +2010{:08}", 10_000 + i)))
        .collect()
}

fn outcomes(db: &std::path::Path) -> Vec<String> {
    audit_rows(db)
        .iter()
        .map(|r| col(r, "outcome").unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_with_80_updates_queued_for_one_chat_stops_and_the_rest_comes_back() {
    let telegram = FakeTelegram::start().await;
    let server = slow_wawp(Duration::from_millis(50)).await;
    let (_dir, db) = temp_db();
    let make_config = || {
        let mut config = config(&telegram, &server.uri(), db.clone());
        config.send_limit = std::num::NonZeroU32::new(1000).unwrap();
        config
    };
    let bot = TestBot::start(&telegram, make_config()).await;

    telegram.push_all(sends(80));
    telegram.wait_for_sent(1).await;
    bot.stop().await;

    // Nothing is taken or answered once stopped.
    let calls = telegram.calls().len();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        telegram.calls().len(),
        calls,
        "the bot kept calling Telegram"
    );
    let answered = telegram.sent().len();
    assert!(
        answered < 80,
        "the whole queue was worked off after the stop"
    );
    // What was started finished and was audited; nothing was left pending.
    let requests = server.received_requests().await.unwrap().len();
    assert_eq!(requests, answered);
    assert_eq!(outcomes(&db), vec!["sent".to_owned(); answered]);
    // Every update was acknowledged: the unhandled ones wait in the inbox.
    assert!(telegram.unconfirmed().is_empty());
    assert_eq!(inbox_open(&db), (80 - answered) as i64);

    // After a restart they are handled, each once.
    let bot = TestBot::start(&telegram, make_config()).await;
    telegram
        .wait_for_sent_within(80, Duration::from_secs(60))
        .await;
    bot.stop().await;
    assert_eq!(server.received_requests().await.unwrap().len(), 80);
    assert_eq!(outcomes(&db), vec!["sent".to_owned(); 80]);
    assert!(telegram.unconfirmed().is_empty());
    assert_eq!(inbox_open(&db), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_while_telegram_is_down_ends_the_bot() {
    let (telegram, _wawp, bot, _dir) = setup_default().await;
    telegram.set_down(true);
    let failing = telegram.calls().len();
    wawp_testkit::wait::until("getUpdates failing", Duration::from_secs(10), || {
        (telegram.calls().len() > failing).then_some(())
    })
    .await;
    bot.stop().await;
    let calls = telegram.calls().len();
    telegram.set_down(false);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(telegram.calls().len(), calls, "the bot served again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shutdown_timeout_bounds_a_hanging_wawp_call() {
    let telegram = FakeTelegram::start().await;
    let server = slow_wawp(Duration::from_secs(60)).await;
    let (_dir, db) = temp_db();
    let mut first = config(&telegram, &server.uri(), db.clone());
    first.shutdown_timeout = Duration::from_millis(300);
    let bot = TestBot::start(&telegram, first).await;
    let update = private_message(ADMIN, &format!("/send {PHONE}"));
    let id = wawp_testkit::updates::update_id(&update);
    telegram.push(update);
    while server.received_requests().await.unwrap().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bot.stop().await; // within TestBot's 10 s although Wawp takes 60 s

    // The command was acknowledged and stays in the inbox; its row says the
    // outcome is unknown; it is never sent twice.
    assert!(
        telegram.unconfirmed().is_empty(),
        "{:?}",
        telegram.unconfirmed()
    );
    assert_eq!(inbox_open(&db), 1);
    assert_eq!(outcomes(&db), ["pending"]);
    assert!(
        captured_logs()
            .contains("still being handled at the shutdown deadline are left in the inbox")
    );
    let _ = id;

    // At the next start the row is reported; the inbox row is taken again,
    // found started, and the admin is told the outcome is unknown (once);
    // /history says so too.
    let quick = slow_wawp(Duration::ZERO).await;
    let bot = TestBot::start(&telegram, config(&telegram, &quick.uri(), db.clone())).await;
    let notice = telegram.wait_for_sent(1).await[0].clone();
    assert!(
        notice
            .text
            .contains("Outcome unknown: a code may have been sent"),
        "{}",
        notice.text
    );
    let reply = telegram.ask(private_message(ADMIN, "/history")).await;
    assert!(
        reply
            .text
            .contains(&format!("send {MASKED} en · <b>outcome unknown</b>")),
        "{}",
        reply.text
    );
    bot.stop().await;
    assert!(quick.received_requests().await.unwrap().is_empty());
    assert!(telegram.unconfirmed().is_empty());
    assert_eq!(outcomes(&db), ["unknown"]);
    assert_eq!(inbox_open(&db), 0);
    let logs = captured_logs();
    assert!(
        logs.lines().any(|l| l.contains("WARN")
            && l.contains("left pending by an earlier run")
            && l.contains("count=1")),
        "no WARN line about the pending row"
    );
}

async fn setup_default() -> (FakeTelegram, CountingWawp, TestBot, tempfile::TempDir) {
    super::setup().await
}
