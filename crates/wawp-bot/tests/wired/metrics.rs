//! `--metrics-listen` on the running bot: commands move the metrics, and
//! `/readyz` follows the cached store check, the receiving loop and a stop
//! request, and reports Telegram without failing on it.

use std::time::Duration;

use crate::common::*;
use crate::free_addr;
use crate::http::{self, sample};

async fn metrics_until(
    addr: std::net::SocketAddr,
    what: &str,
    check: impl Fn(&str) -> bool,
) -> String {
    let end = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, text) = http::get(addr, "/metrics").await;
        assert_eq!(status, 200);
        if check(&text) {
            return text;
        }
        assert!(
            std::time::Instant::now() < end,
            "timed out waiting for {what}; /metrics:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The bot with `--metrics-listen` on a free loopback address.
async fn bot_with_metrics() -> (
    FakeTelegram,
    CountingWawp,
    TestBot,
    std::net::SocketAddr,
    tempfile::TempDir,
) {
    let telegram = FakeTelegram::start().await;
    let wawp = CountingWawp::start().await;
    let (dir, db) = temp_db();
    let addr = free_addr();
    let mut config = config(&telegram, &wawp.base_url, db);
    config.metrics_listen = Some(addr);
    let bot = TestBot::start(&telegram, config).await;
    (telegram, wawp, bot, addr, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_move_the_metrics_by_name_and_outcome_without_user_labels() {
    let (telegram, wawp, bot, addr, _dir) = bot_with_metrics().await;

    assert_eq!(http::get(addr, "/healthz").await, (200, "ok\n".to_owned()));
    telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE} en")))
        .await;
    let code = last_code(&wawp);
    telegram
        .ask(private_message(ADMIN, &format!("/verify {PHONE} {code}")))
        .await;
    telegram
        .ask(private_message(STRANGER, &format!("/send {PHONE} en")))
        .await;
    telegram.ask(private_message(ADMIN, "/send 12")).await;
    telegram.ask(private_message(ADMIN, "/whoami")).await;

    let text = metrics_until(addr, "five command samples", |text| {
        sample(
            text,
            r#"wawp_bot_commands_total{command="whoami",outcome="answered"}"#,
        )
        .is_some()
    })
    .await;
    for (series, value) in [
        (
            r#"wawp_bot_commands_total{command="send",outcome="sent"}"#,
            1.0,
        ),
        (
            r#"wawp_bot_commands_total{command="verify",outcome="verified"}"#,
            1.0,
        ),
        (
            r#"wawp_bot_commands_total{command="send",outcome="refused"}"#,
            1.0,
        ),
        (
            r#"wawp_bot_commands_total{command="send",outcome="invalid"}"#,
            1.0,
        ),
        (
            r#"wawp_bot_commands_total{command="whoami",outcome="answered"}"#,
            1.0,
        ),
        (
            r#"wawp_bot_wawp_call_duration_seconds_count{call="send"}"#,
            1.0,
        ),
        (
            r#"wawp_bot_wawp_call_duration_seconds_count{call="verify"}"#,
            1.0,
        ),
        ("wawp_bot_updates_in_flight", 0.0),
    ] {
        assert_eq!(sample(&text, series), Some(value), "{series} in\n{text}");
    }
    assert!(
        sample(&text, "wawp_bot_telegram_last_success_timestamp_seconds").is_some_and(|t| t > 0.0),
        "{text}"
    );
    for private in [CHAT_ID, &ADMIN.to_string(), &STRANGER.to_string(), &code] {
        assert!(!text.contains(private), "{private} in /metrics:\n{text}");
    }

    // A wrong code is a verify outcome, not a failed Wawp call; a second
    // send within Wawp's cooldown is a failed call, counted by kind; a failed
    // Bot API call is counted by kind.
    telegram
        .ask(private_message(ADMIN, &format!("/verify {PHONE} 000000")))
        .await;
    telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE} en")))
        .await;
    telegram.fail("getUpdates", Fault::DropConnection, 1);
    let text = metrics_until(addr, "the error counters", |text| {
        text.contains(r#"wawp_bot_wawp_errors_total{call="send""#)
            && text.contains("wawp_bot_telegram_errors_total{kind=")
    })
    .await;
    for (series, value) in [
        (
            r#"wawp_bot_commands_total{command="verify",outcome="failed"}"#,
            Some(1.0),
        ),
        (
            r#"wawp_bot_commands_total{command="send",outcome="failed"}"#,
            Some(1.0),
        ),
        (
            r#"wawp_bot_wawp_call_duration_seconds_count{call="verify"}"#,
            Some(2.0),
        ),
    ] {
        assert_eq!(sample(&text, series), value, "{series} in\n{text}");
    }
    assert!(
        !text.contains(r#"wawp_bot_wawp_errors_total{call="verify""#),
        "a wrong code is not a failed call:\n{text}"
    );
    bot.stop().await;
}

/// Polls `/readyz` until `want` answers (at most 30 s, a guard against a
/// hang); each probe must answer well within the store's 5 s busy timeout,
/// since it reads a cached result.
async fn readyz_until(addr: std::net::SocketAddr, want: u16) -> String {
    let end = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let asked = std::time::Instant::now();
        let (status, body) = http::get(addr, "/readyz").await;
        assert!(
            asked.elapsed() < wawp_bot::ops::DB_PROBE_TIMEOUT,
            "a probe took {:?}",
            asked.elapsed()
        );
        if status == want {
            return body;
        }
        assert!(
            std::time::Instant::now() < end,
            "timed out waiting for /readyz {want}; last {status}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_fails_while_the_database_cannot_be_written_and_recovers() {
    let telegram = FakeTelegram::start().await;
    let wawp = CountingWawp::start().await;
    let (_dir, db) = temp_db();
    let addr = free_addr();
    let mut config = config(&telegram, &wawp.base_url, db.clone());
    config.metrics_listen = Some(addr);
    let bot = TestBot::start(&telegram, config).await;

    let body = readyz_until(addr, 200).await;
    assert!(
        body.contains("database: ok")
            && body.contains("receiving: ok")
            && body.contains("telegram: ok"),
        "{body}"
    );

    // Another process holds the write lock: the audit log cannot be written.
    // Within a check period /readyz says so, and probes still answer at once.
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let body = readyz_until(addr, 503).await;
    assert!(body.contains("database: FAILING"), "{body}");
    assert!(body.contains("telegram: ok"), "{body}");
    // A /send meanwhile cannot enter the inbox: it is not acknowledged (the
    // next getUpdates asks for it again) and nothing is sent or answered.
    let before = telegram.sent().len();
    let send = private_message(ADMIN, &format!("/send {PHONE} en"));
    let id = wawp_testkit::updates::update_id(&send);
    telegram.push(send);
    // Handed out to the bot, which cannot write it to the locked store.
    wawp_testkit::wait::until("the update handed out", Duration::from_secs(60), || {
        telegram
            .handed_out()
            .iter()
            .any(|h| h.update_id == id)
            .then_some(())
    })
    .await;
    assert!(telegram.unconfirmed().contains(&id));
    assert_eq!(telegram.sent().len(), before);
    assert_eq!(wawp.requests(), 0);

    // Once the lock is gone the same /send is received, sent once, answered.
    holder.execute_batch("ROLLBACK").unwrap();
    let reply = telegram
        .wait_for_sent_within(before + 1, Duration::from_secs(30))
        .await[before]
        .clone();
    assert!(reply.text.starts_with("✅ Code sent"), "{}", reply.text);
    assert_eq!(wawp.requests(), 1);
    readyz_until(addr, 200).await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_fails_until_the_bot_receives_and_reports_telegram_meanwhile() {
    let telegram = FakeTelegram::start().await;
    telegram.set_down(true);
    let wawp = CountingWawp::start().await;
    let (_dir, db) = temp_db();
    let addr = free_addr();
    let mut config = config(&telegram, &wawp.base_url, db);
    config.metrics_listen = Some(addr);
    let bot = crate::Running::start(config);
    wawp_testkit::wait::until("the ops server", Duration::from_secs(10), || {
        std::net::TcpStream::connect(addr).ok()
    })
    .await;
    let (status, body) = http::get(addr, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("receiving: FAILING: not started yet"),
        "{body}"
    );
    assert!(
        body.contains("telegram: unreachable (no successful round trip yet"),
        "{body}"
    );
    assert_eq!(http::get(addr, "/healthz").await.0, 200);
    telegram.set_down(false);
    // teloxide waits 10 s after a 5xx before reporting it: a generous guard.
    wawp_testkit::wait::until("the bot to poll", Duration::from_secs(40), || {
        (!telegram.calls_to("getUpdates").is_empty()).then_some(())
    })
    .await;
    let body = readyz_until(addr, 200).await;
    assert!(body.contains("telegram: ok"), "{body}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_fails_at_once_when_the_bot_is_told_to_stop() {
    // A Wawp call that hangs keeps the bot draining while the test looks.
    let wawp = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(wawp_testkit::wawp::sent("slow"))
                .set_delay(Duration::from_secs(60)),
        )
        .mount(&wawp)
        .await;
    let telegram = FakeTelegram::start().await;
    let (_dir, db) = temp_db();
    let addr = free_addr();
    let mut config = config(&telegram, &wawp.uri(), db);
    config.metrics_listen = Some(addr);
    config.shutdown_timeout = Duration::from_secs(3);
    let mut bot = crate::Running::start(config);
    wawp_testkit::wait::until("the ops server", Duration::from_secs(10), || {
        std::net::TcpStream::connect(addr).ok()
    })
    .await;
    readyz_until(addr, 200).await;
    telegram.push(private_message(ADMIN, &format!("/send {PHONE} en")));
    wawp_testkit::wait::until("the Wawp call", Duration::from_secs(30), || {
        futures::executor::block_on(wawp.received_requests())
            .is_some_and(|seen| !seen.is_empty())
            .then_some(())
    })
    .await;

    let _ = bot.stop.take().unwrap().send(()); // SIGTERM's effect
    let body = readyz_until(addr, 503).await;
    assert!(body.starts_with("draining: "), "{body}");
    assert!(
        !bot.task.is_finished(),
        "503 came while the bot was still draining"
    );
    tokio::time::timeout(Duration::from_secs(30), bot.task)
        .await
        .expect("the bot stops after its shutdown timeout")
        .unwrap()
        .unwrap();
}

/// A command addressed to another bot is not this bot's: not counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_for_another_bot_is_not_counted() {
    let (telegram, wawp, bot, addr, _dir) = bot_with_metrics().await;

    telegram.push(private_message(
        ADMIN,
        &format!("/verify@other_bot {PHONE} 123456"),
    ));
    telegram
        .ask(private_message(ADMIN, &format!("/whoami@{BOT_USERNAME}")))
        .await;
    metrics_until(addr, "the whoami sample", |text| {
        sample(
            text,
            r#"wawp_bot_commands_total{command="whoami",outcome="answered"}"#,
        )
        .is_some()
    })
    .await;
    // Both updates handled and confirmed: the other bot's would be counted by now.
    let end = std::time::Instant::now() + Duration::from_secs(10);
    while !telegram.unconfirmed().is_empty() {
        assert!(
            std::time::Instant::now() < end,
            "{:?}",
            telegram.unconfirmed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (_, text) = http::get(addr, "/metrics").await;
    assert!(!text.contains(r#"command="verify""#), "{text}");
    assert!(!text.contains(r#"command="unknown""#), "{text}");
    assert_eq!(wawp.requests(), 0);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_at_once_on_stop_while_the_call_in_flight_finishes_and_is_answered() {
    use wiremock::matchers::any;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let telegram = FakeTelegram::start().await;
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(wawp_testkit::wawp::sent("send_slow"))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let (_dir, db) = temp_db();
    let addr = free_addr();
    let mut config = config(&telegram, &server.uri(), db.clone());
    config.metrics_listen = Some(addr);
    let mut bot = TestBot::start(&telegram, config).await;
    let (status, body) = http::get(addr, "/readyz").await;
    assert_eq!(status, 200, "{body}");

    telegram.push(private_message(ADMIN, &format!("/send {PHONE}")));
    wawp_testkit::wait::until("the Wawp call to start", Duration::from_secs(20), || {
        (!futures::executor::block_on(server.received_requests())
            .unwrap_or_default()
            .is_empty())
        .then_some(())
    })
    .await;
    bot.request_stop();
    // The call takes 2 s more; /readyz says so before it ends (the stop
    // reaches the bot's tasks a scheduling turn after the request, so the
    // first probe may still find it ready: what matters is that 503 comes
    // while the call is in flight, its reply not yet sent).
    let body = readyz_until(addr, 503).await;
    assert!(
        telegram.sent().is_empty(),
        "503 only after the call in flight ended: {body}"
    );
    assert!(body.contains("draining"), "{body}");
    // The call in flight finishes and its reply goes out before the exit.
    let sent = telegram
        .wait_for_sent_within(1, Duration::from_secs(20))
        .await;
    assert!(sent[0].text.starts_with("✅ Code sent"), "{}", sent[0].text);
    bot.stop().await;
    let rows = audit_rows(&db);
    assert_eq!(col(&rows[0], "outcome"), Some("sent"));
    assert_eq!(col(&rows[0], "reply_delivered"), Some("1"));
}
