//! The body cap holds for every status, documented ones included: against a
//! server on 127.0.0.1 that sends 100 MB, or never stops sending, reading
//! stops at the cap and the call fails with the typed error.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wawp_openapi::types::SendOtpRequest;
use wawp_openapi::{BodyTooLarge, Client, Error, Settings, recorded};

const LIMIT: u64 = 64 * 1024;
const HUNDRED_MB: u64 = 100 * 1024 * 1024;
/// A server that is never stopped by its client gives up here, so that a
/// client that reads everything fails the test instead of eating the box.
const SERVER_GIVES_UP: u64 = 1024 * 1024 * 1024;
/// What the server may get written before the client stops reading: the cap
/// plus loopback socket buffers (a few MB) and hyper's read buffer; far
/// below the 100 MB (or endless) it tries to send.
const WRITTEN_BOUND: u64 = 32 * 1024 * 1024;

#[derive(Clone, Copy, Debug)]
enum Body {
    /// `Transfer-Encoding: chunked`, never ending.
    Endless,
    /// 100 MB, chunked: the length is not known in advance.
    ChunkedHundredMb,
    /// 100 MB with `Content-Length`: refused before reading.
    SizedHundredMb,
}

/// Serves one answer with `status` and `body`; returns its URL and the
/// count of body bytes it managed to write.
async fn serve(status: u16, body: Body) -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let written = Arc::new(AtomicU64::new(0));
    let count = written.clone();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => request.extend_from_slice(&buf[..n]),
            }
        }
        let (framing, total) = match body {
            Body::Endless => ("transfer-encoding: chunked".to_owned(), SERVER_GIVES_UP),
            Body::ChunkedHundredMb => ("transfer-encoding: chunked".to_owned(), HUNDRED_MB),
            Body::SizedHundredMb => (format!("content-length: {HUNDRED_MB}"), HUNDRED_MB),
        };
        let chunked = !matches!(body, Body::SizedHundredMb);
        let head =
            format!("HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{framing}\r\n\r\n");
        if socket.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = vec![b' '; 64 * 1024];
        while count.load(Ordering::Relaxed) < total {
            let sent = if chunked {
                let size = format!("{:x}\r\n", chunk.len());
                socket.write_all(size.as_bytes()).await.is_ok()
                    && socket.write_all(&chunk).await.is_ok()
                    && socket.write_all(b"\r\n").await.is_ok()
            } else {
                socket.write_all(&chunk).await.is_ok()
            };
            if !sent {
                return;
            }
            count.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        }
        if chunked {
            let _ = socket.write_all(b"0\r\n\r\n").await;
        }
    });
    (url, written)
}

async fn call_against(status: u16, body: Body) {
    let (url, written) = serve(status, body).await;
    let client = Client::new(&url, Settings::default().with_body_limit(LIMIT));
    let call = client.send_otp().body(
        SendOtpRequest::builder()
            .chat_id("201234567890")
            .instance_id("inst-1"),
    );

    let (result, record) = recorded(call.send()).await;

    let context = format!("status {status}, {body:?}");
    let err = match &result {
        Err(error @ Error::ResponseBodyError(e)) => {
            // Found from the generated call's error as from reqwest's.
            assert!(BodyTooLarge::find(error).is_some(), "{context}");
            e
        }
        other => {
            let got: String = format!("{other:?}").chars().take(300).collect();
            panic!("{context}: expected a body error, got {got}")
        }
    };
    let too_large =
        BodyTooLarge::find(err).unwrap_or_else(|| panic!("{context}: no BodyTooLarge in {err:?}"));
    assert_eq!(too_large.limit(), LIMIT, "{context}");
    match body {
        Body::SizedHundredMb => assert_eq!(too_large.declared_length(), Some(HUNDRED_MB)),
        _ => assert_eq!(too_large.declared_length(), None, "{context}"),
    }
    assert!(record.body_too_large(), "{context}");
    assert_eq!(record.status(), Some(StatusCode::from_u16(status).unwrap()));
    // The client stopped reading: the server could not write more than the
    // socket buffers hold.
    drop(client);
    let wrote = written.load(Ordering::Relaxed);
    assert!(
        wrote < WRITTEN_BOUND,
        "{context}: server wrote {wrote} bytes"
    );
    // The typed error says what happened without any URL.
    let text = too_large.to_string();
    assert!(text.contains(&LIMIT.to_string()), "{text}");
}

#[tokio::test]
async fn an_endless_chunked_body_stops_at_the_cap_on_200_401_and_429() {
    for status in [200, 401, 429] {
        call_against(status, Body::Endless).await;
    }
}

#[tokio::test]
async fn a_100_mb_chunked_body_stops_at_the_cap_on_200_401_and_429() {
    for status in [200, 401, 429] {
        call_against(status, Body::ChunkedHundredMb).await;
    }
}

#[tokio::test]
async fn a_100_mb_content_length_is_refused_before_reading_on_200_401_and_429() {
    for status in [200, 401, 429] {
        call_against(status, Body::SizedHundredMb).await;
    }
}

#[tokio::test]
async fn an_undocumented_status_is_capped_too() {
    call_against(500, Body::Endless).await;
}

#[tokio::test]
async fn a_body_just_under_the_cap_is_read_in_full() {
    let server = wiremock::MockServer::start().await;
    // A valid JSON answer padded with spaces to exactly the cap.
    let json = br#"{"code":"success","message":"ok","expires_in":300,"job_id":"j"}"#;
    let mut body = json.to_vec();
    body.resize(usize::try_from(LIMIT).unwrap(), b' ');
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let client = Client::new(&server.uri(), Settings::default().with_body_limit(LIMIT));

    let (result, record) = recorded(
        client
            .send_otp()
            .body_map(|b| b.chat_id("201234567890").instance_id("inst-1"))
            .send(),
    )
    .await;

    assert_eq!(result.unwrap().job_id, "j");
    assert!(!record.body_too_large());
}
