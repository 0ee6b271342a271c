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
    config.send_limit = std::num::NonZeroU32::new(2).unwrap();
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
async fn history_lists_the_admins_entries_newest_first_whatever_non_admins_do() {
    let (telegram, _wawp, bot, dir) = setup().await;
    telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE} fr")))
        .await;
    telegram
        .ask(private_message(OTHER_ADMIN, &format!("/send {PHONE} ee")))
        .await;
    // A refused user after the admins' commands: audited, but not listed.
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
        reply.text.starts_with("<b>Last 1 audit entry</b>:\n"),
        "{}",
        reply.text
    );
    assert!(
        reply.text.contains(&format!(
            "@bob (1002) · send {MASKED} · <b>invalid</b> (invalid_lang)"
        )),
        "{}",
        reply.text
    );
    let reply = telegram.ask(private_message(OTHER_ADMIN, "/history")).await;
    let lines: Vec<_> = reply.text.lines().collect();
    assert_eq!(lines.len(), 3, "{}", reply.text);
    assert!(
        lines[0].starts_with("<b>Last 2 audit entries</b>"),
        "{}",
        reply.text
    );
    for out_of_range in ["/history 0", "/history 51", "/history 500"] {
        let refused = telegram
            .ask(private_message(OTHER_ADMIN, out_of_range))
            .await;
        assert!(
            refused
                .text
                .starts_with("⚠️ The count must be a whole number from 1 to 50."),
            "{out_of_range}: {}",
            refused.text
        );
    }
    assert!(
        lines[2].contains(&format!(
            "@alice (1001) · send {MASKED} fr · <b>sent</b> · job <code>send_"
        )),
        "{}",
        reply.text
    );
    assert!(!reply.text.contains("mallory"), "{}", reply.text);
    bot.stop().await;
    let refused = audit_rows(&bot_db(&dir))
        .iter()
        .filter(|r| col(r, "outcome") == Some("refused"))
        .count();
    assert_eq!(refused, 1, "the refusal is still audited");
}

/// Wawp's job id is server text: a 60,000-character one and one holding a
/// newline and an ESC are shown cleaned and bounded, in one reply each, and
/// `/history` covering both rows still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_or_multi_line_job_id_is_shown_cleaned_and_history_still_works() {
    use wiremock::matchers::any;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let telegram = FakeTelegram::start().await;
    let server = MockServer::start().await;
    let huge = "J".repeat(60_000);
    for job in [huge.as_str(), "job-1\n<b>forged</b>\u{1b}]0;title\u{7}"] {
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_json(wawp_testkit::wawp::sent(job)))
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    let (dir, db) = temp_db();
    let bot = TestBot::start(&telegram, config(&telegram, &server.uri(), db)).await;

    let reply = telegram
        .ask(private_message(ADMIN, &format!("/send {PHONE}")))
        .await;
    assert!(reply.text.starts_with("✅"), "{}", reply.text);
    let shown = format!("{}…", "J".repeat(wawp_bot::server_text::MAX_CHARS - 1));
    assert!(
        reply.text.contains(&format!("<code>{shown}</code>")),
        "{}",
        reply.text
    );
    let reply = telegram
        .ask(private_message(ADMIN, "/send +201234567890"))
        .await;
    assert!(
        reply
            .text
            .contains("<code>job-1 &lt;b&gt;forged&lt;/b&gt;]0;title</code>"),
        "{}",
        reply.text
    );

    let reply = telegram.ask(private_message(ADMIN, "/history")).await;
    let lines: Vec<&str> = reply.text.lines().collect();
    assert_eq!(lines.len(), 3, "{}", reply.text);
    assert!(
        lines[1].ends_with("job <code>job-1 &lt;b&gt;forged&lt;/b&gt;]0;title</code>"),
        "{}",
        reply.text
    );
    assert!(
        lines[2].ends_with(&format!("job <code>{shown}</code>")),
        "{}",
        reply.text
    );
    // One message per reply, none refused by (the fake) Telegram.
    assert_eq!(telegram.sent().len(), 3);
    assert!(telegram.rejected().is_empty(), "{:?}", telegram.rejected());
    bot.stop().await;
    let rows = audit_rows(&bot_db(&dir));
    assert_eq!(
        col(&rows[0], "job_id"),
        Some(shown.as_str()),
        "stored cleaned and bounded"
    );
}
