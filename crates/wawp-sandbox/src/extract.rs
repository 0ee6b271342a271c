//! Request extractors with the sandbox's own rejection: axum's [`Json`] and
//! [`Query`] do the reading (the body capped by `DefaultBodyLimit`), and
//! their rejections become [`ApiError`]s that name the field and the type it
//! needs, never the value that was sent (a misplaced phone number or token
//! would otherwise come back in the error, and in logs).

use std::error::Error as StdError;

use axum::extract::rejection::{BytesRejection, FailedToBufferBody, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Json, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_path_to_error::{Path, Segment};

use crate::error::{ApiError, ErrorCode};

/// The largest request body accepted (16 KiB); larger ones get 413.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A JSON request body (`Content-Type: application/json` or `…+json`, at
/// most [`MAX_BODY_BYTES`]).
#[derive(Debug)]
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

/// The query string's fields.
#[derive(Debug)]
pub(crate) struct QueryFields<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryFields<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        match Query::<T>::try_from_uri(&parts.uri) {
            Ok(Query(value)) => Ok(QueryFields(value)),
            Err(rejection) => Err(query_rejection(&rejection)),
        }
    }
}

/// The fields the sandbox reads and the JSON type each needs. A field's name
/// in an error comes from here, so it is always one of ours.
const FIELDS: [(&str, &str); 8] = [
    ("instance_id", "a string"),
    ("access_token", "a string"),
    ("chatId", "a string"),
    ("lang", "a string"),
    ("footer", "a string"),
    ("code", "a string"),
    ("list_id", "an integer"),
    ("limit", "an integer from 1 to 1000"),
];

/// 413 `payload_too_large`.
pub(crate) fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        format!(
            "request body too large: at most {} KiB",
            MAX_BODY_BYTES / 1024
        ),
    )
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "the request body must be JSON: send \"Content-Type: application/json\"",
        ),
        JsonRejection::BytesRejection(BytesRejection::FailedToBufferBody(
            FailedToBufferBody::LengthLimitError(_),
        )) => too_large(),
        JsonRejection::JsonDataError(_) => ApiError::bad_request(
            ErrorCode::InvalidJson,
            data_error("request body", rejection),
        ),
        JsonRejection::JsonSyntaxError(_) => {
            let at = serde_json_error(rejection)
                .map(|err| format!(" (line {}, column {})", err.line(), err.column()))
                .unwrap_or_default();
            ApiError::bad_request(
                ErrorCode::InvalidJson,
                format!("invalid JSON body: not well-formed JSON{at}"),
            )
        }
        _ => ApiError::bad_request(ErrorCode::InvalidBody, "the request body could not be read"),
    }
}

fn query_rejection(rejection: &QueryRejection) -> ApiError {
    ApiError::bad_request(
        ErrorCode::InvalidQuery,
        data_error("query string", rejection),
    )
}

/// "invalid request body: field "chatId": expected a string", from the
/// path of the failed field; nothing of the error's own text, which quotes
/// the value.
fn data_error(place: &str, rejection: &(dyn StdError + 'static)) -> String {
    let field = failed_path(rejection)
        .and_then(|path| {
            path.iter().find_map(|segment| match segment {
                Segment::Map { key } => FIELDS.iter().find(|(name, _)| *name == key),
                _ => None,
            })
        })
        .map(|&(name, expected)| (name, expected));
    let duplicate = sources(rejection).any(|err| err.to_string().starts_with("duplicate field"));
    match field {
        Some((name, _)) if duplicate => format!("invalid {place}: field \"{name}\" given twice"),
        Some((name, expected)) => format!("invalid {place}: field \"{name}\": expected {expected}"),
        None if place == "request body" => format!(
            "invalid {place}: expected a JSON object whose fields are strings (list_id: an integer)"
        ),
        None => format!("invalid {place}: a field is repeated or has the wrong type"),
    }
}

/// The error and its sources, outermost first.
fn sources<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |&err: &&'a (dyn StdError + 'static)| {
        err.source()
    })
}

/// Where deserialising stopped, from the `serde_path_to_error` error axum
/// wraps in its rejections.
fn failed_path<'a>(rejection: &'a (dyn StdError + 'static)) -> Option<&'a Path> {
    sources(rejection).find_map(|err| {
        if let Some(err) = err.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>() {
            Some(err.path())
        } else {
            err.downcast_ref::<serde_path_to_error::Error<serde::de::value::Error>>()
                .map(serde_path_to_error::Error::path)
        }
    })
}

fn serde_json_error<'a>(rejection: &'a (dyn StdError + 'static)) -> Option<&'a serde_json::Error> {
    sources(rejection).find_map(|err| {
        err.downcast_ref::<serde_json::Error>().or_else(|| {
            err.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>()
                .map(serde_path_to_error::Error::inner)
        })
    })
}
