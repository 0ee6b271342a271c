//! The console session's state, shared by the prompt (which types lines)
//! and the Bot API endpoint (which hands them out and prints the replies).

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::sync::Notify;

use super::output::Output;
use super::rules::check_message;

/// The console user's Telegram id (made up; real user ids are far larger).
pub const CONSOLE_USER_ID: u64 = 1;
/// The console user's username, as the audit log shows it.
pub const CONSOLE_USERNAME: &str = "console";
/// The bot's username in console mode.
pub const CONSOLE_BOT_USERNAME: &str = "wawp_console_bot";
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
    /// Guards the endpoint against other local processes; kept out of `Debug`.
    pub(super) token: SecretString,
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
    /// `sendMessage` calls (printed or refused).
    replies: u64,
    input_ended: bool,
    last_activity: Instant,
}

impl Shared {
    pub(super) fn new(token: SecretString, bot_id: u64, output: Output) -> Shared {
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

    pub(super) fn get_updates(&self, params: &Value) -> Option<Vec<Value>> {
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

    /// Prints a reply Telegram would accept; refuses the others as
    /// Telegram does (and says so on the console).
    pub(super) fn send_message(&self, params: &Value) -> Result<Value, String> {
        let text = params["text"].as_str().unwrap_or_default();
        let html = params["parse_mode"]
            .as_str()
            .is_some_and(|m| m.eq_ignore_ascii_case("html"));
        let checked = check_message(text, html);
        match &checked {
            Ok(()) => self.output.print_reply(text, html),
            Err(why) => self.output.print_notice(&format!(
                "[console] Telegram would refuse this reply, so it is not shown: {why}"
            )),
        }
        let mut state = self.state();
        state.last_activity = Instant::now();
        // Something was shown either way: the prompt may come back.
        state.replies += 1;
        checked?;
        let message_id = state.next_message_id;
        state.next_message_id += 1;
        Ok(json!({
            "message_id": message_id,
            "date": unix_now(),
            "chat": {"id": params["chat_id"].as_i64().unwrap_or(CONSOLE_USER_ID as i64),
                     "type": "private", "first_name": "Console"},
            "from": self.bot_user(),
            "text": text,
        }))
    }

    pub(super) fn bot_user(&self) -> Value {
        json!({"id": self.bot_id, "is_bot": true, "first_name": "Wawp console",
               "username": CONSOLE_BOT_USERNAME})
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
