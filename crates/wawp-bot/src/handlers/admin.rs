//! The admin commands: `/send`, `/verify`, `/history`, and their usage
//! answers. They only run for admins in a private chat, with arguments
//! already parsed.

use teloxide::prelude::*;

use super::context::{Finish, caller};
use super::{Ctx, HandlerResult, Invalid};
use crate::commands::{Command, SendArgs, VerifyArgs};
use crate::reply::{self, Call, Usage};
use crate::store::{Action, NewEntry, Outcome, SendPermit};

/// The audit action and usage text of an admin command.
pub(crate) fn action_of(command: &Command) -> Option<(Action, Usage)> {
    match command {
        Command::Send(_) => Some((Action::Send, Usage::Send)),
        Command::Verify(_) => Some((Action::Verify, Usage::Verify)),
        Command::History(_) => Some((Action::History, Usage::History)),
        _ => None,
    }
}

pub(super) async fn invalid(
    ctx: Ctx,
    msg: Message,
    update: Update,
    invalid: Invalid,
) -> HandlerResult {
    let Some((action, usage)) = action_of(&invalid.command) else {
        return Ok(());
    };
    let mut entry = NewEntry::new(Some(update.id.0), caller(&msg), action, Outcome::Invalid)
        .error_kind(invalid.error.kind());
    entry.recipient = invalid.command.recipient_hint();
    let text = reply::bad_arguments(usage, &invalid.error);
    ctx.audit_and_answer(&msg, &update, entry, text).await
}

pub(super) async fn send(ctx: Ctx, msg: Message, update: Update, args: SendArgs) -> HandlerResult {
    let who = caller(&msg);
    let mut entry = NewEntry::new(
        Some(update.id.0),
        who.clone(),
        Action::Send,
        Outcome::Pending,
    );
    entry.recipient = Some(args.phone.clone());
    entry.lang = Some(args.lang.clone());

    let permit = ctx
        .db
        .try_acquire_send(who.id, ctx.limiter.limit, ctx.limiter.window)
        .await;
    let permit = match permit {
        Ok(permit) => permit,
        Err(err) => {
            tracing::error!(error = %err, "cannot count the send against the limit; nothing was sent");
            ctx.noted.note(crate::ops::OutcomeLabel::AuditUnavailable);
            return ctx.answer(&msg, reply::audit_unavailable()).await;
        }
    };
    if let SendPermit::Limited { retry_in } = permit {
        tracing::warn!(user_id = who.id, "send limit reached");
        entry.outcome = Outcome::RateLimited;
        entry.error_kind = Some("rate_limited".into());
        let text = reply::rate_limited(ctx.limiter.limit.get(), retry_in);
        return ctx.audit_and_answer(&msg, &update, entry, text).await;
    }

    let wawp = ctx.wawp.clone();
    let call = || {
        let mut request = wawp.client.send_otp(&args.phone).lang(args.lang.clone());
        if let Some(footer) = &args.footer {
            request = request.footer(footer.clone());
        }
        request.into_future()
    };
    let finish = |result: &Result<wawp::SentOtp, wawp::Error>| match result {
        Ok(sent) => {
            tracing::info!(user_id = who.id, recipient = %args.phone, lang = %args.lang, job_id = %crate::server_text::clean(&sent.job_id), "OTP sent");
            if let Some(sandbox) = &ctx.wawp.sandbox {
                sandbox.log_last_code(&args.phone);
            }
            Finish {
                outcome: Outcome::Sent,
                job_id: Some(sent.job_id.clone()),
                error_kind: None,
                text: reply::sent(sent, &args.phone, &args.lang, ctx.wawp.is_dry_run()),
            }
        }
        Err(error) => {
            tracing::warn!(user_id = who.id, recipient = %args.phone, kind = error.kind().as_str(), error = %crate::server_text::clean_to(&error.to_string(), crate::server_text::MAX_MESSAGE_CHARS), "OTP send failed");
            // The request may have reached Wawp: the row says `unknown`
            // (like a command taken over after its call started), not
            // `failed`, so nobody reads it as "nothing was sent".
            let outcome = match error {
                wawp::Error::OutcomeUnknown { .. } => Outcome::Unknown,
                _ => Outcome::Failed,
            };
            Finish {
                outcome,
                job_id: None,
                error_kind: Some(error.kind().as_str().to_owned()),
                text: reply::wawp_error(Call::Send, &args.phone, error),
            }
        }
    };
    ctx.audited_call(&msg, &update, entry, call, finish).await
}

pub(super) async fn verify(
    ctx: Ctx,
    msg: Message,
    update: Update,
    args: VerifyArgs,
) -> HandlerResult {
    let who = caller(&msg);
    let mut entry = NewEntry::new(
        Some(update.id.0),
        who.clone(),
        Action::Verify,
        Outcome::Pending,
    );
    entry.recipient = Some(args.phone.clone());

    let wawp = ctx.wawp.clone();
    let call = || {
        wawp.client
            .verify_otp(&args.phone, &args.code)
            .into_future()
    };
    let finish = |result: &Result<wawp::VerifyOutcome, wawp::Error>| match result {
        Ok(wawp::VerifyOutcome::Verified(_)) => {
            tracing::info!(user_id = who.id, recipient = %args.phone, "OTP verified");
            Finish {
                outcome: Outcome::Verified,
                job_id: None,
                error_kind: None,
                text: reply::verified(&args.phone),
            }
        }
        Ok(other) => {
            tracing::info!(user_id = who.id, recipient = %args.phone, outcome = other.as_str(), "OTP not verified");
            Finish {
                outcome: Outcome::Failed,
                job_id: None,
                error_kind: Some(other.as_str().to_owned()),
                text: reply::not_verified(&args.phone, other),
            }
        }
        Err(error) => {
            tracing::info!(user_id = who.id, recipient = %args.phone, kind = error.kind().as_str(), "OTP not verified");
            Finish {
                outcome: Outcome::Failed,
                job_id: None,
                error_kind: Some(error.kind().as_str().to_owned()),
                text: reply::wawp_error(Call::Verify, &args.phone, error),
            }
        }
    };
    ctx.audited_call(&msg, &update, entry, call, finish).await
}

pub(super) async fn history(ctx: Ctx, msg: Message, n: u32) -> HandlerResult {
    // Only the admins' rows: a flood of refusals never pushes them out.
    match ctx.db.admin_history(&ctx.admins.0, n).await {
        Ok(entries) => ctx.answer(&msg, reply::history(&entries)).await,
        Err(err) => {
            tracing::error!(error = %err, "cannot read the audit log");
            ctx.answer(&msg, reply::audit_unreadable()).await
        }
    }
}
