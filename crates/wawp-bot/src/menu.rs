//! The command menu Telegram shows (`setMyCommands`).
//!
//! Everyone sees the public commands (the default scope, registered at
//! start). An admin's own chat additionally lists `/send`, `/verify` and
//! `/history`: that chat scope can only be registered once the admin has
//! opened the bot, so it is registered when the admin first talks to it,
//! remembered in the store (one call per admin ever, not one per admin on
//! every start); a failure is logged and tolerated.

use std::collections::HashSet;
use std::sync::Mutex;

use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, Recipient};

use crate::store::Store;
use crate::telemetry::describe_telegram_error;

/// The public commands with their one-line descriptions.
pub(crate) fn public_commands() -> Vec<BotCommand> {
    vec![
        BotCommand::new("start", "What this bot does"),
        BotCommand::new("help", "The commands, with examples"),
        BotCommand::new("whoami", "Your Telegram user id"),
    ]
}

/// What an admin's chat lists: the public commands and the admin ones.
pub(crate) fn admin_commands() -> Vec<BotCommand> {
    let mut commands = public_commands();
    commands.extend([
        BotCommand::new(
            "send",
            "Send a WhatsApp code: /send <phone> [lang [footer]]",
        ),
        BotCommand::new("verify", "Check a code: /verify <phone> <code>"),
        BotCommand::new("history", "The last audit entries: /history [n]"),
        BotCommand::new("langs", "The language codes for /send"),
    ]);
    commands
}

/// Registers the public commands in the default scope.
pub(crate) async fn register_default(bot: &Bot) {
    if let Err(err) = bot
        .set_my_commands(public_commands())
        .scope(BotCommandScope::Default)
        .await
    {
        tracing::warn!(error = %describe_telegram_error(&err), "cannot register the command menu (setMyCommands)");
    }
}

/// The admins whose menu this process has already checked.
/// The admins whose chat menu this process registered (or found
/// registered), and what registering one needs.
pub(crate) struct Menus {
    bot: Bot,
    db: Store,
    bot_id: u64,
    seen: Mutex<HashSet<u64>>,
}

impl Menus {
    /// Menus of bot `bot_id`, remembered in `db`.
    pub(crate) fn new(bot: Bot, db: Store, bot_id: u64) -> Menus {
        Menus {
            bot,
            db,
            bot_id,
            seen: Mutex::default(),
        }
    }

    /// Registers the admin commands in the chat of an admin (the caller
    /// checked) who writes to the bot in private for the first time.
    pub(crate) async fn on_admin_message(&self, msg: &Message) {
        let Some(user) = msg.from.as_ref().map(|u| u.id.0) else {
            return;
        };
        if !msg.chat.is_private() {
            return;
        }
        if !self
            .seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(user)
        {
            return;
        }
        match self.db.remember_admin_menu(self.bot_id, user).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(err) => {
                tracing::warn!(error = %err, "cannot check whether the admin's command menu is registered");
                return;
            }
        }
        let scope = BotCommandScope::Chat {
            chat_id: Recipient::Id(msg.chat.id),
        };
        match self
            .bot
            .set_my_commands(admin_commands())
            .scope(scope)
            .await
        {
            Ok(_) => tracing::info!(user_id = user, "registered the admin command menu"),
            Err(err) => {
                tracing::warn!(user_id = user, error = %describe_telegram_error(&err), "cannot register the admin command menu; the commands work anyway")
            }
        }
    }
}
