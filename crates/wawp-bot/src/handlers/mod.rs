//! The update handler tree, in the style of teloxide's examples: filters and
//! typed values in the tree, small async endpoints that receive them.
//!
//! ```text
//! my_chat_member: added to a group → leave it
//! message ─ an admin's first message → the admin command menu in their chat
//!         ├ not a private chat → one line for everyone, then leave
//!         ├ a command older than the maximum age → "ignored, too old" (audited)
//!         ├ a command (any whitespace after it) ─ /start, /help → help
//!         │   ├ /whoami → the caller's id; /langs → the language codes
//!         │   ├ an admin ─ arguments parsed into SendArgs / VerifyArgs / a count
//!         │   │            ├ /send, /verify (one audited Wawp call), /history
//!         │   │            └ bad arguments → usage (audited)
//!         │   └ otherwise → refusal (audited and answered once per window per user)
//!         └ other text → "unknown command"
//! ```
//!
//! Every audited row is written together with the update's claim, so an
//! update delivered again is recognised and skipped.

mod admin;
mod context;
mod public;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;

use crate::commands::{self, ArgError, Command, SendArgs, VerifyArgs};
use crate::store::StoreError;
use crate::telemetry::describe_telegram_error;

pub(crate) use context::Ctx;

/// What a handler can fail with. `Display` and `Debug` hold no secret.
#[derive(thiserror::Error)]
pub(crate) enum HandlerError {
    /// A Telegram request failed.
    #[error("{}", describe_telegram_error(.0))]
    Telegram(#[from] teloxide::RequestError),
    /// The store failed.
    #[error(transparent)]
    Db(#[from] StoreError),
}

impl HandlerError {
    /// Whether trying the update again later may succeed (Telegram or the
    /// database unreachable), rather than fail the same way (the user
    /// blocked the bot, a bad request).
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            HandlerError::Db(_) => true,
            HandlerError::Telegram(err) => crate::delivery::is_transient(err),
        }
    }
}

impl std::fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// What the endpoints return.
pub(crate) type HandlerResult = Result<(), HandlerError>;

/// The admins' Telegram user ids.
#[derive(Debug, Clone)]
pub(crate) struct Admins(pub(crate) Arc<BTreeSet<u64>>);

/// Settings the handlers need.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The bot's own id, to key claimed update ids.
    pub(crate) bot_id: u64,
    /// Commands older than this are ignored.
    pub(crate) max_update_age: Duration,
}

/// An admin command with its arguments parsed: what the admin endpoints get.
#[derive(Debug, Clone)]
pub(crate) enum Parsed {
    /// `/send`
    Send(SendArgs),
    /// `/verify`
    Verify(VerifyArgs),
    /// `/history n`
    History(u32),
    /// Bad or missing arguments.
    Invalid(Invalid),
}

/// Arguments that could not be parsed, with what is needed to answer and audit.
#[derive(Debug, Clone)]
pub(crate) struct Invalid {
    /// The command.
    pub(crate) command: Command,
    /// What is wrong.
    pub(crate) error: ArgError,
}

/// The handler tree.
pub(crate) fn schema() -> UpdateHandler<HandlerError> {
    let admin = dptree::filter(|msg: Message, ctx: Ctx| ctx.is_admin(&msg))
        .filter_map(parse_arguments)
        .branch(dptree::case![Parsed::Send(args)].endpoint(admin::send))
        .branch(dptree::case![Parsed::Verify(args)].endpoint(admin::verify))
        .branch(dptree::case![Parsed::History(n)].endpoint(admin::history))
        .branch(dptree::case![Parsed::Invalid(invalid)].endpoint(admin::invalid));

    let commands = dptree::filter_map(|msg: Message, ctx: Ctx| {
        commands::parse_command(msg.text()?, ctx.me.username())
    })
    .branch(dptree::case![Command::Start].endpoint(public::help))
    .branch(dptree::case![Command::Help].endpoint(public::help))
    .branch(dptree::case![Command::Whoami].endpoint(public::whoami))
    .branch(dptree::case![Command::Langs].endpoint(public::langs))
    .branch(admin)
    .branch(dptree::endpoint(public::refuse));

    let messages = Update::filter_message()
        .inspect(|msg: Message, ctx: Ctx| {
            // In the background: the command is not held up by the menu.
            if ctx.is_admin(&msg) {
                tokio::spawn(async move { ctx.menus.on_admin_message(&msg).await });
            }
        })
        .branch(dptree::filter(|msg: Message| !msg.chat.is_private()).endpoint(public::in_group))
        .branch(dptree::filter(is_stale_command).endpoint(public::ignore_stale))
        .branch(commands)
        .branch(
            dptree::filter(|msg: Message| msg.text().is_some()).endpoint(public::unknown_command),
        );

    dptree::entry()
        .branch(Update::filter_my_chat_member().endpoint(public::added_to_chat))
        .branch(messages)
}

/// The typed arguments of an admin command; `None` for the others.
fn parse_arguments(command: Command) -> Option<Parsed> {
    let parsed = match &command {
        Command::Send(args) => commands::parse_send(args).map(Parsed::Send),
        Command::Verify(args) => commands::parse_verify(args).map(Parsed::Verify),
        Command::History(args) => commands::parse_history(args).map(Parsed::History),
        _ => return None,
    };
    Some(parsed.unwrap_or_else(|error| Parsed::Invalid(Invalid { command, error })))
}

/// How old a message is.
pub(crate) fn message_age(msg: &Message) -> Duration {
    (chrono::Utc::now() - msg.date).to_std().unwrap_or_default()
}

fn is_stale_command(msg: Message, ctx: Ctx) -> bool {
    msg.text().is_some_and(|t| t.trim_start().starts_with('/'))
        && message_age(&msg) > ctx.settings.max_update_age
}
