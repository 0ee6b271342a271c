//! Telegram's rules and faults: long replies, failed replies, floods, and
//! updates the bot cannot parse.

use std::time::Duration;

use crate::common::*;
use serde_json::json;
use wawp_testkit::telegram::rules::{MAX_MESSAGE_CHARS, visible_html};

use super::{bot_db, setup};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_50_is_split_on_entry_boundaries_and_telegram_accepts_every_part() {
    let (telegram, _wawp, bot, _dir) = setup().await;
    // 50 audited rows with a recipient each: over 4,096 characters listed.
    let updates: Vec<_> = (0..50)
        .map(|_| private_message(ADMIN, &format!("/send {PHONE} ee")))
        .collect();
    telegram.push_all(updates);
    telegram.wait_for_sent(50).await;

    telegram.push(private_message(ADMIN, "/history 50"));
    let sent = telegram.wait_for_sent(52).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(telegram.rejected().is_empty(), "{:?}", telegram.rejected());
    let parts: Vec<_> = telegram.sent()[50..].to_vec();
    assert!(parts.len() >= 2, "{parts:#?}");
    let mut lines = Vec::new();
    for part in &parts {
        let visible = visible_html(&part.text).unwrap();
        assert!(visible.encode_utf16().count() <= MAX_MESSAGE_CHARS);
        lines.extend(part.text.lines().map(str::to_owned));
    }
    assert!(lines[0].starts_with("<b>Last 50 audit entries</b>"));
    let entries: Vec<_> = lines[1..].iter().collect();
    assert_eq!(entries.len(), 50);
    for line in entries {
        assert!(
            line.ends_with(&format!("send {MASKED} · <b>invalid</b> (invalid_lang)")),
            "an entry was cut: {line}"
        );
    }
    drop(sent);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_confirmation_that_fails_transiently_is_retried() {
    let (telegram, wawp, bot, dir) = setup().await;
    // teloxide waits 10 s after any 5xx: the two 5xx run side by side.
    telegram.fail("sendMessage", Fault::InternalServerError, 1);
    telegram.fail("sendMessage", Fault::BadGatewayHtml, 1);
    telegram.push(private_message(ADMIN, "/send +201234567801"));
    telegram.push(private_message(OTHER_ADMIN, "/send +201234567802"));
    telegram
        .wait_for_sent_within(2, Duration::from_secs(40))
        .await;
    for (i, fault) in [
        Fault::BadJson,
        Fault::DropConnection,
        Fault::TooManyRequests { retry_after: 1 },
    ]
    .into_iter()
    .enumerate()
    {
        telegram.fail("sendMessage", fault, 1);
        let reply = telegram
            .ask(private_message(ADMIN, &format!("/send +20123456790{i}")))
            .await;
        assert!(reply.text.starts_with("✅ Code sent"), "{}", reply.text);
    }
    assert!(
        telegram
            .sent()
            .iter()
            .all(|s| s.text.starts_with("✅ Code sent"))
    );
    assert_eq!(wawp.requests(), 5, "Wawp was called once per command");
    assert_eq!(telegram.sent().len(), 5);
    assert_eq!(telegram.send_attempts(), 10);
    bot.stop().await;
    let outcomes: Vec<_> = audit_rows(&bot_db(&dir))
        .iter()
        .map(|r| col(r, "outcome").map(str::to_owned))
        .collect();
    assert_eq!(outcomes, vec![Some("sent".to_owned()); 5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmation_that_keeps_failing_is_retried_until_telegram_accepts_it() {
    let (telegram, wawp, bot, dir) = setup().await;
    telegram.fail("sendMessage", Fault::BadJson, 4);
    telegram.push(private_message(ADMIN, &format!("/send {PHONE}")));
    let sent = telegram
        .wait_for_sent_within(1, Duration::from_secs(30))
        .await;
    assert!(sent[0].text.starts_with("✅ Code sent"), "{}", sent[0].text);
    assert_eq!(telegram.send_attempts(), 5);
    // The bot carries on and does not send the code again.
    let reply = telegram.ask(private_message(ADMIN, "/whoami")).await;
    assert!(reply.text.contains("You are an admin"));
    assert_eq!(wawp.requests(), 1);
    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    assert_eq!(col(&rows[0], "outcome"), Some("sent"));
    assert_eq!(col(&rows[0], "reply_delivered"), Some("1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmation_telegram_refuses_is_given_up_and_recorded() {
    let (telegram, wawp, bot, dir) = setup().await;
    telegram.fail(
        "sendMessage",
        Fault::BadRequest("Bad Request: chat not found".into()),
        1,
    );
    telegram.push(private_message(ADMIN, &format!("/send {PHONE}")));
    wawp_testkit::wait::until("the refusal", Duration::from_secs(20), || {
        (telegram.send_attempts() == 1).then_some(())
    })
    .await;
    // The bot carries on and does not send the code again.
    let reply = telegram.ask(private_message(ADMIN, "/whoami")).await;
    assert!(reply.text.contains("You are an admin"));
    assert_eq!(wawp.requests(), 1);
    bot.stop().await;
    assert!(captured_logs().contains("the reply was not delivered"));
    // The audit row says the code went out but the admin never heard.
    let rows = audit_rows(&bot_db(&dir));
    assert_eq!(col(&rows[0], "outcome"), Some("sent"));
    assert_eq!(col(&rows[0], "reply_delivered"), Some("0"));
    assert_eq!(outbox_open(&bot_db(&dir)), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_refused_users_does_not_starve_the_admin() {
    let telegram = FakeTelegram::builder().sends_per_second(30).start().await;
    let wawp = CountingWawp::start().await;
    let (dir, db) = temp_db();
    let bot = TestBot::start(&telegram, config(&telegram, &wawp.base_url, db)).await;

    let mut flood = Vec::new();
    for round in 0..4 {
        for user in 0..60u64 {
            let from = wawp_testkit::updates::From::new(50_000 + user, "flooder");
            flood.push(wawp_testkit::updates::private_message(
                from,
                &format!("/send +2010{:08}", round),
            ));
        }
    }
    telegram.push_all(flood);
    for i in 0..3 {
        telegram.push(private_message(ADMIN, &format!("/send +20123456781{i}")));
    }
    wawp_testkit::wait::until(
        "the admin's 3 confirmations",
        Duration::from_secs(30),
        || {
            let sent = telegram.sent();
            (sent
                .iter()
                .filter(|s| s.chat_id == ADMIN as i64 && s.text.starts_with("✅"))
                .count()
                == 3)
                .then_some(())
        },
    )
    .await;
    // Each flooder is answered once.
    wawp_testkit::wait::until("60 refusals", Duration::from_secs(30), || {
        (telegram.sent().len() == 63).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(telegram.sent().len(), 63);
    // Paced under the limit: a 429 is at most a rare accident of timing.
    assert!(
        telegram.send_attempts() <= 66,
        "{} attempts",
        telegram.send_attempts()
    );
    assert_eq!(wawp.requests(), 3);
    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    let refusals: Vec<_> = rows
        .iter()
        .filter(|r| col(r, "outcome") == Some("refused"))
        .collect();
    assert_eq!(refusals.len(), 60, "one audit row per flooder per window");
    assert!(refusals.iter().all(|r| col(r, "repeat_count") == Some("4")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_the_bot_cannot_parse_is_skipped_without_logging_its_content() {
    let (telegram, _wawp, bot, _dir) = setup().await;
    let id = wawp_testkit::updates::next_update_id();
    telegram.push(json!({
        "update_id": id,
        "message": {
            "message_id": "not a number", "date": chrono_now(),
            "chat": {"id": ADMIN, "type": "private", "first_name": "alice"},
            "from": {"id": ADMIN, "is_bot": false, "first_name": "alice"},
            "text": "/verify +201098765432 987123"
        }
    }));
    let reply = telegram.ask(private_message(ADMIN, "/whoami")).await;
    assert!(reply.text.contains("You are an admin"));
    bot.stop().await;
    let logs = captured_logs();
    assert!(
        logs.contains("skipping an update the bot cannot parse"),
        "{logs}"
    );
    for secret in ["987123", "201098765432"] {
        assert!(!logs.contains(secret), "the log holds {secret}");
    }
}
