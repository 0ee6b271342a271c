//! The sandbox's own endpoints, outside the spec: the message log
//! (`GET /_sandbox/messages`) and the health check (`GET /_sandbox/health`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode, json};
use crate::extract::QueryFields;
use crate::messages::SentMessage;
use crate::state::SandboxState;

/// Messages listed when the query gives no `limit`.
pub const DEFAULT_MESSAGES_LIMIT: usize = 100;
/// The largest `limit` accepted.
pub const MAX_MESSAGES_LIMIT: usize = 1000;

#[derive(Deserialize)]
pub(crate) struct MessagesQuery {
    #[serde(rename = "chatId")]
    chat_id: Option<String>,
    limit: Option<u64>,
}

/// `GET /_sandbox/messages[?chatId=…][&limit=…]`: the newest messages
/// first, at most `limit` (default 100, at most 1,000), all of them or
/// those to `chatId`. The log's lock is held only to copy pointers; the
/// answer is serialised after it is released.
pub(crate) async fn messages(
    State(state): State<SandboxState>,
    QueryFields(query): QueryFields<MessagesQuery>,
) -> Result<Response, ApiError> {
    let limit = match query.limit {
        None => DEFAULT_MESSAGES_LIMIT,
        Some(limit @ 1..=1000) => limit as usize,
        Some(_) => {
            return Err(ApiError::bad_request(
                ErrorCode::InvalidQuery,
                format!(
                    "invalid query string: field \"limit\": expected an integer from 1 to {MAX_MESSAGES_LIMIT}"
                ),
            ));
        }
    };
    let messages = state.newest_messages(query.chat_id.as_deref(), limit);
    let messages: Vec<&SentMessage> = messages.iter().map(|m| &**m).collect();
    Ok(json(StatusCode::OK, &messages))
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    recipients: usize,
    connections: usize,
    messages: usize,
}

/// `GET /_sandbox/health`:
/// `{"status":"ok","recipients":…,"messages":…,"connections":…}`.
pub(crate) async fn health(State(state): State<SandboxState>) -> Response {
    json(
        StatusCode::OK,
        &Health {
            status: "ok",
            recipients: state.recipients(),
            connections: state.connections(),
            messages: state.message_count(),
        },
    )
}
