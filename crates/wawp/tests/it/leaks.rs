//! The access token, the code and the full phone number never show up in
//! an error's Display or Debug, nor in tracing output, on any path and with
//! either transport.

use std::time::Duration;

use crate::common::*;
use serde_json::json;
use wawp::{Error, client::Transport};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const CODE: &str = "482913";
const FULL_NUMBER: &str = "201234567890";

#[derive(Clone, Copy, Debug)]
enum Op {
    Send,
    Verify,
}

/// Each failure, with a server that repeats every secret it got back to
/// the client where it can. (On send the client knows no code; only a
/// verify can echo one.)
fn scenarios() -> Vec<(&'static str, Op, Option<ResponseTemplate>)> {
    let echo = format!("invalid token {TOKEN} for {FULL_NUMBER} with code {CODE}");
    let token_url = format!("https://evil.example/?access_token={TOKEN}");
    vec![
        (
            "401 text",
            Op::Send,
            Some(ResponseTemplate::new(401).set_body_string(echo.clone())),
        ),
        (
            "401 JSON echoing everything",
            Op::Verify,
            Some(ResponseTemplate::new(401).set_body_json(json!({ "message": echo }))),
        ),
        (
            "429 send",
            Op::Send,
            Some(ResponseTemplate::new(429).set_body_json(json!({ "message": echo }))),
        ),
        (
            "429 verify",
            Op::Verify,
            Some(
                ResponseTemplate::new(429)
                    .insert_header("Retry-After", "900")
                    .set_body_json(json!({ "error": echo })),
            ),
        ),
        (
            "400 wrong code",
            Op::Verify,
            Some(
                ResponseTemplate::new(400)
                    .set_body_json(json!({ "code": "invalid_code", "message": echo })),
            ),
        ),
        (
            "500 text",
            Op::Send,
            Some(ResponseTemplate::new(500).set_body_string(echo.clone())),
        ),
        (
            "502 HTML",
            Op::Send,
            Some(
                ResponseTemplate::new(502)
                    .set_body_raw(format!("<html><title>{echo}</title></html>"), "text/html"),
            ),
        ),
        (
            "200 unreadable",
            Op::Verify,
            Some(ResponseTemplate::new(200).set_body_string(echo.clone())),
        ),
        (
            "redirect to a URL with the token",
            Op::Send,
            Some(ResponseTemplate::new(307).insert_header("Location", token_url.as_str())),
        ),
        (
            "timeout",
            Op::Verify,
            Some(ResponseTemplate::new(200).set_delay(Duration::from_secs(2))),
        ),
        ("connection refused", Op::Send, None),
    ]
}

fn assert_clean(what: &str, text: &str) {
    assert_no_token_or_number(what, text);
    assert!(!text.contains(CODE), "{what} shows the code:\n{text}");
}

fn assert_no_token_or_number(what: &str, text: &str) {
    assert!(!text.contains(TOKEN), "{what} shows the token:\n{text}");
    assert!(
        !text.contains(FULL_NUMBER),
        "{what} shows the full number:\n{text}"
    );
}

async fn run(transport: Transport) {
    for (name, op, answer) in scenarios() {
        let (captured, guard) = capture_tracing();
        let server = MockServer::start().await;
        let base_url = match answer {
            Some(answer) => {
                Mock::given(path(match op {
                    Op::Send => SEND_PATH,
                    Op::Verify => VERIFY_PATH,
                }))
                .respond_with(answer)
                .mount(&server)
                .await;
                server.uri()
            }
            None => {
                let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                let port = listener.local_addr().unwrap().port();
                drop(listener);
                format!("http://127.0.0.1:{port}")
            }
        };
        let client = builder(&server, transport)
            .base_url(base_url)
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let got = match op {
            Op::Send => client
                .send_otp(&phone())
                .await
                .map(|sent| format!("{sent:?}")),
            Op::Verify => client
                .verify_otp(&phone(), &code(CODE))
                .await
                .map(|outcome| format!("{outcome:?}")),
        };
        drop(guard);
        let context = format!("{name} ({op:?}, {transport})");
        let check = match op {
            Op::Send => assert_no_token_or_number,
            Op::Verify => assert_clean,
        };
        let logs = captured.text();
        check(&format!("tracing of {context}"), &logs);
        let err: Error = match got {
            Ok(outcome) => {
                // Verify outcomes (wrong code, lockout) carry server text too.
                check(&format!("Debug of {context}"), &outcome);
                assert!(logs.contains("+20•••••7890"), "{context}: {logs}");
                continue;
            }
            Err(err) => err,
        };
        check(&format!("Display of {context}"), &err.to_string());
        check(&format!("Debug of {context}"), &format!("{err:?}"));
        check(
            &format!("alternate Debug of {context}"),
            &format!("{err:#?}"),
        );
        // The capture did see the call, so the checks above mean something.
        assert!(logs.contains("+20•••••7890"), "{context}: {logs}");
        assert!(
            logs.contains(&format!("error={}", err.kind())),
            "{context}: {logs}"
        );

        if transport == Transport::Query && name != "connection refused" {
            // The token really was in the URL the client used.
            let query = received(&server).await[0]
                .url
                .query()
                .unwrap_or("")
                .to_owned();
            assert!(query.contains(TOKEN), "{context}: {query}");
        }
    }
}

#[tokio::test]
async fn no_error_path_leaks_with_the_post_transport() {
    run(Transport::Post).await;
}

#[tokio::test]
async fn no_error_path_leaks_with_the_query_transport() {
    run(Transport::Query).await;
}

#[tokio::test]
async fn successes_do_not_leak() {
    for transport in [Transport::Post, Transport::Query] {
        let server = MockServer::start().await;
        Mock::given(path(SEND_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_json(sent_body()))
            .mount(&server)
            .await;
        let (captured, guard) = capture_tracing();
        let client = client(&server, transport);
        let sent = client
            .send_otp(&phone())
            .footer(footer("Acme"))
            .await
            .unwrap();
        drop(guard);
        let logs = captured.text();
        assert_clean("tracing", &logs);
        assert!(logs.contains("job_id=\"send_77_981\""), "{logs}");
        assert!(logs.contains("status=200"), "{logs}");
        assert_clean("SentOtp", &format!("{sent:?}"));
    }
}

#[tokio::test]
async fn debug_of_client_builder_and_requests_hides_the_token() {
    let server = MockServer::start().await;
    for transport in [Transport::Post, Transport::Query] {
        let builder = builder(&server, transport);
        assert_clean("ClientBuilder", &format!("{builder:?} {builder:#?}"));
        let client = builder.build().unwrap();
        assert_clean("Client", &format!("{client:?} {client:#?}"));
        assert!(format!("{client:?}").contains(INSTANCE));
        let phone = phone();
        let code = code(CODE);
        assert_clean("OtpCode", &format!("{code:?}"));
        assert_clean(
            "SendOtp",
            &format!("{:?}", client.send_otp(&phone).footer(footer("f"))),
        );
        assert_clean(
            "VerifyOtp",
            &format!("{:?}", client.verify_otp(&phone, &code)),
        );
    }
}
