//! Starting a sandbox for a test, calling it, and the conformance check
//! every answer goes through.

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use serde_json::Value;
use wawp_openapi::ResponseValue;
use wawp_openapi::types::{
    ErrorBody, SendOtpRequest, SendOtpResponse, VerifyOtpRequest, VerifyOtpResponse,
};
use wawp_sandbox::{ManualClock, Sandbox, SandboxBuilder};

pub const INSTANCE: &str = "test-instance";
pub const TOKEN: &str = "test-token-0123456789";
/// A chat id for tests that need only one.
pub const CHAT: &str = "201234567890";

/// A sandbox on 127.0.0.1 with known credentials and a manual clock.
pub async fn start() -> (Sandbox, ManualClock) {
    start_with(|b| b).await
}

/// Like [`start`], with more settings.
pub async fn start_with(
    configure: impl FnOnce(SandboxBuilder) -> SandboxBuilder,
) -> (Sandbox, ManualClock) {
    let clock = ManualClock::new();
    let builder = Sandbox::builder()
        .instance_id(INSTANCE)
        .access_token(TOKEN)
        .clock(clock.clone());
    let sandbox = configure(builder).start().await.expect("sandbox starts");
    (sandbox, clock)
}

/// The generated client; credentials travel in the body or query.
pub fn api(sandbox: &Sandbox) -> wawp_openapi::Client {
    wawp_openapi::Client::new(&sandbox.base_url(), Default::default())
}

/// The generated client sending `Authorization: <authorization>` on every call.
pub fn api_with_header(sandbox: &Sandbox, authorization: &str) -> wawp_openapi::Client {
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, HeaderValue::from_str(authorization).unwrap());
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    wawp_openapi::Client::new_with_client(&sandbox.base_url(), http, Default::default())
}

pub fn send_request(chat_id: &str) -> SendOtpRequest {
    SendOtpRequest::builder()
        .access_token(TOKEN.to_owned())
        .chat_id(chat_id)
        .instance_id(INSTANCE)
        .lang("en")
        .try_into()
        .expect("every required field is set")
}

pub fn verify_request(chat_id: &str, code: &str) -> VerifyOtpRequest {
    VerifyOtpRequest::builder()
        .access_token(TOKEN.to_owned())
        .chat_id(chat_id)
        .code(code)
        .instance_id(INSTANCE)
        .try_into()
        .expect("every required field is set")
}

/// POST send with credentials in the body.
pub async fn send(api: &wawp_openapi::Client, chat_id: &str) -> Answer {
    conform_api(
        Op::Send,
        api.send_otp().body(send_request(chat_id)).send().await,
    )
    .await
}

/// POST verify with credentials in the body.
pub async fn verify(api: &wawp_openapi::Client, chat_id: &str, code: &str) -> Answer {
    conform_api(
        Op::Verify,
        api.verify_otp()
            .body(verify_request(chat_id, code))
            .send()
            .await,
    )
    .await
}

/// A code other than `code`.
pub fn wrong(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

/// The operation an answer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Send,
    Verify,
}

/// What the spec declares for both operations: 200 (typed body), 401 and
/// 429 (`ErrorBody`).
pub const DECLARED: [u16; 3] = [200, 401, 429];
/// The sandbox's documented extra answers, all with an `ErrorBody`.
pub const EXTRAS: [u16; 5] = [400, 404, 405, 413, 415];

/// A checked answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<u64>,
    pub body: Body,
}

#[derive(Debug)]
pub enum Body {
    Sent(SendOtpResponse),
    Verified(VerifyOtpResponse),
    Error(ErrorBody),
}

impl From<SendOtpResponse> for Body {
    fn from(value: SendOtpResponse) -> Self {
        Body::Sent(value)
    }
}

impl From<VerifyOtpResponse> for Body {
    fn from(value: VerifyOtpResponse) -> Self {
        Body::Verified(value)
    }
}

impl Answer {
    /// The send answer of a 200.
    #[track_caller]
    pub fn sent(&self) -> &SendOtpResponse {
        match &self.body {
            Body::Sent(sent) if self.status == 200 => sent,
            _ => panic!("expected a successful send, got {self:?}"),
        }
    }

    /// The verify answer of a 200.
    #[track_caller]
    pub fn verified(&self) -> &VerifyOtpResponse {
        match &self.body {
            Body::Verified(verified) if self.status == 200 => verified,
            _ => panic!("expected a successful verify, got {self:?}"),
        }
    }

    /// Asserts an error answer with `status` and `code`; returns its message.
    #[track_caller]
    pub fn error(&self, status: u16, code: &str) -> &str {
        let Body::Error(error) = &self.body else {
            panic!("expected error {status} {code}, got {self:?}");
        };
        assert_eq!(
            (self.status, error.code.as_ref().and_then(Value::as_str)),
            (status, Some(code)),
            "{self:?}"
        );
        error.message.as_deref().unwrap_or_default()
    }
}

fn retry_after(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(RETRY_AFTER)?;
    Some(
        value
            .to_str()
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("Retry-After is not whole seconds: {value:?}")),
    )
}

/// The checks every error body gets: a string `code` and a non-empty
/// `message`, which is how the sandbox documents its errors.
#[track_caller]
fn check_error_body(status: u16, error: &ErrorBody) {
    assert!(
        matches!(&error.code, Some(Value::String(code)) if !code.is_empty()),
        "{status}: error code is not a string: {error:?}"
    );
    assert!(
        error.message.as_deref().is_some_and(|m| !m.is_empty()),
        "{status}: error without message: {error:?}"
    );
}

#[track_caller]
fn check_retry_after(status: u16, retry_after: Option<u64>) {
    if status == 429 {
        assert!(
            retry_after.is_some_and(|secs| secs >= 1),
            "429 without Retry-After ≥ 1: {retry_after:?}"
        );
    }
}

/// The conformance check for a raw HTTP answer. For `Some(op)`, the status
/// is declared by the spec for `op` and the body parses with the generated
/// type for that status, or it is one of [`EXTRAS`] with an `ErrorBody`. For
/// `None` (a path or method outside the spec) only [`EXTRAS`] are allowed.
/// Every answer is JSON; every 429 carries `Retry-After`.
pub async fn conform(op: Option<Op>, response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let retry_after = retry_after(response.headers());
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.bytes().await.expect("body");
    let text = String::from_utf8_lossy(&bytes);
    assert_eq!(content_type, "application/json", "{status}: {text}");
    let error = || -> ErrorBody {
        let error = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{status}: not an ErrorBody ({e}): {text}"));
        check_error_body(status, &error);
        error
    };
    let body = match (op, status) {
        (Some(Op::Send), 200) => Body::Sent(
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("200: not a SendOtpResponse ({e}): {text}")),
        ),
        (Some(Op::Verify), 200) => Body::Verified(
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("200: not a VerifyOtpResponse ({e}): {text}")),
        ),
        (Some(_), 401 | 429) => Body::Error(error()),
        (_, status) if EXTRAS.contains(&status) => Body::Error(error()),
        _ => panic!(
            "status {status} is neither declared by the spec for {op:?} nor a documented sandbox extra: {text}"
        ),
    };
    check_retry_after(status, retry_after);
    Answer {
        status,
        retry_after,
        body,
    }
}

/// The conformance check for a call through the generated client: a typed
/// 200, an `ErrorBody` for 401/429, or an undeclared status that
/// [`conform`] accepts as a sandbox extra. Anything else (a body the
/// generated types cannot read, a transport error) fails the test.
pub async fn conform_api<T: Into<Body>>(
    op: Op,
    result: Result<ResponseValue<T>, wawp_openapi::Error<ErrorBody>>,
) -> Answer {
    match result {
        Ok(value) => {
            let status = value.status().as_u16();
            assert_eq!(status, 200);
            Answer {
                status,
                retry_after: retry_after(value.headers()),
                body: value.into_inner().into(),
            }
        }
        Err(wawp_openapi::Error::ErrorResponse(value)) => {
            // `default` in the spec: the sandbox's extras arrive here too.
            let status = value.status().as_u16();
            assert!(
                DECLARED.contains(&status) || EXTRAS.contains(&status),
                "{status}"
            );
            let retry_after = retry_after(value.headers());
            check_retry_after(status, retry_after);
            let error = value.into_inner();
            check_error_body(status, &error);
            Answer {
                status,
                retry_after,
                body: Body::Error(error),
            }
        }
        Err(wawp_openapi::Error::UnexpectedResponse(response)) => {
            let answer = conform(Some(op), response).await;
            assert!(EXTRAS.contains(&answer.status), "{answer:?}");
            answer
        }
        Err(other) => panic!("{op:?}: answer does not conform to the spec: {other}"),
    }
}

/// `GET /_sandbox/messages[?chatId=…]` as JSON values.
pub async fn messages_endpoint(sandbox: &Sandbox, chat_id: Option<&str>) -> Vec<Value> {
    let mut request =
        reqwest::Client::new().get(format!("{}/_sandbox/messages", sandbox.base_url()));
    if let Some(chat_id) = chat_id {
        request = request.query(&[("chatId", chat_id)]);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}
