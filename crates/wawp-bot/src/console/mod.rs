//! Console mode (`--console`): one person talks to the bot from the
//! terminal, with no Telegram token and no network.
//!
//! # Design
//!
//! The console is a *transport*, not a second front end. The bot runs
//! exactly as in production — the same teloxide `Bot`, dispatcher, handler
//! tree, admin check, update claims, limits and audit log — but its Bot API
//! URL points at a small Bot API endpoint that this module serves on
//! `127.0.0.1` (an ephemeral port) for the length of the session:
//!
//! ```text
//! prompt ─ line ─▶ endpoint: getUpdates ─▶ teloxide Bot ─▶ handlers ─▶ store, Wawp
//! stdout ◀─ render ◀─ endpoint: sendMessage ◀───────────────┘
//! ```
//!
//! Why not make the handlers generic over teloxide's `Requester` and hand
//! them a console requester? That would touch every handler signature, and
//! the console would skip the parts of the path that live in the transport
//! (long polling, offsets, JSON (de)serialisation, the reply retries): a
//! console session would then prove less about the real bot. The endpoint
//! costs one loopback socket and speaks only the handful of methods the bot
//! uses (unknown methods get a Bot API error, so a new call shows up at once).
//! Its token is random per session, so no other local process can drive the
//! bot through it; nothing listens beyond loopback. reqwest 0.12 (teloxide's
//! HTTP client) cannot use a Unix socket, hence TCP.
//!
//! Typed lines become private-chat messages from [`CONSOLE_USER_ID`] (the
//! caller adds it to the admins); the bot's id comes from the session start
//! time, so update claims of one session never collide with an earlier
//! session's on the same database. Replies are printed as they arrive, their
//! HTML rendered as terminal styles (plain text when stdout is not a
//! terminal). End of input (EOF, Ctrl-D, Ctrl-C at the prompt) resolves
//! [`Console::finished`] once every typed line has been taken by the bot and
//! answered; the caller uses it as its shutdown signal, and the endpoint keeps
//! serving until the process exits, so replies still in flight are printed.

mod endpoint;
mod logs;
mod output;
mod prompt;
mod render;
mod rules;
mod session;
mod terminal;

use std::future::Future;
use std::io::{self, IsTerminal};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::SecretString;

pub use logs::{LogLine, LogSink};
pub use render::{Styling, render_html};
pub use rules::{MAX_MESSAGE_LEN, check_message};
pub use session::{CONSOLE_BOT_USERNAME, CONSOLE_USER_ID, CONSOLE_USERNAME};

use output::Output;
use session::Shared;

/// A running console session; see the [module docs](self).
#[derive(Debug)]
pub struct Console {
    shared: Arc<Shared>,
    api_url: url::Url,
    /// Set for an interactive prompt: puts the terminal back on drop.
    _terminal: Option<terminal::Restore>,
}

impl Console {
    /// Starts the Bot API endpoint and the prompt. The prompt edits lines
    /// (with history) when stdin and stdout are a terminal, and reads plain
    /// lines otherwise; replies are styled when stdout is a terminal.
    ///
    /// Keep the `Console` until the bot has stopped: dropping it puts the
    /// terminal back as it was, even if the bot stopped on a signal while
    /// the prompt was active.
    pub async fn start() -> io::Result<Console> {
        let interactive = io::stdin().is_terminal() && io::stdout().is_terminal();
        let styling = if io::stdout().is_terminal() && !no_color() {
            Styling::Ansi
        } else {
            Styling::Plain
        };
        let mut console = Console::serve(styling).await?;
        if interactive {
            console._terminal = Some(terminal::Restore::save());
            eprintln!(
                "wawp-bot console: you are an admin (user id {CONSOLE_USER_ID}). Type /help; Ctrl-D quits."
            );
        }
        prompt::spawn(console.shared.clone(), interactive)?;
        Ok(console)
    }

    async fn serve(styling: Styling) -> io::Result<Console> {
        let session_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_millis() as u64;
        let token = format!("{session_ms}:console-{:032x}", rand::random::<u128>());
        let shared = Arc::new(Shared::new(
            SecretString::from(token),
            session_ms,
            Output::new(styling),
        ));

        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("console: cannot listen on 127.0.0.1: {e}"),
                )
            })?;
        let addr = listener.local_addr()?;
        let app = endpoint::router(shared.clone());
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::error!(error = %err, "the console's Bot API endpoint stopped");
            }
        });
        let api_url = url::Url::parse(&format!("http://{addr}/"))
            .map_err(|e| io::Error::other(format!("console: {e}")))?;
        Ok(Console {
            shared,
            api_url,
            _terminal: None,
        })
    }

    /// The Bot API URL to give the bot (`TELEGRAM_API_URL`).
    pub fn api_url(&self) -> url::Url {
        self.api_url.clone()
    }

    /// The bot token to give the bot: random, valid for this session only.
    pub fn token(&self) -> SecretString {
        self.shared.token.clone()
    }

    /// The console user's Telegram id: add it to the admins.
    pub fn user_id(&self) -> u64 {
        CONSOLE_USER_ID
    }

    /// The bot id `getMe` reports in this session.
    pub fn bot_id(&self) -> u64 {
        self.shared.bot_id
    }

    /// Resolves after end of input, once every typed line has been taken by
    /// the bot and answered (or the bot has been idle for two seconds after
    /// taking them). Use it as the bot's shutdown signal.
    pub fn finished(&self) -> impl Future<Output = ()> + Send + 'static {
        let shared = self.shared.clone();
        async move {
            loop {
                let changed = shared.changed.notified();
                if shared.finished() {
                    return;
                }
                let _ = tokio::time::timeout(Duration::from_millis(100), changed).await;
            }
        }
    }
}

/// `NO_COLOR` set to anything non-empty (<https://no-color.org>).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[tokio::test]
    async fn debug_output_never_shows_the_session_token() {
        let console = Console::serve(Styling::Plain).await.unwrap();
        let token = console.token().expose_secret().to_owned();
        assert!(token.starts_with(&format!("{}:console-", console.bot_id())));
        let shown = format!("{console:?}");
        assert!(!shown.contains(&token), "{shown}");
        assert_eq!(console.api_url().host_str(), Some("127.0.0.1"));
    }
}
