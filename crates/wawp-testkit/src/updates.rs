//! Telegram updates as the Bot API hands them out (JSON).

use std::sync::atomic::{AtomicI64, Ordering};

use serde_json::{Value, json};

/// The group chat id [`group_message`] uses.
pub const GROUP_CHAT: i64 = -100_200_300;

static NEXT_UPDATE: AtomicI64 = AtomicI64::new(1);

/// A fresh update id (unique in this process, increasing).
pub fn next_update_id() -> i64 {
    NEXT_UPDATE.fetch_add(1, Ordering::Relaxed)
}

/// Now, in Unix seconds (Telegram's `date`).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Who sends a message: a Telegram user id and an optional username.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct From<'a> {
    /// The user id.
    pub id: u64,
    /// The username, without `@`.
    pub username: Option<&'a str>,
}

impl<'a> From<'a> {
    /// A user with a username.
    pub fn new(id: u64, username: &'a str) -> Self {
        From {
            id,
            username: Some(username),
        }
    }
}

fn user_json(from: From<'_>) -> Value {
    let mut user =
        json!({"id": from.id, "is_bot": false, "first_name": from.username.unwrap_or("User")});
    if let Some(name) = from.username {
        user["username"] = json!(name);
    }
    user
}

fn chat_json(chat_id: i64, from: From<'_>) -> Value {
    if chat_id > 0 {
        let mut chat = json!({"id": chat_id, "type": "private", "first_name": from.username.unwrap_or("User")});
        if let Some(name) = from.username {
            chat["username"] = json!(name);
        }
        chat
    } else {
        json!({"id": chat_id, "type": "group", "title": "Support"})
    }
}

/// A text message from `from` in chat `chat_id` (positive: private, negative:
/// a group) sent at `date` (Unix seconds), with a `bot_command` entity when
/// the text starts with `/`.
pub fn message_in(from: From<'_>, chat_id: i64, text: &str, date: i64) -> Value {
    let id = next_update_id();
    let mut message = json!({
        "message_id": id,
        "date": date,
        "chat": chat_json(chat_id, from),
        "from": user_json(from),
        "text": text,
    });
    if text.starts_with('/') {
        let len = text.find(char::is_whitespace).unwrap_or(text.len());
        let len16 = text[..len].encode_utf16().count();
        message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": len16}]);
    }
    json!({"update_id": id, "message": message})
}

/// A text message from `from` in a private chat with the bot, sent now.
pub fn private_message(from: From<'_>, text: &str) -> Value {
    message_in(from, from.id as i64, text, unix_now())
}

/// A text message from `from` in the group [`GROUP_CHAT`], sent now.
pub fn group_message(from: From<'_>, text: &str) -> Value {
    message_in(from, GROUP_CHAT, text, unix_now())
}

/// The bot was added to the group [`GROUP_CHAT`] by `from` (`my_chat_member`).
pub fn added_to_group(from: From<'_>, bot_id: u64, bot_username: &str) -> Value {
    let id = next_update_id();
    let bot = json!({"id": bot_id, "is_bot": true, "first_name": "Bot", "username": bot_username});
    json!({
        "update_id": id,
        "my_chat_member": {
            "chat": chat_json(GROUP_CHAT, from),
            "from": user_json(from),
            "date": unix_now(),
            "old_chat_member": {"user": bot, "status": "left"},
            "new_chat_member": {"user": bot, "status": "member"},
        }
    })
}

/// The update id of an update built here.
pub fn update_id(update: &Value) -> i64 {
    update["update_id"].as_i64().unwrap_or_default()
}
