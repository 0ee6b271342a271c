//! Every kind of answer maps to the right error, with the server's message
//! and status kept.

use std::time::Duration;

use crate::common::*;
use serde_json::json;
use wawp::{Error, ErrorKind, VerifyOutcome, client::Transport};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const NGINX_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

#[derive(Clone, Copy, Debug)]
enum Op {
    Send,
    Verify,
}

/// A failed call: an error, or a verify outcome other than verified.
#[derive(Debug, PartialEq)]
enum Got {
    Err(Error),
    Outcome(VerifyOutcome),
}

use Got::Outcome;

/// Runs one call against a server that always answers `answer`; returns
/// what it gave and how many requests arrived.
async fn fail(op: Op, transport: Transport, answer: ResponseTemplate) -> (Got, usize) {
    let server = MockServer::start().await;
    let route = match op {
        Op::Send => SEND_PATH,
        Op::Verify => VERIFY_PATH,
    };
    Mock::given(path(route))
        .respond_with(answer)
        .mount(&server)
        .await;
    let client = no_retry_client(&server, transport);
    let got = match op {
        Op::Send => match client.send_otp(&phone()).await {
            Ok(sent) => panic!("the send should fail: {sent:?}"),
            Err(err) => Got::Err(err),
        },
        Op::Verify => match client.verify_otp(&phone(), &code("123456")).await {
            Ok(VerifyOutcome::Verified(v)) => panic!("the verify should fail: {v:?}"),
            Ok(outcome) => Outcome(outcome),
            Err(err) => Got::Err(err),
        },
    };
    (got, received(&server).await.len())
}

/// The error of a call that must fail with one.
async fn fail_err(op: Op, transport: Transport, answer: ResponseTemplate) -> Error {
    match fail(op, transport, answer).await.0 {
        Got::Err(err) => err,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn cases() -> Vec<(&'static str, Op, ResponseTemplate, Got)> {
    let json =
        |status: u16, body: serde_json::Value| ResponseTemplate::new(status).set_body_json(body);
    let text = |status: u16, body: &str| ResponseTemplate::new(status).set_body_string(body);
    vec![
        (
            "401 text/plain on send",
            Op::Send,
            text(401, "Invalid access_token\n"),
            Got::Err(Error::Unauthorized {
                message: Some("Invalid access_token".into()),
            }),
        ),
        (
            "401 JSON on verify",
            Op::Verify,
            json(401, json!({"message": "Unauthorized: bad token"})),
            Got::Err(Error::Unauthorized {
                message: Some("Unauthorized: bad token".into()),
            }),
        ),
        (
            "401 empty",
            Op::Send,
            ResponseTemplate::new(401),
            Got::Err(Error::Unauthorized { message: None }),
        ),
        (
            "429 JSON with Retry-After on send",
            Op::Send,
            json(429, json!({"message": "Rate limit exceeded"})).insert_header("Retry-After", "42"),
            Got::Err(Error::SendCooldown {
                retry_after: Duration::from_secs(42),
            }),
        ),
        (
            "429 JSON without Retry-After on send",
            Op::Send,
            json(429, json!({"message": "Rate limit exceeded"})),
            Got::Err(Error::SendCooldown {
                retry_after: Duration::from_secs(60),
            }),
        ),
        (
            "429 text/plain with Retry-After on send",
            Op::Send,
            text(429, "slow down").insert_header("Retry-After", "7"),
            Got::Err(Error::SendCooldown {
                retry_after: Duration::from_secs(7),
            }),
        ),
        (
            "429 JSON with Retry-After on verify",
            Op::Verify,
            json(429, json!({"message": "Too many attempts"})).insert_header("Retry-After", "900"),
            Outcome(VerifyOutcome::LockedOut {
                retry_after: Some(Duration::from_secs(900)),
                message: Some("Too many attempts".into()),
            }),
        ),
        (
            "429 JSON without Retry-After on verify",
            Op::Verify,
            json(429, json!({"error": "locked"})),
            Outcome(VerifyOutcome::LockedOut {
                retry_after: None,
                message: Some("locked".into()),
            }),
        ),
        (
            "400 wrong code on verify",
            Op::Verify,
            json(
                400,
                json!({"code": "invalid_code", "message": "The code is incorrect: 4 attempts left"}),
            ),
            Outcome(VerifyOutcome::WrongCode {
                attempts_left: Some(4),
                message: Some("The code is incorrect: 4 attempts left".into()),
            }),
        ),
        (
            "400 text on send",
            Op::Send,
            text(400, "  chatId is not a WhatsApp number  "),
            Got::Err(Error::Rejected {
                status: 400,
                message: "chatId is not a WhatsApp number".into(),
            }),
        ),
        (
            "404 empty",
            Op::Send,
            ResponseTemplate::new(404),
            Got::Err(Error::Rejected {
                status: 404,
                message: "Not Found".into(),
            }),
        ),
        (
            "302 redirect is not followed",
            Op::Send,
            ResponseTemplate::new(302).insert_header("Location", "https://example.com/elsewhere"),
            Got::Err(Error::Rejected {
                status: 302,
                message: "unexpected redirect (redirects are not followed); check the base URL"
                    .into(),
            }),
        ),
        (
            "500 JSON",
            Op::Send,
            json(500, json!({"error": "internal failure"})),
            Got::Err(Error::Server {
                status: 500,
                message: Some("internal failure".into()),
            }),
        ),
        (
            "502 HTML from a proxy",
            Op::Send,
            ResponseTemplate::new(502).set_body_raw(NGINX_502, "text/html"),
            Got::Err(Error::OutcomeUnknown {
                status: 502,
                message: Some("502 Bad Gateway".into()),
                cause: None,
            }),
        ),
        (
            "504 on send: a code may have gone out",
            Op::Send,
            ResponseTemplate::new(504),
            Got::Err(Error::OutcomeUnknown {
                status: 504,
                message: None,
                cause: None,
            }),
        ),
        (
            "502 on verify: no code is sent by a verify",
            Op::Verify,
            ResponseTemplate::new(502),
            Got::Err(Error::Server {
                status: 502,
                message: None,
            }),
        ),
        (
            "429 with Retry-After 0 on send",
            Op::Send,
            ResponseTemplate::new(429).insert_header("Retry-After", "0"),
            Got::Err(Error::SendCooldown {
                retry_after: Duration::from_secs(1),
            }),
        ),
        (
            "429 with a huge Retry-After on send",
            Op::Send,
            ResponseTemplate::new(429).insert_header("Retry-After", "18446744073709551615"),
            Got::Err(Error::SendCooldown {
                retry_after: Duration::from_secs(3600),
            }),
        ),
        (
            "429 with a past date on send",
            Op::Send,
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),
            Got::Err(Error::SendCooldown {
                retry_after: Duration::from_secs(1),
            }),
        ),
        (
            "429 with a huge Retry-After on verify",
            Op::Verify,
            ResponseTemplate::new(429).insert_header("Retry-After", "99999999999"),
            Outcome(VerifyOutcome::LockedOut {
                retry_after: Some(Duration::from_secs(3600)),
                message: None,
            }),
        ),
        (
            "503 empty on verify",
            Op::Verify,
            ResponseTemplate::new(503),
            Got::Err(Error::Server {
                status: 503,
                message: None,
            }),
        ),
        (
            "200 HTML on send",
            Op::Send,
            ResponseTemplate::new(200).set_body_raw(
                "<html><body>Welcome to the captive portal</body></html>",
                "text/html",
            ),
            Got::Err(Error::UnparseableBody {
                status: 200,
                cause: None,
            }),
        ),
        (
            "200 HTML on verify is not a success",
            Op::Verify,
            ResponseTemplate::new(200).set_body_raw("<html><body>OK</body></html>", "text/html"),
            Got::Err(Error::UnparseableBody {
                status: 200,
                cause: None,
            }),
        ),
        (
            "200 JSON without job_id",
            Op::Send,
            json(
                200,
                json!({"code": "success", "message": "ok", "expires_in": 300}),
            ),
            Got::Err(Error::UnparseableBody {
                status: 200,
                cause: None,
            }),
        ),
        (
            "200 negative expires_in",
            Op::Send,
            json(
                200,
                json!({"code": "success", "message": "ok", "expires_in": -5, "job_id": "j"}),
            ),
            Got::Err(Error::UnparseableBody {
                status: 200,
                cause: None,
            }),
        ),
        (
            "204 on verify is not a success",
            Op::Verify,
            ResponseTemplate::new(204),
            Got::Err(Error::UnparseableBody {
                status: 204,
                cause: None,
            }),
        ),
    ]
}

#[tokio::test]
async fn every_answer_maps_to_its_error_in_both_transports() {
    let mut messages = Vec::new();
    for transport in [Transport::Post, Transport::Query] {
        for (name, op, answer, expected) in cases() {
            let (got, requests) = fail(op, transport, answer).await;
            let comparable = match &got {
                Got::Err(err) => Got::Err(without_cause(err.clone())),
                Outcome(outcome) => Outcome(outcome.clone()),
            };
            assert_eq!(comparable, expected, "{name} ({transport})");
            assert_eq!(requests, 1, "{name} ({transport}): redirects and retries");
            if transport == Transport::Post {
                messages.push(match got {
                    Got::Err(err) => json!({
                        "case": name,
                        "kind": err.kind().as_str(),
                        "status": err.status(),
                        "retry_after_secs": err.retry_after().map(|d| d.as_secs()),
                        "display": err.to_string(),
                        "source": std::error::Error::source(&err).map(|s| s.to_string()),
                    }),
                    Outcome(outcome) => json!({
                        "case": name,
                        "outcome": outcome.as_str(),
                        "debug": format!("{outcome:?}"),
                    }),
                });
            }
        }
    }
    insta::assert_json_snapshot!("error_messages", messages);
}

#[tokio::test]
async fn long_bodies_are_cut_to_a_short_single_line() {
    let body = format!("first line\nsecond line {}", "x".repeat(1000));
    let err = fail_err(
        Op::Send,
        Transport::Post,
        ResponseTemplate::new(400).set_body_string(body),
    )
    .await;
    let Error::Rejected {
        status: 400,
        message,
    } = err
    else {
        panic!("{err:?}");
    };
    assert!(
        message.starts_with("first line second line xxx"),
        "{message}"
    );
    assert!(message.chars().count() <= 201, "{}", message.len());
    assert!(message.ends_with('…'));
}

#[tokio::test]
async fn server_text_never_repeats_the_code_or_the_full_number() {
    let (got, _) = fail(
        Op::Verify,
        Transport::Post,
        ResponseTemplate::new(400)
            .set_body_json(json!({"message": "code 123456 is wrong for 201234567890"})),
    )
    .await;
    assert_eq!(
        got,
        Outcome(VerifyOutcome::WrongCode {
            attempts_left: None,
            message: Some("code [code] is wrong for +20•••••7890".into())
        })
    );
}

#[tokio::test]
async fn expired_and_unknown_verify_answers_are_typed() {
    let answer = |code: &str| {
        ResponseTemplate::new(400).set_body_json(json!({"code": code, "message": "nope"}))
    };
    for code in ["code_expired", "no_active_code"] {
        let (got, _) = fail(Op::Verify, Transport::Post, answer(code)).await;
        assert_eq!(
            got,
            Outcome(VerifyOutcome::NoActiveCode {
                message: Some("nope".into())
            }),
            "{code}"
        );
    }
    let (got, _) = fail(Op::Verify, Transport::Query, answer("invalid_chat_id")).await;
    assert_eq!(
        got,
        Outcome(VerifyOutcome::Other {
            status: 400,
            message: Some("nope".into())
        })
    );
}

#[tokio::test]
async fn error_kinds_match_variants() {
    let err = fail_err(Op::Send, Transport::Post, ResponseTemplate::new(429)).await;
    assert_eq!(err.kind(), ErrorKind::SendCooldown);
    assert!(err.is_retryable());
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
}
