//! Errors: [`StartError`] (why a sandbox did not start) and the error
//! answers, always JSON `{"code": "...", "message": "..."}` (the shape
//! of the spec's `ErrorBody`), with `Retry-After` on 429.
//!
//! | status | `code` | when |
//! |---|---|---|
//! | 400 | `invalid_chat_id`, `invalid_lang`, `invalid_footer`, `invalid_code`, `missing_field`, `invalid_json`, `invalid_query`, `invalid_body` | bad input |
//! | 400 | `invalid_code` | wrong code, attempts left |
//! | 400 | `code_expired`, `no_active_code` | nothing to verify against |
//! | 401 | `unauthorized` | credentials missing or wrong |
//! | 404 | `not_found` | unknown path |
//! | 405 | `method_not_allowed` | known path, other method (with `Allow`) |
//! | 408 | `request_timeout` | request (body included) slower than the request timeout (then closed) |
//! | 413 | `payload_too_large` | body over 16 KiB |
//! | 415 | `unsupported_media_type` | POST body not `application/json` |
//! | 429 | `rate_limited` | send within 60 s of the previous one |
//! | 429 | `locked_out` | 5 wrong codes: 15 minutes |
//! | 503 | `too_many_connections` | connection cap reached (then closed) |
//!
//! The spec declares 200, 401 and 429 and a `default` error answer with the
//! same body; the 400, 404, 405, 408, 413, 415 and 503 answers are the
//! sandbox's own (the provider documents none). Messages name the field and
//! what it needs, never the value sent.

use std::borrow::Cow;
use std::io;
use std::net::SocketAddr;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The `code` of an error answer, spelled in snake case on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub(crate) enum ErrorCode {
    InvalidChatId,
    InvalidLang,
    InvalidFooter,
    InvalidCode,
    MissingField,
    InvalidJson,
    InvalidQuery,
    InvalidBody,
    CodeExpired,
    NoActiveCode,
    Unauthorized,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    LockedOut,
    RequestTimeout,
    TooManyConnections,
}

impl ErrorCode {
    pub(crate) fn as_str(self) -> &'static str {
        self.into()
    }
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    message: Cow<'static, str>,
    retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(
        status: StatusCode,
        code: ErrorCode,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 with `code`.
    pub(crate) fn bad_request(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401 `unauthorized`.
    pub(crate) fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, message)
    }

    /// 429 with `code` and `Retry-After: retry_after`.
    pub(crate) fn too_many(
        code: ErrorCode,
        retry_after: u64,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, code, message)
        }
    }

    /// The `code` field.
    #[cfg(test)]
    pub(crate) fn code(&self) -> &'static str {
        self.code.as_str()
    }
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
}

/// A JSON response.
pub(crate) fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let mut bytes = Vec::with_capacity(128);
    // Serializing these plain structs to a Vec cannot fail.
    if serde_json::to_writer(&mut bytes, body).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        bytes,
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        tracing::debug!(status = self.status.as_u16(), code = self.code.as_str(), message = %self.message, "rejected");
        let mut response = json(
            self.status,
            &Body {
                code: self.code.as_str(),
                message: &self.message,
            },
        );
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Why a sandbox did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The instance id or the access token cannot be carried by a request.
    #[error("invalid {setting}: use 1 to 256 printable ASCII characters without spaces")]
    InvalidCredential {
        /// `"instance id"` or `"access token"`.
        setting: &'static str,
    },
    /// A limit that leaves nothing to serve, such as 0 connections.
    #[error("invalid {setting}: {expected}")]
    InvalidLimit {
        /// The setting, as the builder method is named.
        setting: &'static str,
        /// What it accepts.
        expected: &'static str,
    },
    /// The address could not be bound (in use, not local, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        source: io::Error,
    },
}

impl From<StartError> for io::Error {
    /// For callers that deal in `io::Result`: a bind error keeps its kind,
    /// a bad setting is `InvalidInput`.
    fn from(err: StartError) -> io::Error {
        let kind = match &err {
            StartError::Bind { source, .. } => source.kind(),
            _ => io::ErrorKind::InvalidInput,
        };
        io::Error::new(kind, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn error_codes_are_snake_case_and_distinct() {
        let codes: Vec<&str> = ErrorCode::VARIANTS.iter().map(|c| c.as_str()).collect();
        assert!(codes.contains(&"invalid_chat_id"));
        assert!(codes.contains(&"too_many_connections"));
        for code in &codes {
            assert!(
                code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{code}"
            );
        }
        let mut unique = codes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), codes.len());
    }
}
