//! The update handler tree and its endpoints.
//!
//! ```text
//! message ─ first delivery? (claims the update id; repeats stop here)
//!         ├ a command older than the maximum age → "ignored, too old"
//!         ├ a command ─ /start, /help → help
//!         │           ├ /whoami → the caller's id
//!         │           ├ admin in a private chat? ─ /send, /verify, /history
//!         │           └ otherwise → refusal (logged and audited)
//!         └ other text in a private chat → "unknown command"
//! ```
//!
//! Endpoints are small async functions; dptree injects what they name.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::{Me, ParseMode};
use teloxide::utils::command::BotCommands;

use crate::audit::{Action, Caller, NewEntry, Outcome};
use crate::backend::Wawp;
use crate::commands::{self, ArgError, Command};
use crate::db::{Db, DbError};
use crate::ratelimit::RateLimiter;
use crate::reply::{self, Call, Refusal, Usage};
use crate::telemetry::describe_telegram_error;

/// The bot type the handlers talk through. Telegram's flood limit is honoured
/// by the handlers' replies, which wait out a 429's `retry_after`. (teloxide's `Throttle`
/// adaptor would also keep to the limits in advance, but its worker releases
/// queued messages on a 250 ms tick, which put 250 ms into every reply.)
pub type TgBot = Bot;

/// How many times a reply is tried when Telegram answers 429.
pub const MAX_REPLY_TRIES: u32 = 3;
/// The longest 429 `retry_after` a reply waits out.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// What a handler can fail with. `Display` and `Debug` hold no secret.
#[derive(thiserror::Error)]
pub enum HandlerError {
    /// A Telegram request failed.
    #[error("{}", describe_telegram_error(.0))]
    Telegram(#[from] teloxide::RequestError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl HandlerError {
    /// Whether trying the update again later may succeed (Telegram or the
    /// database unreachable), rather than fail the same way (the user
    /// blocked the bot, a bad request).
    pub fn is_transient(&self) -> bool {
        use teloxide::RequestError as R;
        match self {
            HandlerError::Db(_) => true,
            HandlerError::Telegram(R::Api(api)) => {
                matches!(api, teloxide::ApiError::Unknown(text) if text.contains("Internal Server Error") || text.contains("Bad Gateway") || text.contains("Service Unavailable") || text.contains("Gateway Timeout"))
            }
            HandlerError::Telegram(R::MigrateToChatId(_)) => false,
            HandlerError::Telegram(_) => true,
        }
    }
}

impl std::fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// What the handlers return.
pub type HandlerResult = Result<(), HandlerError>;

/// The admins' Telegram user ids.
#[derive(Debug, Clone)]
pub struct Admins(pub Arc<BTreeSet<u64>>);

/// Settings the handlers need.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The bot's own id, to key claimed update ids.
    pub bot_id: u64,
    /// Commands older than this are ignored.
    pub max_update_age: Duration,
}

/// The handler tree.
pub fn schema() -> UpdateHandler<HandlerError> {
    let admin_commands = dptree::filter(is_admin_in_private)
        .branch(dptree::case![Command::Send(args)].endpoint(send))
        .branch(dptree::case![Command::Verify(args)].endpoint(verify))
        .branch(dptree::case![Command::History(args)].endpoint(history));

    let commands = teloxide::filter_command::<Command, _>()
        .branch(dptree::case![Command::Start].endpoint(help))
        .branch(dptree::case![Command::Help].endpoint(help))
        .branch(dptree::case![Command::Whoami].endpoint(whoami))
        .branch(admin_commands)
        .branch(dptree::endpoint(refuse));

    Update::filter_message()
        .filter_async(first_delivery)
        .branch(dptree::filter(is_stale_command).endpoint(ignore_stale))
        .branch(commands)
        .branch(dptree::filter(is_private_text).endpoint(unknown_command))
}

// ---- filters ----

/// Claims the update id; `false` for a repeat (or when the claim cannot be
/// written: not acting is the safe side of "exactly once").
async fn first_delivery(update: Update, db: Db, settings: Settings) -> bool {
    match db.claim_update(settings.bot_id, update.id.0).await {
        Ok(true) => true,
        Ok(false) => {
            tracing::info!(
                update_id = update.id.0,
                "skipping an update delivered again"
            );
            false
        }
        Err(err) => {
            tracing::error!(update_id = update.id.0, error = %err, "cannot claim update; not acting on it");
            false
        }
    }
}

fn is_command(msg: &Message) -> bool {
    msg.text().is_some_and(|t| t.starts_with('/'))
}

fn message_age(msg: &Message) -> Duration {
    (chrono::Utc::now() - msg.date).to_std().unwrap_or_default()
}

fn is_stale_command(msg: Message, settings: Settings) -> bool {
    is_command(&msg) && message_age(&msg) > settings.max_update_age
}

fn is_admin_in_private(msg: Message, admins: Admins) -> bool {
    refusal(&msg, &admins).is_none()
}

fn is_private_text(msg: Message) -> bool {
    msg.chat.is_private() && msg.text().is_some()
}

fn refusal(msg: &Message, admins: &Admins) -> Option<Refusal> {
    match caller_id(msg) {
        Some(id) if admins.0.contains(&id) => {
            (!msg.chat.is_private()).then_some(Refusal::NotPrivate)
        }
        _ => Some(Refusal::NotAdmin),
    }
}

// ---- helpers ----

fn caller_id(msg: &Message) -> Option<u64> {
    msg.from.as_ref().map(|user| user.id.0)
}

fn caller(msg: &Message) -> Caller {
    Caller {
        id: caller_id(msg).unwrap_or(0),
        username: msg.from.as_ref().and_then(|user| user.username.clone()),
    }
}

async fn reply(bot: &TgBot, msg: &Message, html: String) -> HandlerResult {
    let mut tries = 1;
    loop {
        match bot
            .send_message(msg.chat.id, html.clone())
            .parse_mode(ParseMode::Html)
            .await
        {
            Ok(_) => return Ok(()),
            Err(teloxide::RequestError::RetryAfter(after)) if tries < MAX_REPLY_TRIES => {
                let wait = after.duration().min(MAX_RETRY_AFTER);
                tracing::warn!(
                    wait_s = wait.as_secs(),
                    "Telegram's flood limit (429): waiting before replying"
                );
                tokio::time::sleep(wait).await;
                tries += 1;
            }
            Err(err) => return Err(err.into()),
        }
    }
}

/// Writes an audit row; on failure logs it and tells the admin, and
/// returns `None` so the caller stops.
async fn audit_or_tell(
    bot: &TgBot,
    msg: &Message,
    db: &Db,
    entry: NewEntry,
) -> Result<Option<i64>, HandlerError> {
    match db.audit(entry).await {
        Ok(id) => Ok(Some(id)),
        Err(err) => {
            tracing::error!(error = %err, "cannot write the audit log");
            reply(bot, msg, reply::audit_unavailable()).await?;
            Ok(None)
        }
    }
}

fn action_of(command: &Command) -> Option<(Action, Usage)> {
    match command {
        Command::Send(_) => Some((Action::Send, Usage::Send)),
        Command::Verify(_) => Some((Action::Verify, Usage::Verify)),
        Command::History(_) => Some((Action::History, Usage::History)),
        _ => None,
    }
}

fn parse_command(msg: &Message, me: &Me) -> Option<Command> {
    Command::parse(msg.text()?, me.username()).ok()
}

async fn invalid(
    bot: TgBot,
    msg: Message,
    update: Update,
    db: Db,
    (action, usage): (Action, Usage),
    args: &str,
    error: ArgError,
) -> HandlerResult {
    let mut entry = NewEntry::new(Some(update.id.0), caller(&msg), action, Outcome::Invalid)
        .error_kind(error.kind());
    entry.recipient = commands::recipient_hint(args);
    if audit_or_tell(&bot, &msg, &db, entry).await?.is_none() {
        return Ok(());
    }
    reply(&bot, &msg, reply::bad_arguments(usage, &error)).await
}

// ---- endpoints ----

async fn help(bot: TgBot, msg: Message) -> HandlerResult {
    reply(&bot, &msg, reply::help()).await
}

async fn whoami(bot: TgBot, msg: Message, admins: Admins) -> HandlerResult {
    let id = caller_id(&msg);
    let is_admin = id.is_some_and(|id| admins.0.contains(&id));
    reply(&bot, &msg, reply::whoami(id, is_admin)).await
}

async fn unknown_command(bot: TgBot, msg: Message) -> HandlerResult {
    reply(&bot, &msg, reply::unknown_command()).await
}

async fn ignore_stale(
    bot: TgBot,
    msg: Message,
    update: Update,
    me: Me,
    db: Db,
    settings: Settings,
) -> HandlerResult {
    let age = message_age(&msg);
    tracing::info!(
        update_id = update.id.0,
        age_s = age.as_secs(),
        "ignoring a stale command"
    );
    if let Some(command) = parse_command(&msg, &me)
        && let Some((action, _)) = action_of(&command)
    {
        let mut entry = NewEntry::new(Some(update.id.0), caller(&msg), action, Outcome::Stale)
            .error_kind("stale");
        entry.recipient = command.recipient_hint();
        if audit_or_tell(&bot, &msg, &db, entry).await?.is_none() {
            return Ok(());
        }
    }
    reply(&bot, &msg, reply::stale(age, settings.max_update_age)).await
}

async fn refuse(
    bot: TgBot,
    msg: Message,
    update: Update,
    command: Command,
    me: Me,
    admins: Admins,
    db: Db,
) -> HandlerResult {
    let Some((action, _)) = action_of(&command) else {
        return Ok(());
    };
    let refusal = refusal(&msg, &admins).unwrap_or(Refusal::NotAdmin);
    let who = caller(&msg);
    tracing::warn!(
        user_id = who.id,
        username = who.username.as_deref().unwrap_or(""),
        action = action.as_str(),
        reason = refusal.kind(),
        "refused an admin command"
    );
    let mut entry =
        NewEntry::new(Some(update.id.0), who, action, Outcome::Refused).error_kind(refusal.kind());
    entry.recipient = command.recipient_hint();
    if audit_or_tell(&bot, &msg, &db, entry).await?.is_none() {
        return Ok(());
    }
    reply(
        &bot,
        &msg,
        reply::refused(refusal, caller_id(&msg), me.username()),
    )
    .await
}

async fn send(
    bot: TgBot,
    msg: Message,
    update: Update,
    args: String,
    db: Db,
    wawp: Wawp,
    limiter: Arc<RateLimiter>,
) -> HandlerResult {
    let args = match commands::parse_send(&args) {
        Ok(args) => args,
        Err(error) => {
            return invalid(
                bot,
                msg,
                update,
                db,
                (Action::Send, Usage::Send),
                &args,
                error,
            )
            .await;
        }
    };
    let who = caller(&msg);
    let mut entry = NewEntry::new(
        Some(update.id.0),
        who.clone(),
        Action::Send,
        Outcome::Pending,
    );
    entry.recipient = Some(args.phone.clone());
    entry.lang = Some(args.lang.clone());

    if let Err(retry_in) = limiter.try_acquire(who.id) {
        tracing::warn!(user_id = who.id, "send limit reached");
        entry.outcome = Outcome::RateLimited;
        entry.error_kind = Some("rate_limited".into());
        if audit_or_tell(&bot, &msg, &db, entry).await?.is_none() {
            return Ok(());
        }
        return reply(&bot, &msg, reply::rate_limited(limiter.limit(), retry_in)).await;
    }

    // The pending row is committed before Wawp is called.
    let Some(row) = audit_or_tell(&bot, &msg, &db, entry).await? else {
        return Ok(());
    };
    let mut request = wawp.client.send_otp(&args.phone).lang(args.lang.clone());
    if let Some(footer) = &args.footer {
        request = request.footer(footer.as_str());
    }
    let result = request.await;

    let (outcome, job_id, error_kind, text) = match &result {
        Ok(sent) => {
            tracing::info!(user_id = who.id, recipient = %args.phone, lang = %args.lang, job_id = %sent.job_id, "OTP sent");
            if let Some(sandbox) = &wawp.sandbox {
                sandbox.log_last_code(&args.phone);
            }
            (
                Outcome::Sent,
                Some(sent.job_id.clone()),
                None,
                reply::sent(sent, &args.phone, &args.lang, wawp.is_dry_run()),
            )
        }
        Err(error) => {
            tracing::warn!(user_id = who.id, recipient = %args.phone, kind = error.kind().as_str(), error = %error, "OTP send failed");
            (
                Outcome::Failed,
                None,
                Some(error.kind().as_str().to_owned()),
                reply::wawp_error(Call::Send, &args.phone, error),
            )
        }
    };
    if let Err(err) = db.finish_audit(row, outcome, job_id, error_kind).await {
        tracing::error!(error = %err, row, "cannot record the send's outcome in the audit log");
    }
    reply(&bot, &msg, text).await
}

async fn verify(
    bot: TgBot,
    msg: Message,
    update: Update,
    args: String,
    db: Db,
    wawp: Wawp,
) -> HandlerResult {
    let args = match commands::parse_verify(&args) {
        Ok(args) => args,
        Err(error) => {
            return invalid(
                bot,
                msg,
                update,
                db,
                (Action::Verify, Usage::Verify),
                &args,
                error,
            )
            .await;
        }
    };
    let who = caller(&msg);
    let mut entry = NewEntry::new(
        Some(update.id.0),
        who.clone(),
        Action::Verify,
        Outcome::Pending,
    );
    entry.recipient = Some(args.phone.clone());
    let Some(row) = audit_or_tell(&bot, &msg, &db, entry).await? else {
        return Ok(());
    };

    let result = wawp
        .client
        .verify_otp(&args.phone, args.code.as_str())
        .await;
    let (outcome, error_kind, text) = match &result {
        Ok(_) => {
            tracing::info!(user_id = who.id, recipient = %args.phone, "OTP verified");
            (Outcome::Verified, None, reply::verified(&args.phone))
        }
        Err(error) => {
            tracing::info!(user_id = who.id, recipient = %args.phone, kind = error.kind().as_str(), "OTP not verified");
            (
                Outcome::Failed,
                Some(error.kind().as_str().to_owned()),
                reply::wawp_error(Call::Verify, &args.phone, error),
            )
        }
    };
    if let Err(err) = db.finish_audit(row, outcome, None, error_kind).await {
        tracing::error!(error = %err, row, "cannot record the verify's outcome in the audit log");
    }
    reply(&bot, &msg, text).await
}

async fn history(bot: TgBot, msg: Message, update: Update, args: String, db: Db) -> HandlerResult {
    let n = match commands::parse_history(&args) {
        Ok(n) => n,
        Err(error) => {
            return invalid(
                bot,
                msg,
                update,
                db,
                (Action::History, Usage::History),
                &args,
                error,
            )
            .await;
        }
    };
    match db.recent_audit(n).await {
        Ok(entries) => reply(&bot, &msg, reply::history(&entries)).await,
        Err(err) => {
            tracing::error!(error = %err, "cannot read the audit log");
            reply(&bot, &msg, reply::audit_unavailable()).await
        }
    }
}
