//! The console's in-process Bot API endpoint: the bot's real teloxide `Bot`
//! talks to it over loopback HTTP as it would to `api.telegram.org`.
//!
//! Lines typed at the prompt become `message` updates from the console user
//! in a private chat, handed out by `getUpdates` (long polling, confirmed by
//! `offset` as Telegram does); `sendMessage` texts are printed.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::session::Shared;

/// The longest a `getUpdates` long poll waits.
const MAX_POLL: Duration = Duration::from_secs(30);

/// The routes: `/bot<token>/<method>`, methods matched case-insensitively.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/{bot}/{method}", axum::routing::post(method).get(method))
        .with_state(shared)
}

fn ok(result: Value) -> Response {
    axum::Json(json!({"ok": true, "result": result})).into_response()
}

fn error(status: StatusCode, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"ok": false, "error_code": status.as_u16(), "description": description})),
    )
        .into_response()
}

async fn method(
    State(shared): State<Arc<Shared>>,
    Path((bot, method)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if bot.strip_prefix("bot") != Some(shared.token.expose_secret()) {
        return error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let params: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match method.to_ascii_lowercase().as_str() {
        "getme" => {
            let mut me = shared.bot_user();
            me["can_join_groups"] = json!(false);
            me["can_read_all_group_messages"] = json!(false);
            me["supports_inline_queries"] = json!(false);
            me["can_connect_to_business"] = json!(false);
            me["has_main_web_app"] = json!(false);
            ok(me)
        }
        "getwebhookinfo" => {
            ok(json!({"url": "", "has_custom_certificate": false, "pending_update_count": 0}))
        }
        "getupdates" => ok(Value::Array(get_updates(&shared, &params).await)),
        "sendmessage" => match shared.send_message(&params) {
            Ok(message) => ok(message),
            Err(why) => error(StatusCode::BAD_REQUEST, &why),
        },
        "getmycommands" => ok(json!([])),
        "deletewebhook" | "setwebhook" | "setmycommands" | "deletemycommands" | "leavechat"
        | "sendchataction" | "setchatmenubutton" | "close" | "logout" => ok(json!(true)),
        _ => error(
            StatusCode::NOT_FOUND,
            "Not Found: the console transport does not offer this method",
        ),
    }
}

async fn get_updates(shared: &Shared, params: &Value) -> Vec<Value> {
    let wait = Duration::from_secs(params["timeout"].as_u64().unwrap_or(0)).min(MAX_POLL);
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let changed = shared.changed.notified();
        match shared.get_updates(params) {
            Some(batch) if batch.is_empty() => {
                // Input ended: answer at once, but not in a tight loop.
                tokio::time::sleep(Duration::from_millis(50)).await;
                return batch;
            }
            Some(batch) => return batch,
            None => {}
        }
        if tokio::time::timeout_at(deadline, changed).await.is_err() {
            return Vec::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::CONSOLE_USER_ID;
    use crate::console::output::Output;
    use crate::console::render::Styling;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    fn shared() -> Arc<Shared> {
        Arc::new(Shared::new(
            "9:t".to_owned().into(),
            9,
            Output::new(Styling::Plain),
        ))
    }

    async fn call(shared: &Arc<Shared>, path: &str, body: Value) -> (StatusCode, Value) {
        let request = Request::post(path)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = router(shared.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn only_this_sessions_token_is_served() {
        let shared = shared();
        let (status, _) = call(&shared, "/bot8:other/getMe", json!({})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, me) = call(&shared, "/bot9:t/GetMe", json!({})).await;
        assert_eq!(
            (status, me["result"]["id"].as_u64()),
            (StatusCode::OK, Some(9))
        );
    }

    #[tokio::test]
    async fn updates_stay_until_an_offset_confirms_them() {
        let shared = shared();
        shared.typed("/whoami");
        shared.typed("/help");
        let (_, first) = call(&shared, "/bot9:t/getUpdates", json!({"timeout": 0})).await;
        let ids: Vec<_> = first["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["update_id"].clone())
            .collect();
        assert_eq!(ids, vec![json!(1), json!(2)]);
        assert_eq!(first["result"][0]["message"]["text"], "/whoami");
        assert_eq!(first["result"][0]["message"]["from"]["id"], CONSOLE_USER_ID);
        // Not confirmed yet: handed out again.
        let (_, again) = call(&shared, "/bot9:t/getUpdates", json!({"offset": 2})).await;
        assert_eq!(again["result"][0]["update_id"], 2);
        shared.input_ended();
        assert!(!shared.finished(), "an update is not confirmed yet");
        let (_, none) = call(
            &shared,
            "/bot9:t/getUpdates",
            json!({"offset": 3, "timeout": 30}),
        )
        .await;
        assert_eq!(none["result"], json!([]));
    }

    #[tokio::test]
    async fn a_reply_telegram_would_refuse_is_refused() {
        let shared = shared();
        let long = "x".repeat(crate::console::MAX_MESSAGE_LEN + 1);
        let (status, answer) = call(
            &shared,
            "/bot9:t/sendMessage",
            json!({"chat_id": 1, "text": long}),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(answer["error_code"], 400);
        assert!(
            answer["description"]
                .as_str()
                .unwrap()
                .starts_with("Bad Request: message is too long")
        );
        let (status, _) = call(
            &shared,
            "/bot9:t/sendMessage",
            json!({"chat_id": 1, "text": "<b>x", "parse_mode": "HTML"}),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, sent) = call(
            &shared,
            "/bot9:t/sendMessage",
            json!({"chat_id": 1, "text": "<b>ok</b>", "parse_mode": "HTML"}),
        )
        .await;
        assert_eq!(
            (status, &sent["result"]["text"]),
            (StatusCode::OK, &json!("<b>ok</b>"))
        );
    }

    #[tokio::test]
    async fn unknown_methods_are_an_error_not_a_silent_true() {
        let (status, answer) = call(&shared(), "/bot9:t/sendPhoto", json!({})).await;
        assert_eq!(
            (status, answer["ok"].clone()),
            (StatusCode::NOT_FOUND, json!(false))
        );
    }
}
