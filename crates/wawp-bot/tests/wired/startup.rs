//! Start-up against a Telegram that does not answer (issue 13 item 3): each
//! failure is logged with the Bot API URL and a hint at `TELEGRAM_API_URL`,
//! the bot keeps trying and works once Telegram is back; a rejected token
//! stops the start with exit code 2.

use std::time::Duration;

use crate::common::*;
use crate::{Running, wait_for_log};

/// teloxide waits 10 s after a 5xx before it reports it: bounded waits below
/// leave room for that (they are guards, not timings).
const PATIENCE: Duration = Duration::from_secs(40);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_down_at_start_is_named_and_retried_then_the_bot_works() {
    let telegram = FakeTelegram::start().await;
    telegram.set_down(true);
    let wawp = CountingWawp::start().await;
    let (_dir, db) = temp_db();
    let bot = Running::start(config(&telegram, &wawp.base_url, db));

    let line = format!("cannot reach the Telegram Bot API at {}", telegram.url());
    let logs = wait_for_log(&line, PATIENCE).await;
    let ours: Vec<&str> = logs.lines().filter(|l| l.contains(&line)).collect();
    assert!(
        ours.iter()
            .all(|l| l.contains("set TELEGRAM_API_URL") && l.contains("retry")),
        "{ours:#?}"
    );
    assert!(
        !logs.contains(BOT_TOKEN),
        "the token never appears in the log"
    );
    assert!(
        !bot.task.is_finished(),
        "the bot keeps trying instead of exiting"
    );

    telegram.set_down(false);
    wawp_testkit::wait::until("the bot to poll", PATIENCE, || {
        (!telegram.calls_to("getUpdates").is_empty()).then_some(())
    })
    .await;
    let reply = telegram.ask(private_message(ADMIN, "/whoami")).await;
    assert!(reply.text.contains(&ADMIN.to_string()), "{}", reply.text);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_failure_at_start_is_logged_and_retried_with_back_off() {
    let telegram = FakeTelegram::start().await;
    telegram.fail("getMe", Fault::DropConnection, 3);
    let wawp = CountingWawp::start().await;
    let (_dir, db) = temp_db();
    let bot = Running::start(config(&telegram, &wawp.base_url, db));

    wawp_testkit::wait::until("the bot to poll", PATIENCE, || {
        (!telegram.calls_to("getUpdates").is_empty()).then_some(())
    })
    .await;
    let line = format!("cannot reach the Telegram Bot API at {}", telegram.url());
    let logs = captured_logs();
    let ours: Vec<&str> = logs.lines().filter(|l| l.contains(&line)).collect();
    assert_eq!(ours.len(), 3, "one line per failure: {ours:#?}");
    for (line, wait) in ours
        .iter()
        .zip(["retry_in_s=1", "retry_in_s=2", "retry_in_s=4"])
    {
        assert!(line.contains(wait), "back-off doubles: {line}");
    }
    assert_eq!(telegram.calls_to("getMe").len(), 4);
    let reply = telegram.ask(private_message(ADMIN, "/whoami")).await;
    assert!(reply.text.contains(&ADMIN.to_string()), "{}", reply.text);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_stops_the_start_with_exit_code_2() {
    let telegram = FakeTelegram::start().await;
    let wawp = CountingWawp::start().await;
    let (_dir, db) = temp_db();
    let mut config = config(&telegram, &wawp.base_url, db);
    config.telegram_token = Some("4242:not-the-right-token".to_owned().into());
    let err = tokio::time::timeout(
        Duration::from_secs(10),
        wawp_bot::run(config, std::future::pending()),
    )
    .await
    .expect("no retry for a rejected token")
    .expect_err("the token is rejected");
    assert_eq!(err.exit_code(), 2, "{err}");
    let text = err.to_string();
    assert!(text.contains("TELEGRAM_BOT_TOKEN"), "{text}");
    assert!(text.contains(&telegram.url()), "{text}");
    assert!(!text.contains("not-the-right-token"), "{text}");
}
