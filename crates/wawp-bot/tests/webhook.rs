//! Webhook mode (issue 14 item 1) through the real router.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use futures::StreamExt;
use serde_json::Value;
use teloxide::prelude::*;
use teloxide::types::AllowedUpdate;
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use tower::ServiceExt;
use url::Url;
use wawp_bot::webhook::{
    ClaimFailed, Claimed, RegisterOptions, SECRET_HEADER, Webhook, WebhookListener, WebhookSecret,
    register,
};
use wawp_testkit::updates::{From, private_message};
use wawp_testkit::{BOT_TOKEN, FakeTelegram};

const SECRET: &str = "Right_secret-42";
const PATH: &str = "/tg/hook-path";

/// A store of claims that can be made to fail.
#[derive(Clone, Default)]
struct Claims {
    seen: Arc<Mutex<HashSet<u32>>>,
    calls: Arc<AtomicUsize>,
    failing: Arc<Mutex<bool>>,
}

impl Claims {
    fn claimer(
        &self,
    ) -> impl Fn(&Update) -> futures::future::Ready<Result<Claimed, ClaimFailed>> + use<> {
        let claims = self.clone();
        move |update: &Update| {
            claims.calls.fetch_add(1, Ordering::SeqCst);
            futures::future::ready(if *claims.failing.lock().unwrap() {
                Err(ClaimFailed::new("database is locked"))
            } else if claims.seen.lock().unwrap().insert(update.id.0) {
                Ok(Claimed::First)
            } else {
                Ok(Claimed::Repeat)
            })
        }
    }
}

struct Harness {
    listener: WebhookListener,
    router: Router,
    claims: Claims,
    rejected: Arc<AtomicUsize>,
}

fn url() -> Url {
    Url::parse(&format!("https://bot.example.org{PATH}")).unwrap()
}

fn harness() -> Harness {
    let claims = Claims::default();
    let rejected = Arc::new(AtomicUsize::new(0));
    let counter = rejected.clone();
    let secret = WebhookSecret::parse(SECRET).unwrap();
    let (listener, router) = Webhook::builder(url(), secret, claims.claimer())
        .on_rejected(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .body_limit(64 * 1024)
        .build();
    Harness {
        listener,
        router,
        claims,
        rejected,
    }
}

fn update(text: &str) -> Value {
    private_message(From::new(1001, "alice"), text)
}

async fn post(
    router: &Router,
    secret: Option<&str>,
    body: impl Into<Body>,
) -> (StatusCode, String) {
    let mut request = Request::post(PATH).header("content-type", "application/json");
    if let Some(secret) = secret {
        request = request.header(SECRET_HEADER, secret);
    }
    let response = router
        .clone()
        .oneshot(request.body(body.into()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn post_update(router: &Router, update: &Value) -> StatusCode {
    post(router, Some(SECRET), update.to_string()).await.0
}

/// Stops the listener and collects every update it still hands on.
async fn drain(mut listener: WebhookListener) -> Vec<u32> {
    listener.stop_token().stop();
    let stream = listener.as_stream();
    let updates: Vec<_> = tokio::time::timeout(Duration::from_secs(10), stream.collect())
        .await
        .expect("the listener's stream ends after stop");
    updates.into_iter().map(|u| u.unwrap().id.0).collect()
}

#[tokio::test]
async fn a_wrong_or_missing_secret_is_401_counted_and_never_claimed() {
    let h = harness();
    let body = update("/whoami").to_string();
    for secret in [
        None,
        Some(""),
        Some("Right_secret-4"),
        Some("Right_secret-42 "),
        Some("wrong"),
    ] {
        let (status, text) = post(&h.router, secret, body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "secret {secret:?}");
        assert!(!text.contains(SECRET));
    }
    assert_eq!(h.rejected.load(Ordering::SeqCst), 5);
    assert_eq!(h.claims.calls.load(Ordering::SeqCst), 0);
    assert!(drain(h.listener).await.is_empty());
}

#[tokio::test]
async fn a_claimed_update_is_200_and_handed_on_once() {
    let h = harness();
    let first = update("/whoami");
    assert_eq!(post_update(&h.router, &first).await, StatusCode::OK);
    assert_eq!(h.rejected.load(Ordering::SeqCst), 0);
    let id = wawp_testkit::updates::update_id(&first) as u32;
    assert_eq!(drain(h.listener).await, vec![id]);
}

#[tokio::test]
async fn the_same_update_twice_is_handed_on_once() {
    let h = harness();
    let once = update("/send +4915112345678");
    let other = update("/whoami");
    assert_eq!(post_update(&h.router, &once).await, StatusCode::OK);
    assert_eq!(post_update(&h.router, &once).await, StatusCode::OK);
    assert_eq!(post_update(&h.router, &other).await, StatusCode::OK);
    let ids = [&once, &other].map(|u| wawp_testkit::updates::update_id(u) as u32);
    assert_eq!(drain(h.listener).await, ids.to_vec());
    assert_eq!(h.claims.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_store_failure_is_not_2xx_and_the_retry_is_delivered() {
    let h = harness();
    let u = update("/whoami");
    *h.claims.failing.lock().unwrap() = true;
    let (status, text) = post(&h.router, Some(SECRET), u.to_string()).await;
    assert!(
        !status.is_success(),
        "a failed claim must make Telegram retry: {status}"
    );
    assert!(
        !text.contains("locked"),
        "store details stay in the log: {text}"
    );
    *h.claims.failing.lock().unwrap() = false;
    assert_eq!(post_update(&h.router, &u).await, StatusCode::OK);
    let id = wawp_testkit::updates::update_id(&u) as u32;
    assert_eq!(drain(h.listener).await, vec![id]);
}

#[tokio::test]
async fn bad_bodies_are_refused_without_echoing_them() {
    let h = harness();
    let (status, text) = post(
        &h.router,
        Some(SECRET),
        "{\"code\": \"123456\", +4915112345678",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        !text.contains("123456") && !text.contains("4915112345678"),
        "{text}"
    );
    let (status, _) = post(&h.router, Some(SECRET), vec![b' '; 65 * 1024]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(h.claims.calls.load(Ordering::SeqCst), 0);
    // Only the webhook's path answers.
    let response = h
        .router
        .clone()
        .oneshot(
            Request::post("/other")
                .header(SECRET_HEADER, SECRET)
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn after_stop_nothing_new_is_claimed_and_claimed_updates_still_come_out() {
    let mut h = harness();
    let before = update("/whoami");
    assert_eq!(post_update(&h.router, &before).await, StatusCode::OK);
    h.listener.stop_token().stop();
    let mut stream = h.listener.as_stream();
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.id.0 as i64, wawp_testkit::updates::update_id(&before));
    // The stream has ended: the route refuses, so Telegram keeps the update.
    assert!(stream.next().await.is_none());
    drop(stream);
    let after = update("/help");
    let status = post_update(&h.router, &after).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(h.claims.calls.load(Ordering::SeqCst), 1);
}

/// A Bot API that records each call's method and form fields (teloxide
/// sends `setWebhook` as multipart/form-data) and answers `true`.
async fn recording_bot_api() -> (String, Arc<Mutex<Vec<(String, HashMap<String, String>)>>>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    let app = Router::new().fallback(move |uri: axum::http::Uri, body: axum::body::Bytes| {
        let seen = seen.clone();
        async move {
            let method = uri
                .path()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_lowercase();
            seen.lock()
                .unwrap()
                .push((method, form_fields(&String::from_utf8_lossy(&body))));
            axum::Json(serde_json::json!({"ok": true, "result": true}))
        }
    });
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", tcp.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(tcp, app).await });
    (url, calls)
}

/// The text fields of a multipart/form-data body.
fn form_fields(body: &str) -> HashMap<String, String> {
    let boundary = body.lines().next().unwrap_or_default().trim().to_owned();
    body.split(boundary.as_str())
        .filter_map(|part| {
            let name = part.split("name=\"").nth(1)?.split('"').next()?;
            let value = part.split_once("\r\n\r\n")?.1.trim_end_matches("\r\n");
            Some((
                name.to_owned(),
                value.trim_end_matches("--").trim_end().to_owned(),
            ))
        })
        .collect()
}

#[tokio::test]
async fn a_full_queue_is_503_without_a_claim_so_telegram_retries() {
    let claims = Claims::default();
    let secret = WebhookSecret::parse(SECRET).unwrap();
    let (listener, router) = Webhook::builder(url(), secret, claims.claimer())
        .queue(1)
        .queue_wait(Duration::from_millis(50))
        .build();
    let (first, second) = (update("/whoami"), update("/help"));
    assert_eq!(post_update(&router, &first).await, StatusCode::OK);
    // Nobody takes updates: the second finds no room.
    assert_eq!(
        post_update(&router, &second).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(claims.calls.load(Ordering::SeqCst), 1);
    let id = wawp_testkit::updates::update_id(&first) as u32;
    assert_eq!(drain(listener).await, vec![id]);
}

#[tokio::test]
async fn register_sets_the_webhook_idempotently_with_the_secret() {
    let (api, calls) = recording_bot_api().await;
    let bot = Bot::new(BOT_TOKEN).set_api_url(api.parse().unwrap());
    let secret = WebhookSecret::parse(SECRET).unwrap();
    let options = RegisterOptions {
        allowed_updates: Some(vec![AllowedUpdate::Message, AllowedUpdate::MyChatMember]),
        max_connections: Some(40),
    };
    // Two replicas start: the same call twice, nothing else.
    register(&bot, &url(), &secret, &options).await.unwrap();
    register(&bot, &url(), &secret, &options).await.unwrap();
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0], calls[1]);
    let (method, fields) = &calls[0];
    assert_eq!(method, "setwebhook");
    assert_eq!(fields["url"], url().as_str());
    assert_eq!(fields["secret_token"], SECRET);
    assert_eq!(fields["max_connections"], "40");
    assert_eq!(fields["allowed_updates"], r#"["message","my_chat_member"]"#);
    assert!(!fields.contains_key("drop_pending_updates"), "{fields:?}");
}

#[tokio::test]
async fn a_dispatcher_fed_by_the_webhook_answers_once_and_stop_keeps_the_webhook() {
    let fake = FakeTelegram::start().await;
    let bot = Bot::new(BOT_TOKEN).set_api_url(fake.url().parse().unwrap());
    let h = harness();
    let handler = Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
        bot.send_message(msg.chat.id, "pong").await?;
        respond(())
    });
    let mut dispatcher = Dispatcher::builder(bot, handler).build();
    let token = dispatcher.shutdown_token();
    let listener = h.listener;
    let running = tokio::spawn(async move {
        dispatcher
            .dispatch_with_listener(listener, LoggingErrorHandler::new())
            .await;
    });
    let u = update("/whoami");
    assert_eq!(post_update(&h.router, &u).await, StatusCode::OK);
    assert_eq!(post_update(&h.router, &u).await, StatusCode::OK);
    let sent = fake.wait_for_sent(1).await;
    assert_eq!(sent[0].text, "pong");
    wawp_testkit::wait::until(
        "the dispatcher to be running",
        Duration::from_secs(10),
        || token.shutdown().ok(),
    )
    .await
    .await;
    running.await.unwrap();
    assert_eq!(
        fake.sent().len(),
        1,
        "the repeated update was not answered again"
    );
    assert!(fake.calls_to("deletewebhook").is_empty());
    assert_eq!(
        post_update(&h.router, &update("/help")).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
}
