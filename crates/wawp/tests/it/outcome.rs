//! "Outcome unknown" whenever a send may have reached Wawp: hostile
//! servers on 127.0.0.1 that break the answer after the request was
//! written. None of these is retried or reported as retryable.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wawp::{Client, Error, RetryPolicy, client::Transport};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Reads one whole HTTP/1.1 request (head and `Content-Length` body).
async fn read_request(socket: &mut TcpStream) -> Vec<u8> {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                return request;
            }
        }
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return request,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
}

/// A server that reads each whole request, counts it, writes `answer` (if
/// any) and then drops the connection; returns its URL and the count.
async fn breaking_server(answer: &'static str, reset: bool) -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicU64::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            read_request(&mut socket).await;
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = socket.write_all(answer.as_bytes()).await;
            if reset {
                // Linger 0: the close is a TCP reset.
                let _ = socket.set_zero_linger();
            }
            drop(socket);
        }
    });
    (url, count)
}

fn client_for(url: &str, retry: RetryPolicy) -> Client {
    Client::builder()
        .instance_id(INSTANCE)
        .access_token(TOKEN)
        .base_url(url)
        .retry(retry)
        .build()
        .unwrap()
}

/// `OutcomeUnknown` with `status`; a broken connection keeps its cause.
fn assert_unknown(err: &Error, status: u16) {
    let Error::OutcomeUnknown {
        status: got,
        message: None,
        cause,
    } = err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*got, status, "{err:?}");
    if cause.is_some() {
        assert!(std::error::Error::source(err).is_some());
    }
    assert!(!err.is_retryable(), "{err:?}");
    assert!(
        err.to_string().contains("a code may have been sent"),
        "{err}"
    );
}

#[tokio::test]
async fn a_success_whose_body_is_cut_short_is_outcome_unknown() {
    // 200 is read by the generated code; 201 (not in the spec) by this crate.
    for (head, status) in [
        ("HTTP/1.1 200 OK\r\ncontent-type: application/json", 200),
        ("HTTP/1.1 201 Created\r\ncontent-type: text/plain", 201),
    ] {
        let answer = format!("{head}\r\ncontent-length: 200\r\n\r\n{{\"code\":\"succ");
        let (url, count) = breaking_server(answer.leak(), false).await;
        let err = client_for(&url, fast_retry())
            .send_otp(&phone())
            .await
            .unwrap_err();
        assert_unknown(&err, status);
        assert!(err.to_string().contains("cut short"), "{err}");
        assert_eq!(count.load(Ordering::SeqCst), 1, "{status}");
    }
}

#[tokio::test]
async fn a_reset_after_the_request_was_written_is_outcome_unknown() {
    for reset in [true, false] {
        let (url, count) = breaking_server("", reset).await;
        let err = client_for(&url, fast_retry())
            .send_otp(&phone())
            .await
            .unwrap_err();
        assert_unknown(&err, 0);
        assert_eq!(err.status(), None);
        // The broken connection is kept as the source, without the URL.
        let source = std::error::Error::source(&err).expect("a source");
        assert!(
            !format!("{source} {source:?}").contains("/v2/"),
            "{source:?}"
        );
        assert_eq!(count.load(Ordering::SeqCst), 1, "reset {reset}");
    }
}

#[tokio::test]
async fn a_gateway_error_with_a_body_over_the_cap_is_outcome_unknown() {
    for status in [502, 503, 504] {
        let server = MockServer::start().await;
        Mock::given(path(SEND_PATH))
            .respond_with(ResponseTemplate::new(status).set_body_string("x".repeat(70 * 1024)))
            .mount(&server)
            .await;
        let err = client(&server, Transport::Post)
            .send_otp(&phone())
            .await
            .unwrap_err();
        assert_unknown(&err, status);
        assert_eq!(received(&server).await.len(), 1, "{status}");
    }
}

/// A gateway on 127.0.0.1 that forwards each request to `upstream`, waits
/// for its answer, throws it away and answers 503 itself.
async fn forwarding_gateway(upstream: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = upstream.trim_start_matches("http://").to_owned();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let request = read_request(&mut socket).await;
                let mut forward = TcpStream::connect(&upstream).await.unwrap();
                forward.write_all(&request).await.unwrap();
                let mut answer = [0u8; 1024];
                let _ = forward.read(&mut answer).await;
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    )
                    .await;
            });
        }
    });
    url
}

#[tokio::test]
async fn a_gateway_that_forwards_then_answers_503_causes_exactly_one_send() {
    let upstream = MockServer::start().await;
    Mock::given(path(SEND_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(sent_body()))
        .mount(&upstream)
        .await;
    let gateway = forwarding_gateway(upstream.uri()).await;
    let err = client_for(&gateway, fast_retry())
        .send_otp(&phone())
        .await
        .unwrap_err();
    assert_unknown(&err, 503);
    assert_eq!(received(&upstream).await.len(), 1, "one code, one send");

    // The documented hazard of the opt-in: the gateway's 503 is retried and
    // the upstream gets a second send.
    let opted_in = fast_retry()
        .with_max_attempts(2)
        .with_retry_send_on_unavailable(true);
    let err = client_for(&gateway, opted_in)
        .send_otp(&phone())
        .await
        .unwrap_err();
    assert_unknown(&err, 503);
    assert_eq!(received(&upstream).await.len(), 3);
}

/// Nothing was written: the send is a plain `Connection` error, retryable
/// (the retry itself is `retry::tests` and `retries::a_refused_connection…`).
#[tokio::test]
async fn a_connection_that_never_opened_is_not_outcome_unknown() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = client_for(&url, fast_retry())
        .send_otp(&phone())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(std::error::Error::source(&err).is_some(), "{err:?}");
}
