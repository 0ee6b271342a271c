//! The generated client against wiremock on 127.0.0.1: the exact requests it
//! sends, and what a caller learns from each kind of answer.

use serde_json::json;
use wawp_openapi::types::{SendOtpRequest, VerifyOtpRequest};
use wawp_openapi::{Client, Error, Settings, recorded};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

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

fn client(server: &MockServer) -> Client {
    Client::new(&server.uri(), Settings::default())
}

fn send_request() -> wawp_openapi::types::builder::SendOtpRequest {
    SendOtpRequest::builder()
        .chat_id("201234567890")
        .footer("Secured by Acme".to_owned())
        .instance_id("inst-1")
        .lang("ar")
}

fn verify_request(code: &str) -> wawp_openapi::types::builder::VerifyOtpRequest {
    VerifyOtpRequest::builder()
        .chat_id("201234567890")
        .code(code)
        .instance_id("inst-1")
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
    let client = client(&server);

    let (sent, record) = recorded(client.send_otp().body(send_request()).send()).await;
    let sent = sent.unwrap();

    assert_eq!(sent.status(), 200);
    assert_eq!(sent.job_id, "send_123_456");
    assert_eq!(sent.expires_in, 300.0);
    assert_eq!(sent.code, "success");
    assert_eq!(record.status(), Some(reqwest::StatusCode::OK));
    assert!(!record.body_too_large());
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
    let client = client(&server);

    let sent = client
        .send_otp_query()
        .access_token("tok-secret")
        .chat_id("201234567890")
        .instance_id("inst-1")
        .lang("fr")
        .send()
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
    let client = client(&server);

    let verified = client
        .verify_otp()
        .body(verify_request("123456").list_id(45))
        .send()
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
    let client = client(&server);

    let verified = client
        .verify_otp_query()
        .chat_id("201234567890")
        .code("654321")
        .instance_id("inst-1")
        .list_id(7)
        .send()
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
    let client = client(&server);

    match client.send_otp().body(send_request()).send().await {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status(), 401);
            assert_eq!(answer.message.as_deref(), Some("Invalid access_token"));
        }
        other => panic!("expected a typed 401, got {other:?}"),
    }
    match client
        .verify_otp()
        .body(verify_request("000000"))
        .send()
        .await
    {
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
async fn a_json_error_with_an_undocumented_status_is_a_typed_error_response() {
    // `default` in the spec: any other status with the shared error shape.
    let server = MockServer::start().await;
    Mock::given(path(SEND))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"message": "chatId is required"})),
        )
        .mount(&server)
        .await;
    let client = client(&server);

    match client.send_otp().body(send_request()).send().await {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status(), 400);
            assert_eq!(answer.message.as_deref(), Some("chatId is required"));
        }
        other => panic!("expected a typed 400, got {other:?}"),
    }
}

#[tokio::test]
async fn an_html_502_from_a_proxy_keeps_its_status_headers_and_body() {
    let server = MockServer::start().await;
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    Mock::given(path(SEND))
        .respond_with(ResponseTemplate::new(502).set_body_raw(page, "text/html"))
        .mount(&server)
        .await;
    let client = client(&server);

    let (result, record) = recorded(client.send_otp().body(send_request()).send()).await;
    match result {
        Err(Error::InvalidResponsePayload(body, _)) => assert_eq!(&body[..], page.as_bytes()),
        other => panic!("expected an unparseable payload, got {other:?}"),
    }
    assert_eq!(record.status(), Some(reqwest::StatusCode::BAD_GATEWAY));
    assert_eq!(record.headers()["content-type"], "text/html");
}

#[tokio::test]
async fn a_plain_text_401_does_not_panic_and_the_record_keeps_its_status() {
    let server = MockServer::start().await;
    Mock::given(path(SEND))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_raw("Unauthorized - Invalid access_token", "text/plain"),
        )
        .mount(&server)
        .await;
    let client = client(&server);

    let (result, record) = recorded(client.send_otp().body(send_request()).send()).await;
    match result {
        // progenitor cannot parse the body and does not say the status...
        Err(Error::InvalidResponsePayload(body, _)) => {
            assert_eq!(&body[..], b"Unauthorized - Invalid access_token");
        }
        other => panic!("expected an unparseable payload, got {other:?}"),
    }
    // ...but the hooks recorded it for this call.
    assert_eq!(record.status(), Some(reqwest::StatusCode::UNAUTHORIZED));
    assert_eq!(record.headers()["content-type"], "text/plain");
    assert!(!record.body_too_large());
}

#[tokio::test]
async fn a_refused_connection_records_no_answer() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::new(&url, Settings::default());

    let (result, record) = recorded(client.send_otp().body(send_request()).send()).await;

    let err = result.unwrap_err();
    assert!(matches!(err, Error::CommunicationError(_)), "{err:?}");
    assert_eq!(record.status(), None);
    assert!(record.headers().is_empty());
}

#[tokio::test]
async fn a_missing_required_field_is_an_invalid_request_not_a_panic() {
    let server = MockServer::start().await;
    let client = client(&server);

    let err = client
        .send_otp()
        .body_map(|body| body.instance_id("inst-1"))
        .send()
        .await
        .unwrap_err();

    match err {
        Error::InvalidRequest(message) => assert!(message.contains("chat_id"), "{message}"),
        other => panic!("expected an invalid request, got {other:?}"),
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
