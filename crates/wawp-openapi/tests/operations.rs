//! The generated client against wiremock on 127.0.0.1: the exact requests it
//! sends, and what a caller learns from each kind of answer.

use std::sync::{Arc, OnceLock};

use serde_json::json;
use wawp_openapi::types::{SendOtpRequest, VerifyOtpRequest};
use wawp_openapi::{Client, Error};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

type Slot = Arc<OnceLock<(reqwest::StatusCode, reqwest::header::HeaderMap)>>;

const SEND: &str = "/v2/auth/otp/send";
const VERIFY: &str = "/v2/auth/otp/verify";

fn sent_body() -> serde_json::Value {
    json!({
        "code": "success",
        "message": "Verification code sent successfully",
        "expires_in": 300,
        "job_id": "send_123_456"
    })
}

async fn client(server: &MockServer) -> (Client, Slot) {
    let slot = Slot::default();
    (Client::new(&server.uri(), slot.clone()), slot)
}

fn send_request() -> SendOtpRequest {
    SendOtpRequest {
        access_token: None,
        chat_id: "201234567890".into(),
        footer: Some("Secured by Acme".into()),
        instance_id: "inst-1".into(),
        lang: "ar".into(),
    }
}

#[tokio::test]
async fn send_otp_posts_the_json_body_and_parses_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SEND))
        .and(header("content-type", "application/json"))
        .and(header("api-version", "2"))
        .and(body_json(json!({
            "chatId": "201234567890",
            "footer": "Secured by Acme",
            "instance_id": "inst-1",
            "lang": "ar"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(sent_body()))
        .expect(1)
        .mount(&server)
        .await;
    let (client, slot) = client(&server).await;

    let sent = client.send_otp(&send_request()).await.unwrap();

    assert_eq!(sent.status(), 200);
    assert_eq!(sent.job_id, "send_123_456");
    assert_eq!(sent.expires_in, 300.0);
    assert_eq!(sent.code, "success");
    assert_eq!(slot.get().unwrap().0, 200);
}

#[tokio::test]
async fn send_otp_query_puts_every_field_in_the_query_string() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SEND))
        .and(query_param("instance_id", "inst-1"))
        .and(query_param("access_token", "tok-secret"))
        .and(query_param("chatId", "201234567890"))
        .and(query_param("lang", "fr"))
        .and(query_param_is_missing("footer"))
        .and(header("api-version", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sent_body()))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server).await;

    let sent = client
        .send_otp_query(
            Some("tok-secret"),
            "201234567890",
            None,
            "inst-1",
            Some("fr"),
        )
        .await
        .unwrap();

    assert_eq!(sent.message, "Verification code sent successfully");
}

#[tokio::test]
async fn verify_otp_posts_code_and_list_id_and_tolerates_any_json_object() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(VERIFY))
        .and(body_json(json!({
            "chatId": "201234567890",
            "code": "123456",
            "instance_id": "inst-1",
            "list_id": 45
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": "success",
            "message": "OTP verified",
            "verified_at": "2026-11-26T10:00:00Z",
            "contact": {"list_id": 45}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server).await;

    let verified = client
        .verify_otp(&VerifyOtpRequest {
            access_token: None,
            chat_id: "201234567890".into(),
            code: "123456".into(),
            instance_id: "inst-1".into(),
            list_id: Some(45),
        })
        .await
        .unwrap();

    assert_eq!(verified.code.as_deref(), Some("success"));
    assert_eq!(verified.message.as_deref(), Some("OTP verified"));
}

#[tokio::test]
async fn verify_otp_query_sends_code_and_list_id_in_the_query_string() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(VERIFY))
        .and(query_param("instance_id", "inst-1"))
        .and(query_param("chatId", "201234567890"))
        .and(query_param("code", "654321"))
        .and(query_param("list_id", "7"))
        .and(query_param_is_missing("access_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server).await;

    let verified = client
        .verify_otp_query(None, "201234567890", "654321", "inst-1", Some(7))
        .await
        .unwrap();

    assert_eq!(verified.code, None);
}

#[tokio::test]
async fn json_401_and_429_arrive_as_typed_error_responses_with_their_status() {
    let server = MockServer::start().await;
    Mock::given(path(SEND))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "Invalid access_token"})),
        )
        .mount(&server)
        .await;
    Mock::given(path(VERIFY))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "900")
                .set_body_json(json!({"code": 429, "error": "Too many attempts", "extra": true})),
        )
        .mount(&server)
        .await;
    let (client, _) = client(&server).await;

    match client.send_otp(&send_request()).await {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status(), 401);
            assert_eq!(answer.message.as_deref(), Some("Invalid access_token"));
        }
        other => panic!("expected a typed 401, got {other:?}"),
    }
    let verify = VerifyOtpRequest {
        access_token: None,
        chat_id: "201234567890".into(),
        code: "000000".into(),
        instance_id: "inst-1".into(),
        list_id: None,
    };
    match client.verify_otp(&verify).await {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status(), 429);
            assert_eq!(answer.headers()["retry-after"], "900");
            assert_eq!(answer.code, Some(json!(429)));
            assert_eq!(answer.error.as_deref(), Some("Too many attempts"));
        }
        other => panic!("expected a typed 429, got {other:?}"),
    }
}

#[tokio::test]
async fn an_html_502_from_a_proxy_keeps_its_status_and_body() {
    let server = MockServer::start().await;
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    Mock::given(path(SEND))
        .respond_with(ResponseTemplate::new(502).set_body_raw(page, "text/html"))
        .mount(&server)
        .await;
    let (client, _) = client(&server).await;

    match client.send_otp(&send_request()).await {
        Err(Error::UnexpectedResponse(response)) => {
            assert_eq!(response.status(), 502);
            assert_eq!(response.headers()["content-type"], "text/html");
            assert_eq!(response.text().await.unwrap(), page);
        }
        other => panic!("expected an unexpected response, got {other:?}"),
    }
}

#[tokio::test]
async fn a_plain_text_401_does_not_panic_and_the_hook_keeps_its_status() {
    let server = MockServer::start().await;
    Mock::given(path(SEND))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_raw("Unauthorized - Invalid access_token", "text/plain"),
        )
        .mount(&server)
        .await;
    let (client, slot) = client(&server).await;

    match client.send_otp(&send_request()).await {
        // progenitor cannot parse the body and does not say the status...
        Err(Error::InvalidResponsePayload(body, _)) => {
            assert_eq!(&body[..], b"Unauthorized - Invalid access_token");
        }
        other => panic!("expected an unparseable payload, got {other:?}"),
    }
    // ...but the post hook recorded it in the client's slot.
    let (status, headers) = slot.get().expect("the post hook ran");
    assert_eq!(*status, 401);
    assert_eq!(headers["content-type"], "text/plain");
}

#[tokio::test]
async fn a_refused_connection_leaves_the_slot_empty() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let slot = Slot::default();
    let client = Client::new(&url, slot.clone());

    let err = client.send_otp(&send_request()).await.unwrap_err();

    assert!(matches!(err, Error::CommunicationError(_)), "{err:?}");
    assert!(slot.get().is_none());
}
