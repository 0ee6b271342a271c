//! The console's in-process Bot API endpoint: the bot's real teloxide `Bot`
//! talks to it over loopback HTTP as it would to `api.telegram.org`.
//!
//! Lines typed at the prompt become `message` updates from the console user
//! in a private chat, handed out by `getUpdates` (long polling, confirmed by
//! `offset` as Telegram does); `sendMessage` texts are printed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::Notify;

use super::output::Output;

/// The console user's Telegram id (made up; real user ids are far larger).
pub const CONSOLE_USER_ID: u64 = 1;
/// The console user's username, as the audit log shows it.
pub const CONSOLE_USERNAME: &str = "console";
/// The bot's username in console mode.
pub const CONSOLE_BOT_USERNAME: &str = "wawp_console_bot";
/// The longest a `getUpdates` long poll waits.
const MAX_POLL: Duration = Duration::from_secs(30);
/// After end of input, how long without any Bot API activity before the
/// session is taken as finished even if a command sent no reply.
pub(super) const IDLE_GRACE: Duration = Duration::from_secs(2);

/// How long the bot must be quiet after a reply before the prompt returns.
const QUIET: Duration = Duration::from_millis(150);

/// What the endpoint and the prompt share.
#[derive(Debug)]
pub(super) struct Shared {
    state: Mutex<SessionState>,
    /// Wakes long polls (a line was typed, input ended) and the end watcher.
    pub(super) changed: Notify,
    pub(super) token: String,
    pub(super) bot_id: u64,
    pub(super) output: Output,
}

#[derive(Debug)]
struct SessionState {
    /// Updates typed but not yet confirmed by a `getUpdates` offset.
    pending: VecDeque<Value>,
    next_update_id: u32,
    next_message_id: i64,
    typed: u64,
    replies: u64,
    input_ended: bool,
    last_activity: Instant,
}

impl Shared {
    pub(super) fn new(token: String, bot_id: u64, output: Output) -> Shared {
        Shared {
            state: Mutex::new(SessionState {
                pending: VecDeque::new(),
                next_update_id: 1,
                next_message_id: 1,
                typed: 0,
                replies: 0,
                input_ended: false,
                last_activity: Instant::now(),
            }),
            changed: Notify::new(),
            token,
            bot_id,
            output,
        }
    }

    fn state(&self) -> MutexGuard<'_, SessionState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a typed line as a message update.
    pub(super) fn typed(&self, text: &str) {
        {
            let mut state = self.state();
            let update_id = state.next_update_id;
            let message_id = state.next_message_id;
            state.next_update_id += 1;
            state.next_message_id += 1;
            state.typed += 1;
            state.last_activity = Instant::now();
            state.pending.push_back(json!({
                "update_id": update_id,
                "message": {
                    "message_id": message_id,
                    "date": unix_now(),
                    "chat": {"id": CONSOLE_USER_ID, "type": "private",
                             "first_name": "Console", "username": CONSOLE_USERNAME},
                    "from": {"id": CONSOLE_USER_ID, "is_bot": false,
                             "first_name": "Console", "username": CONSOLE_USERNAME},
                    "text": text,
                }
            }));
        }
        self.changed.notify_waiters();
    }

    /// End of input (EOF, Ctrl-D).
    pub(super) fn input_ended(&self) {
        {
            let mut state = self.state();
            state.input_ended = true;
            state.last_activity = Instant::now();
        }
        self.changed.notify_waiters();
    }

    /// Blocks the calling (prompt) thread until every typed line got a reply
    /// and the bot has been quiet briefly (a reply may be several
    /// messages), or for at most `max`.
    pub(super) fn wait_answered(&self, max: Duration) {
        let deadline = Instant::now() + max;
        while Instant::now() < deadline {
            {
                let state = self.state();
                if state.replies >= state.typed && state.last_activity.elapsed() >= QUIET {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// After end of input: every typed update was confirmed by the bot and
    /// either got a reply or the bot has been idle for [`IDLE_GRACE`].
    pub(super) fn finished(&self) -> bool {
        let state = self.state();
        state.input_ended
            && state.pending.is_empty()
            && (state.replies >= state.typed || state.last_activity.elapsed() >= IDLE_GRACE)
    }

    fn get_updates(&self, params: &Value) -> Option<Vec<Value>> {
        let offset = params["offset"].as_i64().unwrap_or(0);
        let limit = params["limit"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
        let mut state = self.state();
        // An offset confirms every update before it.
        while state
            .pending
            .front()
            .is_some_and(|u| u["update_id"].as_i64().unwrap_or(0) < offset)
        {
            state.pending.pop_front();
            state.last_activity = Instant::now();
        }
        let batch: Vec<Value> = state.pending.iter().take(limit).cloned().collect();
        if !batch.is_empty() {
            state.last_activity = Instant::now();
            return Some(batch);
        }
        if state.input_ended {
            return Some(Vec::new());
        }
        None
    }

    fn send_message(&self, params: &Value) -> Value {
        let text = params["text"].as_str().unwrap_or_default();
        let html = params["parse_mode"]
            .as_str()
            .is_some_and(|m| m.eq_ignore_ascii_case("html"));
        self.output.print_reply(text, html);
        let mut state = self.state();
        state.replies += 1;
        state.last_activity = Instant::now();
        let message_id = state.next_message_id;
        state.next_message_id += 1;
        json!({
            "message_id": message_id,
            "date": unix_now(),
            "chat": {"id": params["chat_id"].as_i64().unwrap_or(CONSOLE_USER_ID as i64),
                     "type": "private", "first_name": "Console"},
            "from": self.bot_user(),
            "text": text,
        })
    }

    fn bot_user(&self) -> Value {
        json!({"id": self.bot_id, "is_bot": true, "first_name": "Wawp console",
               "username": CONSOLE_BOT_USERNAME})
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

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
    if bot.strip_prefix("bot") != Some(shared.token.as_str()) {
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
        "sendmessage" => ok(shared.send_message(&params)),
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
