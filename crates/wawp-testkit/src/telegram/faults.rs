//! Faults the fake Bot API can answer a call with.

use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// One faulty answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429 Too Many Requests with `parameters.retry_after` seconds.
    TooManyRequests {
        /// Seconds to wait.
        retry_after: u32,
    },
    /// 500 with Telegram's JSON error body.
    InternalServerError,
    /// 502 with an HTML page, as a proxy in front of the Bot API answers.
    BadGatewayHtml,
    /// 200 with a body that is not JSON.
    BadJson,
    /// The connection drops after the headers: the body never completes.
    DropConnection,
    /// 409 Conflict: another instance polls with the same token.
    Conflict,
    /// 400 Bad Request with this description.
    BadRequest(String),
    /// The answer is held back this long, then given normally.
    Delay(Duration),
}

impl Fault {
    /// The faulty response, or `None` for [`Fault::Delay`] (answered normally
    /// once the delay has passed).
    pub(crate) fn response(&self) -> Option<Response> {
        let error = |status: StatusCode, description: &str| {
            (
                status,
                axum::Json(
                    json!({"ok": false, "error_code": status.as_u16(), "description": description}),
                ),
            )
                .into_response()
        };
        Some(match self {
            Fault::TooManyRequests { retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(json!({
                    "ok": false, "error_code": 429,
                    "description": format!("Too Many Requests: retry after {retry_after}"),
                    "parameters": {"retry_after": retry_after}
                })),
            )
                .into_response(),
            Fault::InternalServerError => {
                error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
            }
            Fault::BadGatewayHtml => (
                StatusCode::BAD_GATEWAY,
                [(header::CONTENT_TYPE, "text/html")],
                "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
            )
                .into_response(),
            Fault::BadJson => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                "{\"ok\": tru",
            )
                .into_response(),
            Fault::DropConnection => {
                let body = Body::from_stream(futures::stream::once(async {
                    Err::<axum::body::Bytes, _>(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "fake Bot API drops the connection",
                    ))
                }));
                (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json")],
                    body,
                )
                    .into_response()
            }
            Fault::Conflict => error(
                StatusCode::CONFLICT,
                "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
            ),
            Fault::BadRequest(description) => error(StatusCode::BAD_REQUEST, description),
            Fault::Delay(_) => return None,
        })
    }
}
