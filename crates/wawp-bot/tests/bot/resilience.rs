//! Wawp and Telegram failing, updates delivered twice, shutdown, secrets.

use std::time::Duration;

use crate::common::*;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{bot_db, setup};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_wawp_credentials_are_reported_without_the_token() {
    let telegram = FakeTelegram::start().await;
    let wawp = CountingWawp::start().await;
    let (dir, db) = temp_db();
    let mut config = config(&telegram, &wawp.base_url, db);
    config.wawp = wawp_bot::config::WawpSettings::Live {
        instance_id: WAWP_INSTANCE.into(),
        access_token: "wrong-token-also-secret".to_owned().into(),
        base_url: Some(wawp.base_url.parse().unwrap()),
    };
    let bot = TestBot::start(&telegram, config).await;

    let reply = telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE}")))
        .await;
    assert!(
        reply
            .text
            .starts_with("🔑 Wawp refused the bot's credentials"),
        "{}",
        reply.text
    );
    assert!(!reply.text.contains("wrong-token"));
    assert_eq!(wawp.requests(), 1);
    assert!(wawp.state.messages().is_empty());

    let reply = telegram.ask(private_message(ADMIN, "/whoami")).await;
    assert!(reply.text.contains("Your Telegram user id"));
    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    assert_eq!(col(&rows[0], "error_kind"), Some("unauthorized"));
    assert!(!captured_logs().contains("wrong-token-also-secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wawp_unreachable_is_reported_and_the_bot_keeps_serving() {
    let telegram = FakeTelegram::start().await;
    let (dir, db) = temp_db();
    let bot = TestBot::start(&telegram, config(&telegram, &dead_url(), db)).await;

    let reply = telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE}")))
        .await;
    assert_eq!(
        reply.text,
        "📡 Cannot reach Wawp right now. Nothing was sent; try again shortly."
    );
    let reply = telegram
        .ask(private_message(ADMIN, &format!("/verify {PHONE} 123456")))
        .await;
    assert!(
        reply.text.starts_with("📡 Cannot reach Wawp"),
        "{}",
        reply.text
    );
    let reply = telegram.ask(private_message(ADMIN, "/help")).await;
    assert!(reply.text.starts_with("<b>Wawp OTP bot</b>"));
    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    assert_eq!(col(&rows[0], "outcome"), Some("failed"));
    assert_eq!(col(&rows[0], "error_kind"), Some("connection"));
}

/// A bot whose Wawp answers every request with `status` and an HTML body.
async fn bot_with_wawp_answering(
    status: u16,
) -> (FakeTelegram, MockServer, TestBot, tempfile::TempDir) {
    let telegram = FakeTelegram::start().await;
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_string("<html>upstream down</html>"))
        .mount(&server)
        .await;
    let (dir, db) = temp_db();
    let bot = TestBot::start(&telegram, config(&telegram, &server.uri(), db)).await;
    (telegram, server, bot, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wawp_500_is_reported_and_the_bot_keeps_serving() {
    let (telegram, server, bot, dir) = bot_with_wawp_answering(500).await;
    let reply = telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE}")))
        .await;
    assert!(
        reply
            .text
            .starts_with("⚠️ Wawp is having trouble (HTTP 500)."),
        "{}",
        reply.text
    );
    let requests = server.received_requests().await.unwrap();
    assert!(
        !requests.is_empty() && requests.len() <= 3,
        "{} requests",
        requests.len()
    );

    let reply = telegram.ask(private_message(ADMIN, "/whoami")).await;
    assert!(reply.text.contains("You are an admin"));
    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    assert_eq!(col(&rows[0], "error_kind"), Some("server"));
}

/// A 503 on send may come from a proxy after Wawp took the request: the
/// outcome is unknown, the send is not tried again, and the admin is told to
/// check /history rather than that nothing was sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wawp_503_on_send_is_an_unknown_outcome_and_the_bot_keeps_serving() {
    let (telegram, server, bot, dir) = bot_with_wawp_answering(503).await;
    let reply = telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE}")))
        .await;
    assert!(
        reply.text.contains("A code may have been sent")
            && reply.text.contains("check /history")
            && reply.text.contains("before sending again"),
        "{}",
        reply.text
    );
    assert!(!reply.text.contains("Nothing was sent"), "{}", reply.text);
    // Never retried: a second try could send a second code.
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);

    let reply = telegram.ask(private_message(ADMIN, "/history")).await;
    assert!(
        reply.text.contains("<b>outcome unknown</b>"),
        "{}",
        reply.text
    );
    let reply = telegram.ask(private_message(ADMIN, "/whoami")).await;
    assert!(reply.text.contains("You are an admin"));
    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    let send = rows
        .iter()
        .find(|row| col(row, "action") == Some("send"))
        .expect("the send's row");
    assert_eq!(col(send, "outcome"), Some("unknown"));
    assert_eq!(col(send, "error_kind"), Some("outcome_unknown"));
    assert_eq!(col(send, "reply_delivered"), Some("1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_update_delivered_twice_sends_once() {
    let (telegram, wawp, bot, dir) = setup().await;
    let update = private_message(ADMIN, &format!("/send {PHONE}"));
    telegram.push(update.clone());
    telegram.redeliver(update);
    telegram.wait_for_sent(1).await;
    // A later command's reply proves the repeat was processed (same chat,
    // handled in order) and skipped.
    telegram.ask(private_message(ADMIN, "/whoami")).await;

    assert_eq!(wawp.requests(), 1);
    assert_eq!(telegram.sent().len(), 2);
    bot.stop().await;
    assert_eq!(audit_rows(&bot_db(&dir)).len(), 1);
    assert!(captured_logs().contains("skipping an update delivered again"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_delivered_again_after_a_restart_sends_once() {
    let telegram = FakeTelegram::start().await;
    let wawp = CountingWawp::start().await;
    let (dir, db) = temp_db();
    let update = private_message(ADMIN, &format!("/send {PHONE}"));

    let bot = TestBot::start(&telegram, config(&telegram, &wawp.base_url, db.clone())).await;
    telegram.ask(update.clone()).await;
    bot.stop().await;

    let bot = TestBot::start(&telegram, config(&telegram, &wawp.base_url, db)).await;
    telegram.redeliver(update);
    telegram.ask(private_message(ADMIN, "/whoami")).await;
    bot.stop().await;

    assert_eq!(wawp.requests(), 1);
    assert_eq!(telegram.sent().len(), 2);
    assert_eq!(audit_rows(&bot_db(&dir)).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_429_and_a_failing_get_updates_do_not_stop_the_bot() {
    let (telegram, _wawp, bot, _dir) = setup().await;
    telegram.fail("getUpdates", Fault::Conflict, 1);
    telegram.fail("sendMessage", Fault::TooManyRequests { retry_after: 1 }, 1);
    let reply = telegram.ask(private_message(ADMIN, "/whoami")).await;
    assert!(reply.text.contains("You are an admin"));
    assert_eq!(
        telegram.send_attempts(),
        2,
        "the reply was retried after the 429"
    );
    // Polling resumes after the failed getUpdates.
    let reply = telegram.ask(private_message(ADMIN, "/help")).await;
    assert!(reply.text.starts_with("<b>Wawp OTP bot</b>"));
    assert!(
        telegram
            .call_names()
            .iter()
            .filter(|c| *c == "getupdates")
            .count()
            >= 3
    );
    assert!(bot.is_running());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_a_send_in_flight() {
    let telegram = FakeTelegram::start().await;
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({
                    "code": "success", "message": "Verification code sent successfully",
                    "expires_in": 300, "job_id": "send_slow_1"
                }))
                .set_delay(Duration::from_millis(700)),
        )
        .mount(&server)
        .await;
    let (dir, db) = temp_db();
    let bot = TestBot::start(&telegram, config(&telegram, &server.uri(), db)).await;

    telegram.push(private_message(ADMIN, &format!("/send {PHONE}")));
    while server.received_requests().await.unwrap().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bot.stop().await; // asked while Wawp is still answering

    let sent = telegram.sent();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].text.contains("send_slow_1"), "{}", sent[0].text);
    let rows = audit_rows(&bot_db(&dir));
    assert_eq!(col(&rows[0], "outcome"), Some("sent"));
    assert_eq!(col(&rows[0], "job_id"), Some("send_slow_1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_reply_audit_row_or_log_line_holds_a_token_or_a_code() {
    let (telegram, wawp, bot, dir) = setup().await;
    telegram.fail("getUpdates", Fault::Conflict, 1);
    telegram
        .ask(private_message(
            ADMIN,
            &format!("/send {PHONE} de Footer text"),
        ))
        .await;
    let code = last_code(&wawp);
    telegram
        .ask(private_message(ADMIN, &format!("/verify {PHONE} 999999")))
        .await;
    telegram
        .ask(private_message(ADMIN, &format!("/verify {PHONE} {code}")))
        .await;
    telegram
        .ask(private_message(
            STRANGER,
            &format!("/verify {PHONE} {code}"),
        ))
        .await;
    telegram
        .ask(private_message(ADMIN, &format!("/verify {PHONE} {code}9")))
        .await;
    telegram.ask(private_message(ADMIN, "/history 50")).await;
    bot.stop().await;

    let replies: String = telegram
        .sent()
        .iter()
        .map(|s| s.text.clone() + "\n")
        .collect();
    let audit = format!("{:?}", audit_rows(&bot_db(&dir)));
    let db_bytes = String::from_utf8_lossy(&std::fs::read(bot_db(&dir)).unwrap()).into_owned();
    let logs = captured_logs();
    assert!(
        logs.contains("OTP sent") && logs.contains("OTP verified"),
        "the log is not empty"
    );
    assert!(logs.contains(MASKED));
    let bot_secret = BOT_TOKEN.split(':').nth(1).unwrap();
    for (what, text) in [
        ("replies", &replies),
        ("audit rows", &audit),
        ("database file", &db_bytes),
        ("logs", &logs),
    ] {
        for secret in [bot_secret, WAWP_TOKEN, code.as_str(), "999999", CHAT_ID] {
            assert!(!text.contains(secret), "{what} contain {secret:?}");
        }
    }
}
