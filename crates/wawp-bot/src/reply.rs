//! The texts the bot replies with, in Telegram's HTML parse mode.
//!
//! Everything that comes from a user or a server (usernames, Wawp's
//! messages, job ids) goes through [`escape`]; server text (job ids, Wawp's
//! messages) and stored rows are first cleaned and bounded by
//! [`crate::server_text`]. Phone numbers only ever
//! appear masked; codes and tokens never appear.

use std::time::Duration;

use teloxide::utils::html::escape;

use crate::commands::{ArgError, HISTORY_DEFAULT, HISTORY_MAX};
use crate::server_text::{clean_html, message_html};
use crate::store::Entry;

/// Which command a usage text is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// `/send`
    Send,
    /// `/verify`
    Verify,
    /// `/history`
    History,
}

/// `/start` and `/help` for someone who is not an admin: what the bot is and
/// how to ask for access, no admin instructions.
pub fn help_public() -> String {
    "<b>Wawp OTP bot</b>\n\
     This bot lets a company's support team send WhatsApp one-time codes. \
     Only the people who run it can use it.\n\n\
     To ask for access, send /whoami and give the number it shows (your Telegram user id) \
     to whoever runs the bot."
        .to_owned()
}

/// `/langs`: the language codes Wawp documents, with their names.
pub fn langs() -> String {
    let mut text = format!(
        "<b>Languages</b> ({} codes; default en):",
        wawp::Lang::DOCUMENTED.len()
    );
    for lang in wawp::Lang::DOCUMENTED {
        text.push_str(&format!(
            "\n<code>{}</code> {}",
            lang.as_str(),
            escape(lang.name().unwrap_or(""))
        ));
    }
    text
}

/// `/start` and `/help` for an admin.
pub fn help() -> String {
    format!(
        "<b>Wawp OTP bot</b>\n\
         Support admins send WhatsApp one-time codes through Wawp and check the code a customer reads back. \
         Every send and verify is written to an audit log.\n\n\
         {send}\n\n{verify}\n\n{history}\n\n\
         /langs — the language codes\n\
         /whoami — your Telegram user id (whoever runs the bot adds admins by id)\n\n\
         Admin commands work in a private chat with the bot, for the admins listed in <code>WAWP_BOT_ADMINS</code>.",
        send = usage(Usage::Send),
        verify = usage(Usage::Verify),
        history = usage(Usage::History),
    )
}

/// How to use one command, with examples.
pub fn usage(command: Usage) -> String {
    match command {
        Usage::Send => "/send &lt;phone&gt; [lang [footer…]] — send a code over WhatsApp.\n\
             phone: international, with + and the country code; lang: a language code, default en \
             (/langs lists them); footer: text added to the message.\n\
             e.g. <code>/send +201234567890</code>\n\
             <code>/send +20 123 456 7890 ar Welcome to Acme</code>"
            .to_owned(),
        Usage::Verify => {
            "/verify &lt;phone&gt; &lt;code&gt; — check the 6-digit code the customer received.\n\
             e.g. <code>/verify +201234567890 123456</code>"
                .to_owned()
        }
        Usage::History => format!(
            "/history [n] — the last n audit entries (default {HISTORY_DEFAULT}, at most {HISTORY_MAX}).\n\
             e.g. <code>/history 20</code>"
        ),
    }
}

/// Bad or missing arguments: what is wrong, then the usage.
pub fn bad_arguments(command: Usage, error: &ArgError) -> String {
    let what = match error {
        ArgError::Missing => "Missing arguments.".to_owned(),
        other => format!("{}.", capitalise(&escape(&other.to_string()))),
    };
    // `/history` sends nothing in any case.
    let nothing_sent = match command {
        Usage::Send | Usage::Verify => " Nothing was sent.",
        Usage::History => "",
    };
    format!("⚠️ {what}{nothing_sent}\n\n{}", usage(command))
}

/// `/whoami`.
pub fn whoami(id: Option<u64>, is_admin: bool) -> String {
    match id {
        None => "I cannot see your user id in this chat (anonymous admin or channel). Ask in a private chat with me.".to_owned(),
        Some(id) if is_admin => format!("Your Telegram user id is <code>{id}</code>. You are an admin of this bot."),
        Some(id) => format!(
            "Your Telegram user id is <code>{id}</code>.\n\
             To become an admin, give it to whoever runs the bot (they add it to <code>WAWP_BOT_ADMINS</code>)."
        ),
    }
}

/// An admin command from someone who is not an admin.
pub fn refused(id: Option<u64>) -> String {
    format!(
        "⛔ Only this bot's admins may use that command. Nothing was sent; the attempt was logged.\n\
         Your user id is <code>{}</code>: give it to whoever runs the bot if you should be an admin.",
        id.map_or_else(|| "unknown".to_owned(), |id| id.to_string())
    )
}

/// The one line everyone gets in a group (the bot then leaves).
pub fn private_only(bot_username: &str) -> String {
    format!(
        "This bot works only in a private chat: message @{}. Leaving this chat.",
        escape(bot_username)
    )
}

/// A command older than the maximum age.
pub fn stale(age: Duration, max: Duration) -> String {
    format!(
        "🕰 Ignored a command sent {} ago: commands older than {} are not carried out \
         (the bot was probably offline). Nothing was sent; send it again if you still need it.",
        human(age),
        human(max)
    )
}

/// The per-admin send limit is reached.
pub fn rate_limited(limit: u32, retry_in: Duration) -> String {
    format!(
        "🚦 You have reached the limit of {limit} sends per minute. Nothing was sent; try again in {}.",
        human(retry_in)
    )
}

/// The audit row could not be written, so the bot did nothing.
pub fn audit_unavailable() -> String {
    "⚠️ The audit log cannot be written right now, so nothing was done. \
     Tell whoever runs the bot (see its log)."
        .to_owned()
}

/// A command taken over from a worker that died or hung after its Wawp call
/// started: the call is not made again.
pub fn outcome_unknown() -> String {
    "⚠️ Outcome unknown: a code may have been sent — check /history before sending again."
        .to_owned()
}

/// The audit log cannot be read, for `/history`.
pub fn audit_unreadable() -> String {
    "⚠️ The audit log cannot be read right now. Tell whoever runs the bot (see its log).".to_owned()
}

/// A successful send.
pub fn sent(
    sent: &wawp::SentOtp,
    recipient: &wawp::PhoneNumber,
    lang: &wawp::Lang,
    dry_run: bool,
) -> String {
    let lang = match lang.name() {
        Some(name) => format!("{} ({name})", lang.as_str()),
        None => lang.as_str().to_owned(),
    };
    let mut text = format!(
        "✅ Code sent to <b>{}</b>\nLanguage: {}\nJob: <code>{}</code>\nExpires in {}",
        escape(&recipient.masked()),
        escape(&lang),
        clean_html(&sent.job_id),
        human(sent.expires_in)
    );
    if dry_run {
        text.push_str("\n\n🧪 Sandbox: no WhatsApp message left; the code is in the bot's log.");
    }
    text
}

/// A successful verify.
pub fn verified(recipient: &wawp::PhoneNumber) -> String {
    format!(
        "✅ Verified: <b>{}</b> entered the right code.",
        escape(&recipient.masked())
    )
}

/// A verify Wawp answered without confirming the code.
pub fn not_verified(recipient: &wawp::PhoneNumber, outcome: &wawp::VerifyOutcome) -> String {
    use wawp::VerifyOutcome as O;
    let to = escape(&recipient.masked());
    match outcome {
        O::Verified(_) => verified(recipient),
        O::LockedOut { retry_after, .. } => format!(
            "🔒 Too many wrong codes for {to}: verification is locked out. Try again in {}.",
            match retry_after {
                Some(after) => format!("{} min", after.as_secs().div_ceil(60).max(1)),
                None => "about 15 min".to_owned(),
            }
        ),
        O::WrongCode {
            message: Some(message),
            ..
        }
        | O::NoActiveCode {
            message: Some(message),
        }
        | O::Other {
            message: Some(message),
            ..
        } => format!("❌ Not verified: {}", message_html(message)),
        O::NoActiveCode { message: None } => {
            format!("❌ Not verified: {to} has no active code (expired, used or never sent).")
        }
        _ => format!("❌ Not verified: Wawp did not accept the code for {to}."),
    }
}

/// Which call failed, for [`wawp_error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `/send`
    Send,
    /// `/verify`
    Verify,
}

/// A failed Wawp call, in words an admin can act on.
pub fn wawp_error(call: Call, recipient: &wawp::PhoneNumber, error: &wawp::Error) -> String {
    use wawp::Error as E;
    let to = escape(&recipient.masked());
    match error {
        E::SendCooldown { retry_after } => format!(
            "⏳ Wawp allows one code per recipient per minute: try again in {} s. Nothing was sent to {to}.",
            retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0)
        ),
        E::Unauthorized { .. } => {
            "🔑 Wawp refused the bot's credentials: the bot's Wawp instance id or access token \
             (<code>WAWP_INSTANCE_ID</code> / <code>WAWP_ACCESS_TOKEN</code>) is wrong or revoked. \
             Nothing was sent. Tell whoever runs the bot."
                .to_owned()
        }
        E::Rejected { message, .. } => match call {
            Call::Verify => format!("❌ Not verified: {}", message_html(message)),
            Call::Send => format!("❌ Wawp refused to send to {to}: {}", message_html(message)),
        },
        E::Server { status, .. } => format!(
            "⚠️ Wawp is having trouble (HTTP {status}). {} Try again in a minute.",
            match call {
                Call::Send => "The code was most likely not sent.",
                Call::Verify => "The code was not checked.",
            }
        ),
        // A send whose answer says nothing about the outcome (502/503/504,
        // or the connection broke after the request went out).
        E::OutcomeUnknown { status, .. } => {
            let what = match status {
                0 => "⚠️ The connection to Wawp broke during the call.".to_owned(),
                status => format!("⚠️ Wawp is having trouble (HTTP {status})."),
            };
            match call {
                Call::Send => format!(
                    "{what} A code may have been sent to {to}: check /history and ask the customer before sending again."
                ),
                Call::Verify => format!("{what} The code was not confirmed. Try again."),
            }
        }
        E::Timeout { .. } => match call {
            Call::Send => {
                "⌛ Wawp did not answer in time. The code may or may not have been sent: \
                 check with the customer before sending again."
                    .to_owned()
            }
            Call::Verify => {
                "⌛ Wawp did not answer in time; the code was not confirmed. Try again.".to_owned()
            }
        },
        E::Connection { .. } => {
            "📡 Cannot reach Wawp right now. Nothing was sent; try again shortly.".to_owned()
        }
        E::UnparseableBody { status, .. } => format!(
            "⚠️ Wawp answered (HTTP {status}) with something the bot cannot read. \
             Check /history and try again later."
        ),
        _ => format!(
            "⚠️ Wawp call failed ({}). Tell whoever runs the bot.",
            error.kind().as_str()
        ),
    }
}

/// `/history`: the entries, newest first.
pub fn history(entries: &[Entry]) -> String {
    if entries.is_empty() {
        return "The audit log is empty.".to_owned();
    }
    let mut text = match entries.len() {
        1 => "<b>Last 1 audit entry</b>:".to_owned(),
        n => format!("<b>Last {n} audit entries</b>, newest first:"),
    };
    for entry in entries {
        let who = match &entry.caller.username {
            Some(name) => format!("@{} ({})", clean_html(name), entry.caller.id),
            None => entry.caller.id.to_string(),
        };
        text.push_str(&format!(
            "\n{} · {who} · {}",
            entry.at.format("%Y-%m-%d %H:%M:%S UTC"),
            clean_html(&entry.action)
        ));
        // Every stored text is cleaned and bounded as it is shown: a row
        // written by an older version (or by hand) never breaks the reply.
        for part in [&entry.recipient, &entry.lang].into_iter().flatten() {
            text.push(' ');
            text.push_str(&clean_html(part));
        }
        // A row still pending was written before a Wawp call whose end the
        // bot did not record (a crash, or a call in flight right now); an
        // unknown one was taken over after such a crash.
        let outcome = match entry.outcome.as_str() {
            "pending" | "unknown" => "outcome unknown",
            other => other,
        };
        text.push_str(&format!(" · <b>{}</b>", clean_html(outcome)));
        if let Some(kind) = &entry.error_kind {
            text.push_str(&format!(" ({})", clean_html(kind)));
        }
        if let Some(job) = &entry.job_id {
            text.push_str(&format!(" · job <code>{}</code>", clean_html(job)));
        }
    }
    text
}

/// An unknown command in a private chat.
pub fn unknown_command() -> String {
    "I don't know that command. /help lists what I can do.".to_owned()
}

/// A duration as people say it: `45 s`, `5 min`, `2 min 5 s`.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human(Duration::from_secs(45)), "45 s");
        assert_eq!(human(Duration::from_secs(300)), "5 min");
        assert_eq!(human(Duration::from_millis(125_500)), "2 min 6 s");
    }

    #[test]
    fn a_history_count_out_of_range_says_the_range_and_nothing_about_sending() {
        let text = bad_arguments(Usage::History, &ArgError::Count);
        assert!(
            text.starts_with("⚠️ The count must be a whole number from 1 to 50.\n\n/history [n]"),
            "{text}"
        );
        assert!(!text.contains("Nothing was sent"), "{text}");
    }

    #[test]
    fn server_text_is_escaped() {
        let phone: wawp::PhoneNumber = "+201234567890".parse().unwrap();
        let error = wawp::Error::Rejected {
            status: 400,
            message: "<b>bad</b> & worse".into(),
        };
        let text = wawp_error(Call::Verify, &phone, &error);
        assert!(
            text.contains("&lt;b&gt;bad&lt;/b&gt; &amp; worse"),
            "{text}"
        );
    }
}
