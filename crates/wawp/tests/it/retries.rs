//! What is retried (and what never is), timeouts and refused connections.

use std::time::{Duration, Instant};

use crate::common::*;
use wawp::{Error, RetryPolicy, VerifyOutcome, client::Transport};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server_answering(route: &str, first: ResponseTemplate, times: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path(route))
        .respond_with(first)
        .up_to_n_times(times)
        .mount(&server)
        .await;
    server
}

async fn then_succeed(server: &MockServer, route: &str) {
    let body = if route == SEND_PATH {
        sent_body()
    } else {
        serde_json::json!({})
    };
    Mock::given(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn send_retries_a_503_only_when_opted_in() {
    for transport in [Transport::Post, Transport::Query] {
        let server = server_answering(SEND_PATH, ResponseTemplate::new(503), 1).await;
        then_succeed(&server, SEND_PATH).await;
        let err = client(&server, transport)
            .send_otp(&phone())
            .await
            .unwrap_err();
        assert_eq!(
            err,
            Error::OutcomeUnknown {
                status: 503,
                message: None,
                cause: None,
            }
        );
        assert!(!err.is_retryable());
        assert_eq!(received(&server).await.len(), 1, "{transport}");

        let server = server_answering(SEND_PATH, ResponseTemplate::new(503), 1).await;
        then_succeed(&server, SEND_PATH).await;
        let sent = builder(&server, transport)
            .retry(fast_retry().with_retry_send_on_unavailable(true))
            .build()
            .unwrap()
            .send_otp(&phone())
            .await
            .unwrap();
        assert_eq!(sent.job_id, "send_77_981");
        assert_eq!(received(&server).await.len(), 2, "{transport}");
    }
}

#[tokio::test]
async fn a_502_or_504_on_send_is_not_retried_and_says_a_code_may_be_out() {
    for status in [502, 504] {
        let server = server_answering(SEND_PATH, ResponseTemplate::new(status), 100).await;
        then_succeed(&server, SEND_PATH).await;
        let err = client(&server, Transport::Post)
            .send_otp(&phone())
            .await
            .unwrap_err();
        assert_eq!(
            err,
            Error::OutcomeUnknown {
                status,
                message: None,
                cause: None,
            }
        );
        assert!(
            err.to_string().contains("a code may have been sent"),
            "{err}"
        );
        assert_eq!(received(&server).await.len(), 1, "{status}");
    }
}

#[tokio::test]
async fn the_deadline_stops_retries() {
    let server = server_answering(SEND_PATH, ResponseTemplate::new(503), 100).await;
    let client = builder(&server, Transport::Post)
        .retry(
            RetryPolicy::default()
                .with_max_attempts(50)
                .with_retry_send_on_unavailable(true)
                .with_base_delay(Duration::from_millis(200))
                .with_max_delay(Duration::from_millis(200))
                .with_deadline(Duration::from_millis(300)),
        )
        .build()
        .unwrap();
    let err = client.send_otp(&phone()).await.unwrap_err();
    // The last 503, or, on a loaded machine, the deadline cutting an attempt
    // still in flight.
    assert!(err.kind() == wawp::ErrorKind::OutcomeUnknown, "{err:?}");
    // Each wait is at least 100 ms: no more than 3 attempts fit in 300 ms.
    let attempts = received(&server).await.len();
    assert!((1..=3).contains(&attempts), "{attempts} attempts");
}

#[tokio::test]
async fn the_deadline_cuts_a_slow_attempt() {
    let server = MockServer::start().await;
    Mock::given(path(SEND_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(sent_body())
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client = builder(&server, Transport::Post)
        .timeout(Duration::from_secs(30))
        .retry(RetryPolicy::default().with_deadline(Duration::from_millis(200)))
        .build()
        .unwrap();
    // Without the deadline the answer would arrive, after 5 s. The request
    // was written: a code may be on its way.
    assert_eq!(
        client.send_otp(&phone()).await.unwrap_err(),
        Error::OutcomeUnknown {
            status: 0,
            message: None,
            cause: None,
        }
    );
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn send_does_not_retry_a_500() {
    let server = server_answering(SEND_PATH, ResponseTemplate::new(500), 100).await;
    let err = client(&server, Transport::Post)
        .send_otp(&phone())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn a_429_is_never_retried() {
    for route in [SEND_PATH, VERIFY_PATH] {
        let answer = ResponseTemplate::new(429).insert_header("Retry-After", "0");
        let server = server_answering(route, answer, 100).await;
        then_succeed(&server, route).await;
        let client = client(&server, Transport::Post);
        if route == SEND_PATH {
            let err = client.send_otp(&phone()).await.unwrap_err();
            assert_eq!(err.status(), Some(429));
        } else {
            let outcome = client.verify_otp(&phone(), &code("123456")).await.unwrap();
            assert!(
                matches!(outcome, VerifyOutcome::LockedOut { .. }),
                "{outcome:?}"
            );
        }
        assert_eq!(received(&server).await.len(), 1, "{route}");
    }
}

#[tokio::test]
async fn a_verify_that_reached_the_server_is_never_retried() {
    for status in [500, 502, 503, 504] {
        let server = server_answering(VERIFY_PATH, ResponseTemplate::new(status), 100).await;
        then_succeed(&server, VERIFY_PATH).await;
        let err = client(&server, Transport::Post)
            .verify_otp(&phone(), &code("123456"))
            .await
            .unwrap_err();
        assert_eq!(
            err,
            Error::Server {
                status,
                message: None
            }
        );
        assert_eq!(received(&server).await.len(), 1, "{status}");
    }
}

#[tokio::test]
async fn retries_can_be_switched_off() {
    let server = server_answering(SEND_PATH, ResponseTemplate::new(503), 1).await;
    then_succeed(&server, SEND_PATH).await;
    let err = no_retry_client(&server, Transport::Post)
        .send_otp(&phone())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn retry_after_on_a_503_is_honoured_up_to_max_delay() {
    let answer = ResponseTemplate::new(503).insert_header("Retry-After", "30");
    let server = server_answering(SEND_PATH, answer, 1).await;
    then_succeed(&server, SEND_PATH).await;
    let client = builder(&server, Transport::Post)
        .retry(
            RetryPolicy::default()
                .with_retry_send_on_unavailable(true)
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(300)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    client.send_otp(&phone()).await.unwrap();
    let elapsed = started.elapsed();
    // Waited the capped Retry-After (300 ms), not the 1 ms back-off nor 30 s.
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn a_slow_server_times_out_without_retry() {
    for route in [SEND_PATH, VERIFY_PATH] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(route))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(sent_body())
                    .set_delay(Duration::from_secs(2)),
            )
            .mount(&server)
            .await;
        let client = builder(&server, Transport::Post)
            .timeout(Duration::from_millis(150))
            .build()
            .unwrap();
        let started = Instant::now();
        let result = if route == SEND_PATH {
            client.send_otp(&phone()).await.map(drop)
        } else {
            client.verify_otp(&phone(), &code("123456")).await.map(drop)
        };
        let expected = if route == SEND_PATH {
            Error::OutcomeUnknown {
                status: 0,
                message: None,
                cause: None,
            }
        } else {
            Error::Timeout { cause: None }
        };
        assert_eq!(without_cause(result.unwrap_err()), expected, "{route}");
        assert!(started.elapsed() < Duration::from_secs(1), "{route}");
        // The request arrived: repeating it could send a second code or
        // burn a verify attempt.
        assert_eq!(received(&server).await.len(), 1, "{route}");
    }
}

/// A loopback address nobody listens on.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported() {
    let base_url = closed_port_url();
    for transport in [Transport::Post, Transport::Query] {
        let (captured, _guard) = capture_tracing();
        let client = wawp::Client::builder()
            .instance_id(INSTANCE)
            .access_token(TOKEN)
            .base_url(&base_url)
            .transport(transport)
            .retry(fast_retry())
            .build()
            .unwrap();
        let err = client
            .verify_otp(&phone(), &code("123456"))
            .await
            .unwrap_err();
        let Error::Connection { message, .. } = &err else {
            panic!("{err:?}");
        };
        // The cause is kept, without the URL (the token with Query).
        let source = std::error::Error::source(&err).expect("a source");
        let chain = format!("{source} {source:?}");
        assert!(!chain.contains(TOKEN) && !chain.contains("/v2/"), "{chain}");
        assert!(
            format!("{:?}", source.source()).contains("ConnectionRefused")
                || format!("{source:?}").to_lowercase().contains("refused"),
            "{source:?}"
        );
        assert!(message.to_lowercase().contains("connect"), "{message}");
        assert!(!message.contains("127.0.0.1"), "no URL: {message}");
        assert!(err.is_retryable());
        // The request never left, so even verify retried: 3 attempts.
        let logs = captured.text();
        assert!(logs.contains("attempts=3"), "{logs}");
        assert_eq!(logs.matches("wawp: retrying").count(), 2, "{logs}");
    }
}

#[tokio::test]
async fn huge_durations_in_the_policy_never_panic_a_call() {
    let server = MockServer::start().await;
    Mock::given(path(SEND_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(sent_body()))
        .mount(&server)
        .await;
    let policy = RetryPolicy::default()
        .with_deadline(Duration::MAX)
        .with_base_delay(Duration::MAX)
        .with_max_delay(Duration::MAX);
    assert_eq!(policy.deadline(), wawp::retry::MAX_DEADLINE);
    let client = builder(&server, Transport::Post)
        .timeout(Duration::MAX)
        .connect_timeout(Duration::MAX)
        .retry(policy)
        .build()
        .unwrap();
    let sent = client.send_otp(&phone()).await.unwrap();
    assert_eq!(sent.job_id, "send_77_981");
}
