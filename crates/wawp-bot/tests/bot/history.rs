//! Limits, stale commands and /history.

use std::time::Duration;

use crate::common::*;

use super::{bot_db, setup};

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
