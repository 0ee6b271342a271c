//! `--webhook-url`: the running bot receives updates on `--listen` instead
//! of polling, checks the secret, handles an update delivered twice once,
//! and leaves the webhook in place when it stops.

use std::time::Duration;

use wawp_bot::config::WebhookSettings;

use crate::common::*;
use crate::http::{self, sample};
use crate::{Running, free_addr};

const SECRET: &str = "wire_test-SECRET_0123456789";
const PATH: &str = "/telegram/hook";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_mode_answers_each_update_once_and_never_deletes_the_webhook() {
    let telegram = FakeTelegram::start().await;
    let wawp = CountingWawp::start().await;
    let (_dir, db) = temp_db();
    let listen = free_addr();
    let metrics = free_addr();
    let mut config = config(&telegram, &wawp.base_url, db.clone());
    config.webhook = Some(WebhookSettings {
        url: format!("http://{listen}{PATH}").parse().unwrap(),
        listen,
        secret: SECRET.to_owned().into(),
    });
    config.metrics_listen = Some(metrics);
    let bot = Running::start(config);
    wawp_testkit::wait::until("setWebhook", Duration::from_secs(10), || {
        (!telegram.calls_to("setWebhook").is_empty()).then_some(())
    })
    .await;

    let post = |body: String, secret: Option<&'static str>| async move {
        let headers: Vec<(&str, &str)> = secret
            .map(|s| vec![("X-Telegram-Bot-Api-Secret-Token", s)])
            .unwrap_or_default();
        http::request(listen, "POST", PATH, &headers, &body).await.0
    };

    // Without the secret, or with a wrong one: 401, nothing handled.
    let whoami = private_message(ADMIN, "/whoami").to_string();
    assert_eq!(post(whoami.clone(), None).await, 401);
    assert_eq!(post(whoami.clone(), Some("wrong")).await, 401);

    // An update delivered twice (Telegram retried): 200 both times, one reply.
    assert_eq!(post(whoami.clone(), Some(SECRET)).await, 200);
    assert_eq!(post(whoami, Some(SECRET)).await, 200);
    let send = private_message(ADMIN, &format!("/send {PHONE} en")).to_string();
    assert_eq!(post(send.clone(), Some(SECRET)).await, 200);
    assert_eq!(post(send, Some(SECRET)).await, 200);
    telegram.wait_for_sent(2).await;
    // The receipts are claimed: nothing else arrives for the repeats.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(telegram.sent().len(), 2, "{:?}", telegram.sent());
    assert_eq!(
        wawp.requests(),
        1,
        "one Wawp call for the /send delivered twice"
    );
    let rows = audit_rows(&db);
    assert_eq!(rows.len(), 1);
    assert_eq!(col(&rows[0], "outcome"), Some("sent"));

    let (_, text) = http::get(metrics, "/metrics").await;
    assert_eq!(
        sample(&text, "wawp_bot_webhook_rejected_total"),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"wawp_bot_commands_total{command="send",outcome="sent"}"#
        ),
        Some(1.0),
        "{text}"
    );

    bot.stop().await;
    assert!(
        telegram.calls_to("getUpdates").is_empty(),
        "webhook mode never polls"
    );
    assert!(
        telegram.calls_to("deleteWebhook").is_empty(),
        "stopping one replica must not delete the webhook the others use"
    );
    assert!(
        tokio::net::TcpStream::connect(listen).await.is_err(),
        "the webhook listener is closed after the stop"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_port_already_taken_is_a_setting_error() {
    let telegram = FakeTelegram::start().await;
    let wawp = CountingWawp::start().await;
    let (_dir, db) = temp_db();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = taken.local_addr().unwrap();
    let mut config = config(&telegram, &wawp.base_url, db);
    config.webhook = Some(WebhookSettings {
        url: format!("http://{listen}{PATH}").parse().unwrap(),
        listen,
        secret: SECRET.to_owned().into(),
    });
    let err = wawp_bot::run(config, std::future::pending())
        .await
        .expect_err("the port is taken");
    assert_eq!(err.exit_code(), 2, "{err}");
    assert!(err.to_string().contains(&format!("{listen}")), "{err}");
    assert!(err.to_string().contains("--listen"), "{err}");
    assert!(!err.to_string().contains(SECRET));
    assert!(telegram.calls_to("setWebhook").is_empty());
}
