//! What anyone may trigger: help, `/whoami`, refusals, stale commands,
//! unknown commands, and the group policy.
//!
//! Groups learn nothing: in any chat that is not private the bot answers a
//! command with the same single line whoever sends it, and leaves the chat;
//! added to a group, it leaves at once.

use teloxide::prelude::*;
use teloxide::types::ChatMemberUpdated;

use super::admin::action_of;
use super::context::{caller, caller_id};
use super::{Ctx, HandlerResult, message_age};
use crate::commands::{self, Command};
use crate::reply;
use crate::store::{NewEntry, Outcome};

/// A refused user is answered, and gets a new audit row, once per window;
/// the row counts the refusals in it.
const REFUSAL_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

pub(super) async fn help(ctx: Ctx, msg: Message) -> HandlerResult {
    let text = if ctx.is_admin(&msg) {
        reply::help()
    } else {
        reply::help_public()
    };
    ctx.answer(&msg, text).await
}

pub(super) async fn langs(ctx: Ctx, msg: Message) -> HandlerResult {
    ctx.answer(&msg, reply::langs()).await
}

pub(super) async fn whoami(ctx: Ctx, msg: Message) -> HandlerResult {
    let text = reply::whoami(caller_id(&msg), ctx.is_admin(&msg));
    ctx.answer(&msg, text).await
}

pub(super) async fn unknown_command(ctx: Ctx, msg: Message) -> HandlerResult {
    ctx.answer(&msg, reply::unknown_command()).await
}

/// An admin command from someone who is not an admin: audited and answered
/// once per window per user; the rest of a flood is only counted.
pub(super) async fn refuse(
    ctx: Ctx,
    msg: Message,
    update: Update,
    command: Command,
) -> HandlerResult {
    let Some((action, _)) = action_of(&command) else {
        return Ok(());
    };
    ctx.noted.note(crate::ops::OutcomeLabel::Refused);
    let who = caller(&msg);
    let mut entry = NewEntry::new(Some(update.id.0), who.clone(), action, Outcome::Refused)
        .error_kind("not_admin");
    entry.recipient = command.recipient_hint();
    let tally = match ctx.db.note_refusal(entry, REFUSAL_WINDOW).await {
        Ok(tally) => tally,
        Err(err) => {
            // Not answered: a flood must not cost a reply per command.
            tracing::error!(user_id = who.id, error = %err, "cannot audit a refusal");
            return Ok(());
        }
    };
    if !tally.first_in_window {
        tracing::debug!(
            user_id = who.id,
            count = tally.count,
            "refused again within the window; not answered"
        );
        return Ok(());
    }
    tracing::warn!(
        user_id = who.id,
        username = who.username.as_deref().unwrap_or(""),
        action = action.as_str(),
        "refused an admin command"
    );
    ctx.answer_audited(&msg, reply::refused(caller_id(&msg)), tally.row)
        .await;
    Ok(())
}

pub(super) async fn ignore_stale(ctx: Ctx, msg: Message, update: Update) -> HandlerResult {
    ctx.noted.note(crate::ops::OutcomeLabel::Stale);
    let age = message_age(&msg);
    tracing::info!(
        update_id = update.id.0,
        age_s = age.as_secs(),
        "ignoring a stale command"
    );
    let text = reply::stale(age, ctx.settings.max_update_age);
    let command = msg
        .text()
        .and_then(|t| commands::parse_command(t, ctx.me.username()));
    match command.as_ref().and_then(|c| action_of(c).map(|a| (c, a))) {
        Some((command, (action, _))) if ctx.is_admin(&msg) => {
            let mut entry = NewEntry::new(Some(update.id.0), caller(&msg), action, Outcome::Stale)
                .error_kind("stale");
            entry.recipient = command.recipient_hint();
            ctx.audit_and_answer(&msg, &update, entry, text).await
        }
        _ if ctx.is_admin(&msg) => ctx.answer(&msg, text).await,
        // Stale notices only for admins: a stranger's old command is dropped
        // without a reply (a flood must not cost a reply per command).
        _ => Ok(()),
    }
}

/// Any message outside a private chat: a command gets the same line for
/// everyone; then the bot leaves.
pub(super) async fn in_group(ctx: Ctx, msg: Message) -> HandlerResult {
    let is_command = msg
        .text()
        .and_then(|t| commands::parse_command(t, ctx.me.username()))
        .is_some();
    if is_command {
        ctx.answer(&msg, reply::private_only(ctx.me.username()))
            .await?;
    }
    leave(&ctx, msg.chat.id).await;
    Ok(())
}

/// The bot was added to a chat: leave it unless it is a private chat.
pub(super) async fn added_to_chat(ctx: Ctx, change: ChatMemberUpdated) -> HandlerResult {
    if !change.chat.is_private() && change.new_chat_member.is_present() {
        leave(&ctx, change.chat.id).await;
    }
    Ok(())
}

async fn leave(ctx: &Ctx, chat: ChatId) {
    tracing::info!(chat_id = chat.0, "leaving a chat that is not private");
    if let Err(err) = ctx.bot.leave_chat(chat).await {
        tracing::warn!(chat_id = chat.0, error = %crate::telemetry::describe_telegram_error(&err), "cannot leave the chat");
    }
}
