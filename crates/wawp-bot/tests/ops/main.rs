//! The ops server (`--metrics-listen`): health, readiness and Prometheus
//! metrics, through its router and through a real 127.0.0.1 listener.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;
mod readiness;

use wawp_bot::ops::{
    CommandLabel, DbProbe, Metrics, OpsServer, OutcomeLabel, Readiness, TelegramErrorLabel,
    WawpCall, check_not_public, heartbeat, router,
};

/// A database probe the test can break and repair.
fn switchable_db() -> (DbProbe, Arc<AtomicBool>) {
    let writable = Arc::new(AtomicBool::new(true));
    let probe = DbProbe::new({
        let writable = writable.clone();
        move || {
            let ok = writable.load(Ordering::SeqCst);
            async move {
                if ok {
                    Ok(())
                } else {
                    Err("attempt to write a readonly database".to_owned())
                }
            }
        }
    });
    (probe, writable)
}

async fn get(app: &axum::Router, path: &str) -> (StatusCode, String) {
    let response = app
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// The value of one sample line `name{labels} value`, if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        line.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

#[tokio::test]
async fn healthz_answers_while_the_process_runs() {
    let metrics = Metrics::new();
    let (db, writable) = switchable_db();
    writable.store(false, Ordering::SeqCst);
    let app = router(metrics.clone(), Readiness::new(metrics, db));
    // Alive even when not ready.
    assert_eq!(get(&app, "/healthz").await, (StatusCode::OK, "ok\n".into()));
}

/// Readiness that has seen the receiving loop and one store check.
async fn ready(metrics: &Metrics, db: DbProbe) -> Readiness {
    let readiness = Readiness::new(metrics.clone(), db);
    readiness.receiving_alive();
    readiness.check_now().await;
    readiness
}

#[tokio::test]
async fn metrics_carry_the_build_version_and_the_process_figures() {
    let metrics = Metrics::new();
    let (db, _) = switchable_db();
    let app = router(metrics.clone(), Readiness::new(metrics.clone(), db));
    let (_, text) = get(&app, "/metrics").await;
    let build = format!(
        r#"wawp_bot_build_info{{version="{}"}}"#,
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(sample(&text, &build), Some(1.0), "{text}");
    let rss = sample(&text, "process_resident_memory_bytes").unwrap_or_default();
    assert!(rss > 1_000_000.0, "{text}");
    assert!(
        sample(&text, "process_open_fds").is_some_and(|n| n >= 3.0),
        "{text}"
    );
    assert!(
        sample(&text, "process_cpu_seconds_total").is_some(),
        "{text}"
    );
}

#[tokio::test]
async fn a_metric_moves_after_a_command() {
    let metrics = Metrics::new();
    let (db, _) = switchable_db();
    let app = router(metrics.clone(), ready(&metrics, db).await);
    let series = r#"wawp_bot_commands_total{command="send",outcome="sent"}"#;

    let (status, before) = get(&app, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sample(&before, series), None, "{before}");

    metrics.command(CommandLabel::Send, OutcomeLabel::Sent);
    metrics.command(CommandLabel::Send, OutcomeLabel::Sent);
    metrics.command(CommandLabel::Whoami, OutcomeLabel::Answered);
    metrics.wawp_call(WawpCall::Send, Duration::from_millis(30), Ok(()));
    metrics.wawp_call(
        WawpCall::Send,
        Duration::from_millis(700),
        Err(wawp::ErrorKind::SendCooldown),
    );
    metrics.telegram_error(TelegramErrorLabel::RetryAfter);
    metrics.webhook_rejected();

    let (_, after) = get(&app, "/metrics").await;
    assert_eq!(sample(&after, series), Some(2.0), "{after}");
    let counts = [
        (
            r#"wawp_bot_commands_total{command="whoami",outcome="answered"}"#,
            1.0,
        ),
        (
            r#"wawp_bot_wawp_call_duration_seconds_count{call="send"}"#,
            2.0,
        ),
        (
            r#"wawp_bot_wawp_call_duration_seconds_bucket{call="send",le="0.05"}"#,
            1.0,
        ),
        (
            r#"wawp_bot_wawp_call_duration_seconds_bucket{call="send",le="1"}"#,
            2.0,
        ),
        (
            r#"wawp_bot_wawp_errors_total{call="send",kind="send_cooldown"}"#,
            1.0,
        ),
        (r#"wawp_bot_telegram_errors_total{kind="retry_after"}"#, 1.0),
        ("wawp_bot_webhook_rejected_total", 1.0),
    ];
    for (series, value) in counts {
        assert_eq!(sample(&after, series), Some(value), "{series} in\n{after}");
    }
    assert!(after.contains("# HELP wawp_bot_commands_total"), "{after}");
}

#[tokio::test]
async fn updates_in_flight_go_up_and_down() {
    let metrics = Metrics::new();
    let gauge = |m: &Metrics| sample(&m.render(), "wawp_bot_updates_in_flight");
    assert_eq!(gauge(&metrics), Some(0.0));
    let first = metrics.update_started();
    let second = metrics.update_started();
    assert_eq!(gauge(&metrics), Some(2.0));
    drop(first);
    assert_eq!(gauge(&metrics), Some(1.0));
    drop(second);
    assert_eq!(gauge(&metrics), Some(0.0));
}

#[tokio::test]
async fn no_label_can_carry_a_user_id_or_a_phone_number() {
    let metrics = Metrics::new();
    for &command in CommandLabel::ALL {
        for &outcome in OutcomeLabel::ALL {
            metrics.command(command, outcome);
        }
    }
    for &call in WawpCall::ALL {
        metrics.wawp_call(
            call,
            Duration::from_millis(5),
            Err(wawp::ErrorKind::Rejected),
        );
    }
    for &kind in TelegramErrorLabel::ALL {
        metrics.telegram_error(kind);
    }
    let allowed: BTreeSet<&str> = CommandLabel::ALL
        .iter()
        .map(|l| l.as_str())
        .chain(OutcomeLabel::ALL.iter().map(|l| l.as_str()))
        .chain(WawpCall::ALL.iter().map(|l| l.as_str()))
        .chain(TelegramErrorLabel::ALL.iter().map(|l| l.as_str()))
        .chain(["rejected"])
        .collect();

    let text = metrics.render();
    let mut seen = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((_, labels)) = line.split_once('{') else {
            continue;
        };
        let labels = labels.split_once('}').unwrap().0;
        for pair in labels.split(',') {
            let (name, value) = pair.split_once('=').unwrap();
            let value = value.trim_matches('"');
            seen += 1;
            if name == "le" {
                assert!(value.parse::<f64>().is_ok() || value == "+Inf", "{line}");
                continue;
            }
            // The build's version: fixed at compile time.
            if name == "version" {
                assert_eq!(value, env!("CARGO_PKG_VERSION"), "{line}");
                continue;
            }
            assert!(
                allowed.contains(value),
                "label {name}={value:?} is not from a closed set: {line}"
            );
            assert!(!value.bytes().any(|b| b.is_ascii_digit()), "{line}");
        }
    }
    assert!(seen > 100, "too few labels seen: {text}");
}

#[test]
fn the_metrics_address_is_never_the_webhook_port() {
    let public = "0.0.0.0:8443".parse().ok();
    let err = check_not_public("127.0.0.1:8443".parse().unwrap(), public).unwrap_err();
    assert!(err.contains("--metrics-listen 127.0.0.1:8443"), "{err}");
    assert!(!err.contains('\n'));
    assert!(check_not_public("127.0.0.1:9184".parse().unwrap(), public).is_ok());
    assert!(check_not_public("127.0.0.1:8443".parse().unwrap(), None).is_ok());
}

#[tokio::test]
async fn the_server_answers_on_a_real_listener_and_stops() {
    let metrics = Metrics::new();
    metrics.telegram_ok();
    metrics.command(CommandLabel::History, OutcomeLabel::Answered);
    let (db, _) = switchable_db();
    let server = OpsServer::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let readiness = ready(&metrics, db).await;
    let task = tokio::spawn(server.serve(metrics.clone(), readiness, async {
        let _ = stopped.await;
    }));

    for (path, want) in [
        (
            "/metrics",
            r#"wawp_bot_commands_total{command="history",outcome="answered"} 1"#,
        ),
        ("/readyz", "database: ok"),
        ("/healthz", "ok"),
    ] {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: ops\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{path}: {answer}");
        assert!(answer.contains(want), "{path}: {answer}");
    }

    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn binding_a_busy_address_names_it() {
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = taken.local_addr().unwrap();
    let err = OpsServer::bind(addr).await.unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("cannot listen on {addr} for --metrics-listen")),
        "{err}"
    );
}

#[test]
fn disabled_metrics_record_nothing() {
    let metrics = Metrics::disabled();
    metrics.command(CommandLabel::Send, OutcomeLabel::Sent);
    metrics.telegram_ok();
    assert_eq!(metrics.render(), "");
    assert_eq!(metrics.since_telegram_ok(), None);
}

#[test]
fn typed_command_names_map_to_a_closed_set() {
    assert_eq!(
        CommandLabel::from_name("/send@wawp_bot"),
        CommandLabel::Send
    );
    assert_eq!(CommandLabel::from_name("HISTORY"), CommandLabel::History);
    assert_eq!(
        CommandLabel::from_name("+201234567890"),
        CommandLabel::Unknown
    );
    assert_eq!(CommandLabel::from_name(""), CommandLabel::Unknown);
}

/// A Bot API on 127.0.0.1 whose getMe succeeds or answers 401.
async fn bot_api(healthy: bool) -> teloxide::Bot {
    use axum::routing::post;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/{bot}/{method}",
        post(move || async move {
            if healthy {
                axum::Json(serde_json::json!({"ok": true, "result": {
                    "id": 7, "is_bot": true, "first_name": "t", "username": "t_bot",
                    "can_join_groups": false, "can_read_all_group_messages": false,
                    "supports_inline_queries": false, "can_connect_to_business": false,
                    "has_main_web_app": false}}))
                .into_response()
            } else {
                (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(serde_json::json!({"ok": false, "error_code": 401, "description": "Unauthorized"})),
                )
                    .into_response()
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    teloxide::Bot::new("7:test").set_api_url(format!("http://{addr}/").parse().unwrap())
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn the_heartbeat_feeds_readiness_and_counts_failures() {
    let metrics = Metrics::new();
    let task = tokio::spawn(heartbeat(
        bot_api(true).await,
        metrics.clone(),
        Duration::from_millis(10),
    ));
    wait_until("a successful getMe", || {
        metrics.since_telegram_ok().is_some()
    })
    .await;
    task.abort();

    let failing = Metrics::new();
    let task = tokio::spawn(heartbeat(
        bot_api(false).await,
        failing.clone(),
        Duration::from_millis(10),
    ));
    let series = r#"wawp_bot_telegram_errors_total{kind="api"}"#;
    wait_until("a failed getMe counted", || {
        sample(&failing.render(), series).is_some()
    })
    .await;
    task.abort();
    assert_eq!(failing.since_telegram_ok(), None);
}
