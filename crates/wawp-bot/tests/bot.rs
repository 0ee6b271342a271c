//! End to end: the bot in-process, a fake Bot API server, and the Wawp
//! sandbox (or wiremock) for Wawp, all on 127.0.0.1 over real HTTP.

mod common;

use std::time::Duration;

use common::*;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn setup() -> (FakeTelegram, CountingWawp, TestBot, tempfile::TempDir) {
    let telegram = FakeTelegram::start().await;
    let wawp = CountingWawp::start().await;
    let (dir, db) = temp_db();
    let bot = TestBot::start(&telegram, config(&telegram, &wawp.base_url, db)).await;
    (telegram, wawp, bot, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sends_a_code_with_one_wawp_request_and_one_reply() {
    let (telegram, wawp, bot, dir) = setup().await;

    let reply = telegram
        .ask(private_message(
            ADMIN,
            &format!("/send {PHONE} ar Welcome to <Acme>"),
        ))
        .await;

    assert_eq!(wawp.requests(), 1);
    let messages = wawp.state.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].chat_id, CHAT_ID);
    assert_eq!(messages[0].lang, wawp::Lang::Ar);
    assert_eq!(messages[0].footer.as_deref(), Some("Welcome to <Acme>"));
    assert_eq!(reply.chat_id, ADMIN as i64);
    assert_eq!(reply.parse_mode.as_deref(), Some("HTML"));
    let job_id = &messages[0].job_id;
    insta::assert_snapshot!("send_reply", reply.text.replace(job_id, "[job_id]"));

    // The commands were registered, and nothing else was sent.
    let commands = registered_commands(&telegram);
    for name in ["start", "help", "whoami", "send", "verify", "history"] {
        assert!(
            commands.iter().any(|c| c.trim_start_matches('/') == name),
            "{commands:?}"
        );
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(telegram.sent().len(), 1);

    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(col(row, "action"), Some("send"));
    assert_eq!(col(row, "outcome"), Some("sent"));
    assert_eq!(col(row, "admin_id"), Some("1001"));
    assert_eq!(col(row, "admin_username"), Some(ADMIN_NAME));
    assert_eq!(col(row, "recipient"), Some(MASKED));
    assert_eq!(col(row, "lang"), Some("ar"));
    assert_eq!(col(row, "job_id"), Some(job_id.as_str()));
    assert_eq!(col(row, "error_kind"), None);
    assert!(col(row, "update_id").is_some());
}

fn bot_db(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("audit.sqlite3")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_answers_verified_wrong_code_and_locked_out() {
    let (telegram, wawp, bot, dir) = setup().await;
    telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE}")))
        .await;
    let code = last_code(&wawp);
    let wrong = if code == "000000" { "111111" } else { "000000" };

    let reply = telegram
        .ask(private_message(ADMIN, &format!("/verify {PHONE} {wrong}")))
        .await;
    assert_eq!(
        reply.text,
        "❌ Not verified: The code is incorrect: 4 attempts left"
    );

    let reply = telegram
        .ask(private_message(
            ADMIN,
            &format!("/verify +20 109 876 5432 {code}"),
        ))
        .await;
    assert_eq!(
        reply.text,
        format!("✅ Verified: <b>{MASKED}</b> entered the right code.")
    );

    // Five wrong codes lock a recipient out.
    let other = "+201234567899";
    telegram
        .ask(private_message(ADMIN, &format!("/send {other}")))
        .await;
    let mut replies = Vec::new();
    for _ in 0..5 {
        replies.push(
            telegram
                .ask(private_message(ADMIN, &format!("/verify {other} {wrong}")))
                .await
                .text,
        );
    }
    assert_eq!(
        replies[3],
        "❌ Not verified: The code is incorrect: 1 attempt left"
    );
    let last = &replies[4];
    assert!(
        last.starts_with("🔒 Too many wrong codes for +20•••••7899"),
        "{last}"
    );
    assert!(last.contains("Try again in 15 min"), "{last}");
    assert_eq!(wawp.requests(), 9);

    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    let verifies: Vec<_> = rows
        .iter()
        .filter(|r| col(r, "action") == Some("verify"))
        .collect();
    assert_eq!(verifies.len(), 7);
    assert_eq!(col(verifies[0], "outcome"), Some("failed"));
    assert_eq!(col(verifies[0], "error_kind"), Some("rejected"));
    assert_eq!(col(verifies[1], "outcome"), Some("verified"));
    assert_eq!(col(verifies[1], "recipient"), Some(MASKED));
    assert_eq!(col(verifies[6], "error_kind"), Some("verify_locked_out"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_admin_is_refused_audited_and_nothing_is_sent() {
    let (telegram, wawp, bot, dir) = setup().await;

    let reply = telegram
        .ask(private_message(STRANGER, &format!("/send {PHONE}")))
        .await;
    assert!(
        reply.text.starts_with("⛔ Only this bot's admins"),
        "{}",
        reply.text
    );
    assert!(reply.text.contains(&format!("<code>{STRANGER}</code>")));

    let reply = telegram.ask(private_message(STRANGER, "/history")).await;
    assert!(reply.text.starts_with("⛔"), "{}", reply.text);

    // An admin in a group is refused too: admin commands are for private chats.
    let reply = telegram
        .ask(group_message(
            ADMIN,
            &format!("/send@{BOT_USERNAME} {PHONE}"),
        ))
        .await;
    assert!(
        reply.text.contains("only in a private chat"),
        "{}",
        reply.text
    );

    // /whoami works for anyone.
    let reply = telegram.ask(private_message(STRANGER, "/whoami")).await;
    assert!(
        reply.text.contains(&format!("<code>{STRANGER}</code>")),
        "{}",
        reply.text
    );

    assert_eq!(wawp.requests(), 0);
    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    let summary: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                col(r, "admin_id"),
                col(r, "action"),
                col(r, "outcome"),
                col(r, "error_kind"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                Some("6666"),
                Some("send"),
                Some("refused"),
                Some("not_admin")
            ),
            (
                Some("6666"),
                Some("history"),
                Some("refused"),
                Some("not_admin")
            ),
            (
                Some("1001"),
                Some("send"),
                Some("refused"),
                Some("not_private")
            ),
        ]
    );
    assert!(captured_logs().contains("refused an admin command"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_arguments_get_the_usage_and_reach_no_wawp() {
    let (telegram, wawp, bot, dir) = setup().await;

    let cases = [
        ("/send", "⚠️ Missing arguments.", "/send &lt;phone&gt;"),
        (
            "/send 01234567890",
            "⚠️ Invalid phone number: start it with + and the country code",
            "/send &lt;phone&gt;",
        ),
        (
            "/send +20 12",
            "⚠️ Invalid phone number: it is not a valid number",
            "/send &lt;phone&gt;",
        ),
        (
            &*format!("/send {PHONE} ee"),
            "⚠️ Wawp does not document the language \"ee\"; use one of: en, ar, fr,",
            "/send &lt;phone&gt;",
        ),
        (
            &*format!("/send {PHONE} english"),
            "⚠️ \"english\" is not a language code",
            "/send &lt;phone&gt;",
        ),
        (
            &*format!("/verify {PHONE}"),
            "⚠️ Missing arguments.",
            "/verify &lt;phone&gt; &lt;code&gt;",
        ),
        (
            &*format!("/verify {PHONE} 12345"),
            "⚠️ The code is the 6 digits",
            "/verify &lt;phone&gt; &lt;code&gt;",
        ),
        (
            "/history lots",
            "⚠️ N is the number of entries",
            "/history [n]",
        ),
    ];
    for (text, starts, usage) in cases {
        let reply = telegram.ask(private_message(ADMIN, text)).await;
        assert!(reply.text.starts_with(starts), "{text}: {}", reply.text);
        assert!(reply.text.contains(usage), "{text}: {}", reply.text);
        assert!(
            reply.text.contains("Nothing was sent"),
            "{text}: {}",
            reply.text
        );
    }
    let reply = telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE} ee")))
        .await;
    for lang in wawp::Lang::DOCUMENTED {
        assert!(reply.text.contains(lang.as_str()));
    }
    // Unknown commands get a pointer to /help.
    let reply = telegram
        .ask(private_message(ADMIN, "/sned +201234567890"))
        .await;
    assert!(reply.text.contains("/help"), "{}", reply.text);

    assert_eq!(wawp.requests(), 0);
    bot.stop().await;
    let kinds: Vec<_> = audit_rows(&bot_db(&dir))
        .iter()
        .map(|r| {
            (
                col(r, "outcome").map(str::to_owned),
                col(r, "error_kind").map(str::to_owned),
            )
        })
        .collect();
    let expected = [
        "missing_arguments",
        "invalid_phone",
        "invalid_phone",
        "invalid_lang",
        "invalid_lang",
        "missing_arguments",
        "invalid_code",
        "invalid_count",
        "invalid_lang",
    ];
    assert_eq!(kinds.len(), expected.len());
    for ((outcome, kind), expected) in kinds.iter().zip(expected) {
        assert_eq!(outcome.as_deref(), Some("invalid"));
        assert_eq!(kind.as_deref(), Some(expected));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_send_within_the_cooldown_says_when_to_retry() {
    let (telegram, wawp, bot, dir) = setup().await;
    telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE}")))
        .await;
    let reply = telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE}")))
        .await;
    assert!(
        reply
            .text
            .starts_with("⏳ Wawp allows one code per recipient per minute: try again in "),
        "{}",
        reply.text
    );
    let secs: u64 = reply
        .text
        .split("try again in ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((55..=60).contains(&secs), "{secs}");
    assert_eq!(wawp.requests(), 2);

    let reply = telegram.ask(private_message(ADMIN, "/whoami")).await;
    assert!(reply.text.contains("You are an admin"));
    assert!(bot.is_running());
    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    assert_eq!(col(&rows[1], "outcome"), Some("failed"));
    assert_eq!(col(&rows[1], "error_kind"), Some("send_cooldown"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_wawp_credentials_are_reported_without_the_token() {
    let telegram = FakeTelegram::start().await;
    let wawp = CountingWawp::start().await;
    let (dir, db) = temp_db();
    let mut config = config(&telegram, &wawp.base_url, db);
    config.wawp = wawp_bot::config::WawpSettings::Live {
        instance_id: WAWP_INSTANCE.into(),
        access_token: "wrong-token-also-secret".to_owned().into(),
        base_url: Some(wawp.base_url.clone()),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wawp_503_is_reported_and_the_bot_keeps_serving() {
    let telegram = FakeTelegram::start().await;
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>upstream down</html>"))
        .mount(&server)
        .await;
    let (dir, db) = temp_db();
    let bot = TestBot::start(&telegram, config(&telegram, &server.uri(), db)).await;

    let reply = telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE}")))
        .await;
    assert!(
        reply
            .text
            .starts_with("⚠️ Wawp is having trouble (HTTP 503)."),
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
async fn the_per_admin_send_limit_refuses_without_calling_wawp() {
    let telegram = FakeTelegram::start().await;
    let wawp = CountingWawp::start().await;
    let (dir, db) = temp_db();
    let mut config = config(&telegram, &wawp.base_url, db);
    config.send_limit = 2;
    let bot = TestBot::start(&telegram, config).await;

    let phones = [
        "+201234567891",
        "+201234567892",
        "+201234567893",
        "+201234567894",
    ];
    for phone in &phones[..2] {
        let reply = telegram
            .ask(private_message(ADMIN, &format!("/send {phone}")))
            .await;
        assert!(reply.text.starts_with("✅"), "{}", reply.text);
    }
    let reply = telegram
        .ask(private_message(ADMIN, &format!("/send {}", phones[2])))
        .await;
    assert_eq!(
        reply.text,
        "🚦 You have reached the limit of 2 sends per minute. Nothing was sent; try again in 1 min."
    );
    assert_eq!(wawp.requests(), 2);

    // Another admin has their own allowance; the minute passing frees one.
    let reply = telegram
        .ask(private_message(
            OTHER_ADMIN,
            &format!("/send {}", phones[2]),
        ))
        .await;
    assert!(reply.text.starts_with("✅"), "{}", reply.text);
    bot.clock.advance(Duration::from_secs(60));
    let reply = telegram
        .ask(private_message(ADMIN, &format!("/send {}", phones[3])))
        .await;
    assert!(reply.text.starts_with("✅"), "{}", reply.text);
    assert_eq!(wawp.requests(), 4);

    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    assert_eq!(col(&rows[2], "outcome"), Some("rate_limited"));
    assert_eq!(col(&rows[2], "recipient"), Some("+20•••••7893"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_older_than_the_maximum_age_is_ignored_with_a_reply() {
    let (telegram, wawp, bot, dir) = setup().await;
    let old = message_in(
        ADMIN,
        ADMIN as i64,
        &format!("/send {PHONE}"),
        chrono_now() - 600,
    );
    let reply = telegram.ask(old).await;
    assert!(
        reply.text.starts_with("🕰 Ignored a command sent 10 min"),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("older than 2 min"), "{}", reply.text);
    assert_eq!(wawp.requests(), 0);
    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    assert_eq!(col(&rows[0], "outcome"), Some("stale"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_lists_the_latest_entries_newest_first() {
    let (telegram, _wawp, bot, _dir) = setup().await;
    telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE} fr")))
        .await;
    telegram
        .ask(private_message(
            STRANGER,
            &format!("/verify {PHONE} 123456"),
        ))
        .await;
    let reply = telegram
        .ask(private_message(OTHER_ADMIN, "/history 1"))
        .await;
    assert!(
        reply.text.starts_with("<b>Last 1 audit entries</b>"),
        "{}",
        reply.text
    );
    assert!(
        reply.text.contains(&format!(
            "@mallory (6666) · verify {MASKED} · <b>refused</b> (not_admin)"
        )),
        "{}",
        reply.text
    );
    let reply = telegram.ask(private_message(OTHER_ADMIN, "/history")).await;
    let lines: Vec<_> = reply.text.lines().collect();
    assert_eq!(lines.len(), 3, "{}", reply.text);
    assert!(
        lines[2].contains(&format!(
            "@alice (1001) · send {MASKED} fr · <b>sent</b> · job <code>send_"
        )),
        "{}",
        reply.text
    );
    bot.stop().await;
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
