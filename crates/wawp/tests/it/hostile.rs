//! A hostile server behind the base URL and hostile settings: secrets stay
//! scrubbed, bodies stay bounded, proxies never see a loopback request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::common::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wawp::{Error, VerifyOutcome, client::Transport};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn send_answered(answer: ResponseTemplate) -> Result<wawp::SentOtp, Error> {
    let server = MockServer::start().await;
    Mock::given(path(SEND_PATH))
        .respond_with(answer)
        .mount(&server)
        .await;
    no_retry_client(&server, Transport::Post)
        .send_otp(&phone())
        .await
}

fn message(err: &Error) -> String {
    match err {
        Error::Unauthorized { message: Some(m) }
        | Error::Server {
            message: Some(m), ..
        }
        | Error::OutcomeUnknown {
            message: Some(m), ..
        }
        | Error::Rejected { message: m, .. } => m.clone(),
        other => panic!("no message in {other:?}"),
    }
}

#[tokio::test]
async fn a_token_straddling_the_cut_is_scrubbed_first() {
    // The token starts at character 190: a cut at 200 before scrubbing
    // would keep its first 10 characters.
    for pad in [185, 190, 195] {
        let body = format!("{} {TOKEN} rejected", "x".repeat(pad));
        let (captured, guard) = capture_tracing();
        let err = send_answered(ResponseTemplate::new(401).set_body_string(body))
            .await
            .unwrap_err();
        drop(guard);
        let text = format!("{err} {err:?} {}", captured.text());
        assert!(!text.contains(&TOKEN[..6]), "pad {pad}: {text}");
    }
}

#[tokio::test]
async fn encoded_and_split_tokens_are_scrubbed() {
    let encoded = TOKEN.replace('_', "%5F");
    let split = format!("{}<b></b>{}", &TOKEN[..10], &TOKEN[10..]);
    let answers = [
        ResponseTemplate::new(401).set_body_string(format!("bad access_token={encoded}")),
        ResponseTemplate::new(500).set_body_raw(
            format!("<html><title>bad {split}</title></html>"),
            "text/html",
        ),
    ];
    for answer in answers {
        let err = send_answered(answer).await.unwrap_err();
        let text = message(&err);
        assert!(!text.contains(&TOKEN[..10]), "{text}");
        assert!(!text.contains(&TOKEN[10..]), "{text}");
        assert!(!text.contains("%5F"), "{text}");
    }
}

#[tokio::test]
async fn numbers_written_with_separators_are_masked() {
    for written in ["+20 123 456 7890", "20-123-456-7890", "(+20)1234567890"] {
        let body = json!({ "message": format!("{written} is not on WhatsApp") });
        let err = send_answered(ResponseTemplate::new(400).set_body_json(body))
            .await
            .unwrap_err();
        assert_eq!(
            message(&err),
            "+20•••••7890 is not on WhatsApp",
            "{written}"
        );
    }
}

#[tokio::test]
async fn success_answers_are_scrubbed_too() {
    let body = json!({
        "code": "success",
        "message": format!("sent to +20 123 456 7890 with {TOKEN}"),
        "expires_in": 300,
        "job_id": "job_201234567890",
    });
    let (captured, guard) = capture_tracing();
    let sent = send_answered(ResponseTemplate::new(200).set_body_json(body))
        .await
        .unwrap();
    drop(guard);
    assert_eq!(sent.job_id, "job_+20•••••7890");
    assert_eq!(sent.message, "sent to +20•••••7890 with [redacted]");
    let logs = captured.text();
    assert!(logs.contains("job_id=\"job_+20•••••7890\""), "{logs}");
    assert!(
        !logs.contains("1234567890") && !logs.contains(TOKEN),
        "{logs}"
    );

    let server = MockServer::start().await;
    Mock::given(path(VERIFY_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"code": "success", "message": "482913 accepted for 201234567890"}),
        ))
        .mount(&server)
        .await;
    let outcome = client(&server, Transport::Post)
        .verify_otp(&phone(), &code("482913"))
        .await
        .unwrap();
    let VerifyOutcome::Verified(verified) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(
        verified.message.as_deref(),
        Some("[code] accepted for +20•••••7890")
    );
}

/// A server on 127.0.0.1 that answers every request with `head` and then
/// streams body bytes (chunked, or raw for a declared 100 MB) until the
/// client goes away; returns its URL and the count of body bytes written.
async fn streaming_server(head: String) -> (String, Arc<AtomicU64>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let written = Arc::new(AtomicU64::new(0));
    let counter = written.clone();
    let head: &'static str = head.leak();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 8192];
                let _ = socket.read(&mut request).await;
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let piece = "x".repeat(0x4000);
                let chunk = if head.contains("chunked") {
                    format!("4000\r\n{piece}\r\n")
                } else {
                    piece
                };
                let mut sent = 0u64;
                while sent < 100 * 1024 * 1024 && socket.write_all(chunk.as_bytes()).await.is_ok() {
                    sent += 0x4000;
                    counter.fetch_add(0x4000, Ordering::Relaxed);
                }
            });
        }
    });
    (url, written)
}

#[tokio::test]
async fn endless_and_oversized_bodies_stop_at_the_cap_whatever_the_status() {
    for status in [
        "200 OK",
        "401 Unauthorized",
        "429 Too Many Requests",
        "400 Bad Request",
    ] {
        let chunked = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
        );
        let declared = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: 104857600\r\n\r\n"
        );
        for head in [chunked, declared] {
            let (url, written) = streaming_server(head).await;
            let client = wawp::Client::builder()
                .instance_id(INSTANCE)
                .access_token(TOKEN)
                .base_url(url)
                .build()
                .unwrap();
            let err = client.send_otp(&phone()).await.unwrap_err();
            let code: u16 = status[..3].parse().unwrap();
            assert_eq!(err, Error::BodyTooLarge { status: code }, "{status}");
            assert!(err.to_string().contains("64 KiB"), "{err}");
            // Socket buffers absorb a few MB more than the cap; a full read
            // would take all 100 MB.
            let written = written.load(Ordering::Relaxed);
            assert!(
                written < 16 * 1024 * 1024,
                "{status}: {written} bytes written"
            );
        }
    }
}

/// In the child: a send to a loopback base URL with every proxy variable
/// pointing at a listener that counts connections.
#[tokio::test]
async fn loopback_never_uses_a_proxy_child() {
    if !is_child() {
        return;
    }
    let proxy = tokio::net::TcpListener::bind(std::env::var("PROXY_ADDR").unwrap())
        .await
        .unwrap();
    let hits = Arc::new(AtomicU64::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = proxy.accept().await {
            counter.fetch_add(1, Ordering::Relaxed);
            drop(socket);
        }
    });
    let server = MockServer::start().await;
    Mock::given(path(SEND_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(sent_body()))
        .mount(&server)
        .await;
    for transport in [Transport::Post, Transport::Query] {
        let result = client(&server, transport).send_otp(&phone()).await;
        assert!(result.is_ok(), "{result:?}");
    }
    assert_eq!(received(&server).await.len(), 2);
    assert_eq!(hits.load(Ordering::Relaxed), 0, "the proxy was used");
    println!("NO PROXY USED");
}

#[test]
fn loopback_never_uses_a_proxy() {
    if is_child() {
        return;
    }
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let proxy = format!("http://{addr}");
    let out = run_child(
        "hostile::loopback_never_uses_a_proxy_child",
        &[
            ("PROXY_ADDR", addr.as_str()),
            ("HTTP_PROXY", proxy.as_str()),
            ("http_proxy", proxy.as_str()),
            ("ALL_PROXY", proxy.as_str()),
            ("all_proxy", proxy.as_str()),
            ("NO_PROXY", ""),
            ("no_proxy", ""),
        ],
    );
    assert!(out.contains("NO PROXY USED"), "{out}");
}
