//! The only values a metric label can take.
//!
//! Every label value is a `&'static str` from one of the closed enums below,
//! so no phone number, user id, chat id, code or free text can ever become a
//! label (which would also make the number of series unbounded).

use std::fmt;

macro_rules! label_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The label value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

label_enum! {
    /// The `command` label of `wawp_bot_commands_total`.
    CommandLabel {
        /// `/start`.
        Start => "start",
        /// `/help`.
        Help => "help",
        /// `/whoami`.
        Whoami => "whoami",
        /// `/langs`.
        Langs => "langs",
        /// `/send`.
        Send => "send",
        /// `/verify`.
        Verify => "verify",
        /// `/history`.
        History => "history",
        /// Text that is not a known command.
        Unknown => "unknown",
    }
}

impl CommandLabel {
    /// The label of a command name as typed (`"send"`, `"/send"`,
    /// `"send@my_bot"`); anything that is not a known command is
    /// [`CommandLabel::Unknown`], so typed text never becomes a label.
    pub fn from_name(name: &str) -> CommandLabel {
        let name = name.trim_start_matches('/');
        let name = name.split('@').next().unwrap_or_default();
        CommandLabel::ALL
            .iter()
            .copied()
            .find(|label| label.as_str().eq_ignore_ascii_case(name))
            .unwrap_or(CommandLabel::Unknown)
    }
}

label_enum! {
    /// The `outcome` label of `wawp_bot_commands_total`.
    OutcomeLabel {
        /// Answered (commands without a Wawp call).
        Answered => "answered",
        /// A code was sent.
        Sent => "sent",
        /// A code was verified.
        Verified => "verified",
        /// Wawp (or the network) failed or said no.
        Failed => "failed",
        /// The caller may not use the command here.
        Refused => "refused",
        /// The arguments could not be parsed.
        Invalid => "invalid",
        /// The per-admin send limit was reached.
        RateLimited => "rate_limited",
        /// The command was older than the maximum age.
        Stale => "stale",
        /// The audit log could not be written; nothing was done.
        AuditUnavailable => "audit_unavailable",
        /// The update was delivered again and skipped.
        Duplicate => "duplicate",
        /// The Wawp call started in a worker that died or hung: its end is
        /// unknown and it is not made again.
        Unknown => "unknown",
    }
}

label_enum! {
    /// The `call` label of the Wawp call metrics.
    WawpCall {
        /// Sending a code.
        Send => "send",
        /// Verifying a code.
        Verify => "verify",
    }
}

label_enum! {
    /// The `kind` label of `wawp_bot_telegram_errors_total`.
    TelegramErrorLabel {
        /// Telegram answered with an API error (bad request, blocked, ...).
        Api => "api",
        /// Telegram's flood limit (429).
        RetryAfter => "retry_after",
        /// The group moved to a supergroup.
        Migrated => "migrated",
        /// The connection failed or timed out.
        Network => "network",
        /// The answer was not the JSON the Bot API promises.
        BadJson => "bad_json",
        /// A local I/O error.
        Io => "io",
        /// Anything else.
        Other => "other",
    }
}

impl From<&teloxide::RequestError> for TelegramErrorLabel {
    fn from(error: &teloxide::RequestError) -> Self {
        use teloxide::RequestError as E;
        match error {
            E::Api(_) => TelegramErrorLabel::Api,
            E::RetryAfter(_) => TelegramErrorLabel::RetryAfter,
            E::MigrateToChatId(_) => TelegramErrorLabel::Migrated,
            E::Network(_) => TelegramErrorLabel::Network,
            E::InvalidJson { .. } => TelegramErrorLabel::BadJson,
            E::Io(_) => TelegramErrorLabel::Io,
            #[allow(unreachable_patterns)]
            _ => TelegramErrorLabel::Other,
        }
    }
}
