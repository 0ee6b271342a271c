//! How the running bot feeds the ops module: the ops server started from
//! the configuration, and one `wawp_bot_commands_total` sample per handled
//! command.
//!
//! A command's outcome is only known deep in the handler tree (the audited
//! step). Each update's handling gets its own [`Noted`] slot, handed to the
//! handlers as a value (in their context); the audited step notes the
//! outcome there, and the caller records the sample once the update is done,
//! labelled with the command's name.

use std::sync::{Arc, Mutex};

use teloxide::types::{Update, UpdateKind};

use super::{CommandLabel, DbProbe, Metrics, OpsServer, OutcomeLabel, Readiness};
use crate::config::Config;
use crate::stop::Stop;
use crate::store::{Outcome, Store};

/// Why the ops server (`--metrics-listen`) cannot start: a setting to fix
/// (exit 2). One line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpsError {
    /// The address is the public webhook address ([`super::check_not_public`]).
    #[error("{0}")]
    Public(String),
    /// The address cannot be bound (the error names it).
    #[error(transparent)]
    Bind(std::io::Error),
}

impl OpsError {
    /// Whether a setting must be fixed: every case.
    pub fn is_setting(&self) -> bool {
        match self {
            OpsError::Public(_) | OpsError::Bind(_) => true,
        }
    }
}

/// What came of one update's command, noted by the handlers (the last note
/// wins). Cheap to clone: the clones share the slot.
#[derive(Debug, Clone, Default)]
pub(crate) struct Noted(Arc<Mutex<Option<OutcomeLabel>>>);

impl Noted {
    /// Notes `outcome`.
    pub(crate) fn note(&self, outcome: OutcomeLabel) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome);
    }

    /// Notes an audited outcome; `Pending` notes nothing (the call is running).
    pub(crate) fn note_audited(&self, outcome: Outcome) {
        let label = match outcome {
            Outcome::Pending => return,
            Outcome::Sent => OutcomeLabel::Sent,
            Outcome::Verified => OutcomeLabel::Verified,
            Outcome::Failed => OutcomeLabel::Failed,
            Outcome::Refused => OutcomeLabel::Refused,
            Outcome::Invalid => OutcomeLabel::Invalid,
            Outcome::RateLimited => OutcomeLabel::RateLimited,
            Outcome::Stale => OutcomeLabel::Stale,
            Outcome::Unknown => OutcomeLabel::Unknown,
        };
        self.note(label);
    }

    /// What was noted, if anything.
    pub(crate) fn get(&self) -> Option<OutcomeLabel> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The command an update carries, as the handlers parse it: a message whose
/// text starts with `/`, addressed to this bot (`bot_username`). A command
/// for another bot (`/verify@other_bot`) is not this bot's: `None`.
pub(crate) fn command_of(update: &Update, bot_username: &str) -> Option<CommandLabel> {
    use crate::commands::{Command, parse_command};
    let UpdateKind::Message(msg) = &update.kind else {
        return None;
    };
    let text = msg.text()?;
    let word = text.split_whitespace().next()?;
    if !word.starts_with('/') {
        return None;
    }
    if let Some((_, bot)) = word.split_once('@')
        && !bot.eq_ignore_ascii_case(bot_username)
    {
        return None;
    }
    Some(match parse_command(text, bot_username) {
        Some(Command::Start) => CommandLabel::Start,
        Some(Command::Help) => CommandLabel::Help,
        Some(Command::Whoami) => CommandLabel::Whoami,
        Some(Command::Langs) => CommandLabel::Langs,
        Some(Command::Send(_)) => CommandLabel::Send,
        Some(Command::Verify(_)) => CommandLabel::Verify,
        Some(Command::History(_)) => CommandLabel::History,
        None => CommandLabel::Unknown,
    })
}

/// The bot's metrics, its readiness (draining from the moment `stop` is
/// requested), and the ops server serving them when `--metrics-listen` is
/// set (abort the task to stop it). A bad address is a setting to fix
/// (exit 2).
pub(crate) async fn start(
    config: &Config,
    store: &Store,
    stop: &Stop,
) -> Result<(Metrics, Readiness, Option<tokio::task::JoinHandle<()>>), OpsError> {
    let Some(addr) = config.metrics_listen else {
        let readiness = Readiness::new(Metrics::disabled(), DbProbe::new(|| async { Ok(()) }));
        return Ok((Metrics::disabled(), readiness, None));
    };
    super::check_not_public(addr, config.webhook.as_ref().map(|hook| hook.listen))
        .map_err(OpsError::Public)?;
    if !addr.ip().is_loopback() {
        tracing::warn!(
            %addr,
            "--metrics-listen is not a loopback address: anyone who can reach it sees /healthz, /readyz (which check fails and why) and /metrics (command counts by outcome, error kinds, version, process memory and CPU); prefer 127.0.0.1 or firewall the port"
        );
    }
    let server = OpsServer::bind(addr).await.map_err(OpsError::Bind)?;
    let metrics = Metrics::new();
    let db = DbProbe::new({
        let store = store.clone();
        move || {
            let store = store.clone();
            async move { store.check_writable().await.map_err(|e| e.to_string()) }
        }
    });
    let readiness = Readiness::new(metrics.clone(), db);
    tokio::spawn({
        let (readiness, stop) = (readiness.clone(), stop.clone());
        async move {
            stop.wait().await;
            readiness.set_draining();
        }
    });
    tracing::info!(%addr, "serving /healthz, /readyz and /metrics");
    let task = tokio::spawn({
        let (metrics, readiness) = (metrics.clone(), readiness.clone());
        async move {
            if let Err(err) = server
                .serve(metrics, readiness, std::future::pending())
                .await
            {
                tracing::error!(error = %err, "the ops server stopped");
            }
        }
    });
    Ok((metrics, readiness, Some(task)))
}
