//! Every error with a cause keeps it as `source()`: the network library's
//! error without its URL, or where a body's JSON stopped making sense,
//! never the body's text; no link of the chain repeats a secret. (A
//! refused connection's cause: `retries::a_refused_connection_is_retried_then_reported`.)

use std::error::Error as _;
use std::time::Duration;

use crate::common::*;
use serde_json::json;
use wawp::{Error, ErrorKind, RetryPolicy, client::Transport};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The `source()` chain's texts, one per link; panics when there is none.
fn source_chain(err: &Error) -> Vec<String> {
    let mut texts = Vec::new();
    let mut source = err.source();
    while let Some(cause) = source {
        texts.push(cause.to_string());
        source = cause.source();
    }
    assert!(!texts.is_empty(), "{:?} has no source()", err.kind());
    texts
}

fn assert_no_secret(texts: &[String]) {
    for text in texts {
        for secret in [TOKEN, "1234567890", "access_token", INSTANCE] {
            assert!(!text.contains(secret), "{secret} in {text:?}");
        }
    }
}

#[tokio::test]
async fn a_timeout_keeps_its_cause_on_verify_and_on_send() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let client = builder(&server, Transport::Query)
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client
        .verify_otp(&phone(), &code("123456"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { cause: Some(_) }), "{err:?}");
    assert_no_secret(&source_chain(&err));
    let err = client.send_otp(&phone()).await.unwrap_err();
    assert!(
        matches!(err, Error::OutcomeUnknown { cause: Some(_), .. }),
        "{err:?}"
    );
    assert_no_secret(&source_chain(&err));
}

#[tokio::test]
async fn an_unreadable_body_says_where_never_what() {
    let server = MockServer::start().await;
    // A 200 whose fields have the wrong types and echo the secrets: serde's
    // own message would quote them.
    let echo = json!({
        "code": "success", "message": TOKEN, "job_id": 7,
        "expires_in": "+201234567890",
    });
    Mock::given(path(SEND_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(echo))
        .mount(&server)
        .await;
    Mock::given(path(VERIFY_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>OK"))
        .mount(&server)
        .await;
    let client = no_retry_client(&server, Transport::Post);
    let err = client.send_otp(&phone()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnparseableBody);
    let chain = source_chain(&err);
    assert!(
        chain[0].starts_with("JSON of another shape at line 1"),
        "{chain:?}"
    );
    assert_no_secret(&chain);
    let err = client
        .verify_otp(&phone(), &code("123456"))
        .await
        .unwrap_err();
    assert_eq!(source_chain(&err), ["not JSON at line 1 column 1"]);
}
