//! The HTTP surface: the spec's four operations plus the sandbox's own
//! `/_sandbox/messages` and `/_sandbox/health`, with JSON answers for
//! everything, including unknown paths, wrong methods and unreadable bodies.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, json};
use crate::rules::CODE_LIFETIME;
use crate::state::SandboxState;
use crate::validate;

/// The largest request body accepted (16 KiB); larger ones get 413.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Path of the send operation.
pub const SEND_PATH: &str = "/v2/auth/otp/send";
/// Path of the verify operation.
pub const VERIFY_PATH: &str = "/v2/auth/otp/verify";
/// Path of the message log: `GET /_sandbox/messages[?chatId=…]`, no
/// credentials needed (a loopback test tool, not part of the API).
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
        .with_state(state)
}

/// A string field that borrows from the request body or query when it can.
struct Text<'a>(Cow<'a, str>);

impl Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }

        deserializer.deserialize_str(TextVisitor)
    }
}

/// The fields of a send, from the body or the query. Everything is optional
/// here so credentials are checked (401) before required fields (400).
#[derive(Deserialize)]
#[serde(rename = "SendOtpRequest")]
struct SendFields<'a> {
    #[serde(borrow)]
    instance_id: Option<Text<'a>>,
    #[serde(borrow)]
    access_token: Option<Text<'a>>,
    #[serde(borrow, rename = "chatId")]
    chat_id: Option<Text<'a>>,
    #[serde(borrow)]
    lang: Option<Text<'a>>,
    #[serde(borrow)]
    footer: Option<Text<'a>>,
}

/// The fields of a verify; `list_id` is checked for type and otherwise
/// ignored (the sandbox has no contact lists).
#[derive(Deserialize)]
#[serde(rename = "VerifyOtpRequest")]
struct VerifyFields<'a> {
    #[serde(borrow)]
    instance_id: Option<Text<'a>>,
    #[serde(borrow)]
    access_token: Option<Text<'a>>,
    #[serde(borrow, rename = "chatId")]
    chat_id: Option<Text<'a>>,
    #[serde(borrow)]
    code: Option<Text<'a>>,
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
    request: Request,
) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let bytes = json_body(&parts.headers, body).await?;
    send(&state, &parts.headers, from_json(&bytes)?)
}

async fn send_query(
    State(state): State<SandboxState>,
    request: Request,
) -> Result<Response, ApiError> {
    send(&state, request.headers(), from_query(request.uri())?)
}

async fn verify_json(
    State(state): State<SandboxState>,
    request: Request,
) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let bytes = json_body(&parts.headers, body).await?;
    verify(&state, &parts.headers, from_json(&bytes)?)
}

async fn verify_query(
    State(state): State<SandboxState>,
    request: Request,
) -> Result<Response, ApiError> {
    verify(&state, request.headers(), from_query(request.uri())?)
}

fn send(
    state: &SandboxState,
    headers: &HeaderMap,
    fields: SendFields<'_>,
) -> Result<Response, ApiError> {
    state.authorize(
        headers.get(header::AUTHORIZATION),
        fields.instance_id.as_deref(),
        fields.access_token.as_deref(),
    )?;
    let chat_id = validate::chat_id(required(fields.chat_id.as_deref(), "chatId")?)?;
    let lang = validate::lang(fields.lang.as_deref())?;
    let footer = validate::footer(fields.footer.as_deref())?;
    let job_id = state.send(chat_id, lang, footer)?;
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
    fields: VerifyFields<'_>,
) -> Result<Response, ApiError> {
    state.authorize(
        headers.get(header::AUTHORIZATION),
        fields.instance_id.as_deref(),
        fields.access_token.as_deref(),
    )?;
    let chat_id = validate::chat_id(required(fields.chat_id.as_deref(), "chatId")?)?;
    let code = validate::code(required(fields.code.as_deref(), "code")?)?;
    state.verify(chat_id, code)?;
    Ok(json(
        StatusCode::OK,
        &Verified {
            code: "success",
            message: "Code verified",
        },
    ))
}

fn required<'a>(value: Option<&'a str>, name: &str) -> Result<&'a str, ApiError> {
    value.ok_or_else(|| ApiError::bad_request("missing_field", format!("missing field \"{name}\"")))
}

fn is_json(content_type: Option<&HeaderValue>) -> bool {
    let Some(value) = content_type.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json")
            || subtype.len() > 5 && subtype[subtype.len() - 5..].eq_ignore_ascii_case("+json"))
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "request body too large: at most {} KiB",
            MAX_BODY_BYTES / 1024
        ),
    )
}

/// The body of a POST: JSON content type, at most [`MAX_BODY_BYTES`].
async fn json_body(headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    if !is_json(headers.get(header::CONTENT_TYPE)) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the request body must be JSON: send \"Content-Type: application/json\"",
        ));
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(_) => Err(ApiError::bad_request(
            "invalid_body",
            "the request body could not be read",
        )),
    }
}

fn from_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|err| {
        let what = if err.is_data() {
            "invalid request body"
        } else {
            "invalid JSON body"
        };
        ApiError::bad_request("invalid_json", format!("{what}: {err}"))
    })
}

fn from_query<'a, T: Deserialize<'a>>(uri: &'a Uri) -> Result<T, ApiError> {
    serde_urlencoded::from_str(uri.query().unwrap_or_default()).map_err(|err| {
        ApiError::bad_request("invalid_query", format!("invalid query string: {err}"))
    })
}

#[derive(Deserialize)]
struct MessagesQuery {
    #[serde(rename = "chatId")]
    chat_id: Option<String>,
}

async fn messages(State(state): State<SandboxState>, uri: Uri) -> Result<Response, ApiError> {
    let query: MessagesQuery = from_query(&uri)?;
    let messages = match query.chat_id {
        Some(chat_id) => state.messages_to(&chat_id),
        None => state.messages(),
    };
    Ok(json(StatusCode::OK, &messages))
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    recipients: usize,
    messages: usize,
}

async fn health(State(state): State<SandboxState>) -> Response {
    json(
        StatusCode::OK,
        &Health {
            status: "ok",
            recipients: state.recipients(),
            messages: state.message_count(),
        },
    )
}

/// The path, shortened for messages.
fn shown_path(uri: &Uri) -> String {
    let path = uri.path();
    match path.char_indices().nth(100) {
        Some((cut, _)) => format!("{}…", &path[..cut]),
        None => path.to_owned(),
    }
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!(
            "no route for {method} {}; the sandbox serves {SEND_PATH} and {VERIFY_PATH} (GET, POST), {MESSAGES_PATH} and {HEALTH_PATH} (GET)",
            shown_path(&uri)
        ),
    )
}

/// axum would answer HEAD with the GET handler, which sends a code; HEAD
/// is meant to be safe, so the operations refuse it.
async fn head_not_allowed(uri: Uri) -> Response {
    let mut response = method_not_allowed(Method::HEAD, uri).await.into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET,POST"));
    response
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "method {method} not allowed on {}; the Allow header lists the methods that are",
            shown_path(&uri)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/vnd.api+json",
        ] {
            assert!(is_json(Some(&HeaderValue::from_static(ok))), "{ok}");
        }
        for bad in [
            "text/plain",
            "application/jsonx",
            "json",
            "application/+json",
        ] {
            assert!(!is_json(Some(&HeaderValue::from_static(bad))), "{bad}");
        }
        assert!(!is_json(None));
    }

    #[test]
    fn fields_borrow_from_the_body_unless_escaped() {
        let body = br#"{"instance_id":"i","chatId":"201234567890","lang":"a\u0072"}"#;
        let fields: SendFields<'_> = from_json(body).unwrap();
        assert!(matches!(fields.chat_id.unwrap().0, Cow::Borrowed(_)));
        let lang = fields.lang.unwrap();
        assert!(matches!(lang.0, Cow::Owned(_)));
        assert_eq!(&*lang, "ar");
        assert!(fields.footer.is_none());
    }
}
