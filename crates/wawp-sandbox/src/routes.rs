//! The HTTP surface: the spec's four operations plus the sandbox's own
//! `/_sandbox/messages` and `/_sandbox/health`, with JSON answers for
//! everything, including unknown paths, wrong methods and unreadable bodies.

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::auth::authorize;
use crate::error::{ApiError, ErrorCode, json};
pub use crate::extract::MAX_BODY_BYTES;
use crate::extract::{JsonBody, QueryFields};
use crate::footer;
use crate::inspect::{health, messages};
use crate::rules::{
    CODE_LIFETIME, LOCKOUT, MAX_WRONG_ATTEMPTS, SEND_COOLDOWN, SendOutcome, VerifyOutcome,
};
use crate::state::SandboxState;
use crate::validate;

/// Path of the send operation.
pub const SEND_PATH: &str = "/v2/auth/otp/send";
/// Path of the verify operation.
pub const VERIFY_PATH: &str = "/v2/auth/otp/verify";
/// Path of the message log: `GET /_sandbox/messages[?chatId=…][&limit=…]`,
/// no credentials needed (a loopback test tool, not part of the API).
pub const MESSAGES_PATH: &str = "/_sandbox/messages";
/// Path of the health check: `GET /_sandbox/health`.
pub const HEALTH_PATH: &str = "/_sandbox/health";

/// The sandbox as an axum [`Router`], to serve or embed as you like.
///
/// ```
/// let state = wawp_sandbox::Sandbox::builder().build_state().unwrap();
/// let app: axum::Router = wawp_sandbox::router(state);
/// # drop(app);
/// ```
pub fn router(state: SandboxState) -> Router {
    Router::new()
        .route(
            SEND_PATH,
            get(send_query).post(send_json).head(head_not_allowed),
        )
        .route(
            VERIFY_PATH,
            get(verify_query).post(verify_json).head(head_not_allowed),
        )
        .route(MESSAGES_PATH, get(messages))
        .route(HEALTH_PATH, get(health))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// The fields of a send, from the body or the query. Everything is optional
/// here so credentials are checked (401) before required fields (400).
#[derive(Deserialize)]
struct SendFields {
    instance_id: Option<String>,
    access_token: Option<String>,
    #[serde(rename = "chatId")]
    chat_id: Option<String>,
    lang: Option<String>,
    footer: Option<String>,
}

/// The fields of a verify; `list_id` is checked for type and otherwise
/// ignored (the sandbox has no contact lists).
#[derive(Deserialize)]
struct VerifyFields {
    instance_id: Option<String>,
    access_token: Option<String>,
    #[serde(rename = "chatId")]
    chat_id: Option<String>,
    code: Option<String>,
    #[serde(rename = "list_id")]
    _list_id: Option<i64>,
}

#[derive(Serialize)]
struct Sent<'a> {
    code: &'static str,
    message: &'static str,
    expires_in: u64,
    job_id: &'a str,
}

#[derive(Serialize)]
struct Verified {
    code: &'static str,
    message: &'static str,
}

async fn send_json(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    JsonBody(fields): JsonBody<SendFields>,
) -> Result<Response, ApiError> {
    send(&state, &headers, fields)
}

async fn send_query(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    QueryFields(fields): QueryFields<SendFields>,
) -> Result<Response, ApiError> {
    send(&state, &headers, fields)
}

async fn verify_json(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    JsonBody(fields): JsonBody<VerifyFields>,
) -> Result<Response, ApiError> {
    verify(&state, &headers, fields)
}

async fn verify_query(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    QueryFields(fields): QueryFields<VerifyFields>,
) -> Result<Response, ApiError> {
    verify(&state, &headers, fields)
}

fn send(
    state: &SandboxState,
    headers: &HeaderMap,
    fields: SendFields,
) -> Result<Response, ApiError> {
    authorize(
        state.credentials(),
        headers.get(header::AUTHORIZATION),
        fields.instance_id.as_deref(),
        fields.access_token.as_deref(),
    )?;
    let chat_id = validate::chat_id(required(fields.chat_id.as_deref(), "chatId")?)?;
    let lang = validate::lang(fields.lang.as_deref())?;
    let footer = footer::check(fields.footer.as_deref())?;
    let job_id = match state.send(chat_id, lang, footer) {
        SendOutcome::Issued(job_id) => job_id,
        SendOutcome::CoolingDown { retry_after } => {
            return Err(ApiError::too_many(
                ErrorCode::RateLimited,
                retry_after,
                format!(
                    "rate limit exceeded: one code per recipient every {} seconds; retry in {retry_after} s",
                    SEND_COOLDOWN.as_secs()
                ),
            ));
        }
        SendOutcome::LockedOut { retry_after } => return Err(locked_out(retry_after)),
    };
    Ok(json(
        StatusCode::OK,
        &Sent {
            code: "success",
            message: "Verification code sent successfully",
            expires_in: CODE_LIFETIME.as_secs(),
            job_id: &job_id,
        },
    ))
}

fn verify(
    state: &SandboxState,
    headers: &HeaderMap,
    fields: VerifyFields,
) -> Result<Response, ApiError> {
    authorize(
        state.credentials(),
        headers.get(header::AUTHORIZATION),
        fields.instance_id.as_deref(),
        fields.access_token.as_deref(),
    )?;
    let chat_id = validate::chat_id(required(fields.chat_id.as_deref(), "chatId")?)?;
    let code = validate::code(required(fields.code.as_deref(), "code")?)?;
    verify_refusal(state.verify(chat_id, code))?;
    Ok(json(
        StatusCode::OK,
        &Verified {
            code: "success",
            message: "Code verified",
        },
    ))
}

/// The answer to a verify that did not succeed.
fn verify_refusal(outcome: VerifyOutcome) -> Result<(), ApiError> {
    match outcome {
        VerifyOutcome::Verified => Ok(()),
        VerifyOutcome::Wrong { attempts_left } => Err(ApiError::bad_request(
            ErrorCode::InvalidCode,
            format!(
                "The code is incorrect: {attempts_left} attempt{} left",
                if attempts_left == 1 { "" } else { "s" }
            ),
        )),
        VerifyOutcome::LockedOut { retry_after } => Err(locked_out(retry_after)),
        VerifyOutcome::Expired => Err(ApiError::bad_request(
            ErrorCode::CodeExpired,
            "The code has expired: send a new one",
        )),
        VerifyOutcome::NoActiveCode => Err(ApiError::bad_request(
            ErrorCode::NoActiveCode,
            "No active code for this recipient: send one first (codes are single use)",
        )),
    }
}

fn locked_out(retry_after: u64) -> ApiError {
    ApiError::too_many(
        ErrorCode::LockedOut,
        retry_after,
        format!(
            "too many wrong codes: after {MAX_WRONG_ATTEMPTS} wrong attempts the recipient is locked out for {} minutes; retry in {retry_after} s",
            LOCKOUT.as_secs() / 60
        ),
    )
}

fn required<'a>(value: Option<&'a str>, name: &str) -> Result<&'a str, ApiError> {
    value.ok_or_else(|| {
        ApiError::bad_request(ErrorCode::MissingField, format!("missing field \"{name}\""))
    })
}

// Neither the path nor the method is repeated in these answers: both are
// input, of any length, and could carry a number or a token.

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        format!(
            "no such route; the sandbox serves {SEND_PATH} and {VERIFY_PATH} (GET, POST), {MESSAGES_PATH} and {HEALTH_PATH} (GET)"
        ),
    )
}

/// axum would answer HEAD with the GET handler, which sends a code; HEAD
/// is meant to be safe, so the operations refuse it.
async fn head_not_allowed() -> Response {
    let mut response = method_not_allowed().await.into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET,POST"));
    response
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "method not allowed on this path; the Allow header lists the methods that are",
    )
}
