//! The exact requests each transport sends, and how successful answers are
//! read.

use std::time::Duration;

use crate::common::*;
use serde_json::json;
use wawp::{Lang, client::Transport};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn send_server(verb: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path(SEND_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(sent_body()))
        .mount(&server)
        .await;
    server
}

async fn verify_server(verb: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path(VERIFY_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"code": "success", "message": "OTP verified"})),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn send_post_puts_fields_in_json_and_token_in_bearer_header() {
    let server = send_server("POST").await;
    let sent = client(&server, Transport::Post)
        .send_otp(&phone())
        .lang(Lang::Ar)
        .footer(footer("Secured by Acme"))
        .await
        .unwrap();
    assert_eq!(sent.job_id, "send_77_981");
    assert_eq!(sent.expires_in, Duration::from_secs(300));
    assert_eq!(sent.message, "Verification code sent successfully");
    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    insta::assert_json_snapshot!("send_post", request_snapshot(&requests[0]));
}

#[tokio::test]
async fn send_query_puts_everything_in_the_query_string() {
    let server = send_server("GET").await;
    let sent = client(&server, Transport::Query)
        .send_otp(&phone())
        .lang(Lang::Ar)
        .footer(footer("Secured by Acme"))
        .await
        .unwrap();
    assert_eq!(sent.job_id, "send_77_981");
    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    insta::assert_json_snapshot!("send_query", request_snapshot(&requests[0]));
}

#[tokio::test]
async fn verify_post_sends_the_trimmed_code_and_list_id() {
    let server = verify_server("POST").await;
    let verified = client(&server, Transport::Post)
        .verify_otp(&phone(), &code(" 123456\n"))
        .list_id(45)
        .await
        .unwrap();
    let wawp::VerifyOutcome::Verified(verified) = verified else {
        panic!("{verified:?}");
    };
    assert_eq!(verified.code.as_deref(), Some("success"));
    assert_eq!(verified.message.as_deref(), Some("OTP verified"));
    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    insta::assert_json_snapshot!("verify_post", request_snapshot(&requests[0]));
}

#[tokio::test]
async fn verify_query_puts_everything_in_the_query_string() {
    let server = verify_server("GET").await;
    client(&server, Transport::Query)
        .verify_otp(&phone(), &code("123456"))
        .await
        .unwrap();
    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    insta::assert_json_snapshot!("verify_query", request_snapshot(&requests[0]));
}

#[tokio::test]
async fn send_defaults_to_english_without_footer() {
    let server = send_server("POST").await;
    client(&server, Transport::Post)
        .send_otp(&phone())
        .await
        .unwrap();
    let body: serde_json::Value = received(&server).await[0].body_json().unwrap();
    assert_eq!(body["lang"], "en");
    assert!(body.get("footer").is_none(), "{body}");
    assert!(body.get("access_token").is_none(), "{body}");
}

#[tokio::test]
async fn undocumented_languages_are_sent_as_is() {
    let server = send_server("POST").await;
    client(&server, Transport::Post)
        .send_otp(&phone())
        .lang("sw".parse().unwrap())
        .await
        .unwrap();
    let body: serde_json::Value = received(&server).await[0].body_json().unwrap();
    assert_eq!(body["lang"], "sw");
}

#[tokio::test]
async fn a_base_url_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/proxy/wawp{SEND_PATH}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(sent_body()))
        .mount(&server)
        .await;
    builder(&server, Transport::Post)
        .base_url(format!("{}/proxy/wawp/", server.uri()))
        .build()
        .unwrap()
        .send_otp(&phone())
        .await
        .unwrap();
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn requests_carry_a_user_agent_with_the_crate_version() {
    let server = send_server("POST").await;
    client(&server, Transport::Post)
        .send_otp(&phone())
        .await
        .unwrap();
    let request = &received(&server).await[0];
    assert_eq!(
        request.headers["user-agent"],
        concat!("wawp-rs/", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn a_201_with_a_valid_body_is_still_success() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SEND_PATH))
        .respond_with(ResponseTemplate::new(201).set_body_json(sent_body()))
        .mount(&server)
        .await;
    let sent = client(&server, Transport::Post)
        .send_otp(&phone())
        .await
        .unwrap();
    assert_eq!(sent.job_id, "send_77_981");
}

#[tokio::test]
async fn verify_accepts_an_empty_json_object() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(VERIFY_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let verified = client(&server, Transport::Post)
        .verify_otp(&phone(), &code("123456"))
        .await
        .unwrap();
    assert_eq!(
        verified,
        wawp::VerifyOutcome::Verified(wawp::VerifiedOtp::default())
    );
}

#[cfg(feature = "raw")]
#[tokio::test]
async fn raw_client_shares_base_url_and_bearer_header() {
    let server = send_server("POST").await;
    let client = client(&server, Transport::Post);
    let raw = client.raw();
    let answer = raw
        .send_otp()
        .body_map(|body| body.chat_id("201234567890").instance_id(INSTANCE))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.job_id, "send_77_981");
    let request = &received(&server).await[0];
    assert_eq!(
        request.headers["authorization"],
        format!("Bearer {TOKEN}").as_str()
    );
}
