//! How the running bot feeds the ops module: the ops server started from
//! the configuration, and one `wawp_bot_commands_total` sample per handled
//! command.
//!
//! A command's outcome is only known deep in the handler tree (the audited
//! step). Rather than thread the metrics through every endpoint, the update's
//! handling runs in a task-local scope ([`observe`]); the audited step notes
//! the outcome there ([`note`]), and the caller records the sample once the
//! update is done, labelled with the command's name.

use std::cell::Cell;
use std::future::Future;

use teloxide::types::{Update, UpdateKind};

use super::{CommandLabel, DbProbe, Metrics, OpsServer, OutcomeLabel, Readiness};
use crate::config::Config;
use crate::error::RunError;
use crate::store::{Outcome, Store};

tokio::task_local! {
    static NOTED: Cell<Option<OutcomeLabel>>;
}

/// Notes what came of the command being handled (the last note wins).
/// Outside [`observe`] it does nothing.
pub(crate) fn note(outcome: OutcomeLabel) {
    let _ = NOTED.try_with(|noted| noted.set(Some(outcome)));
}

/// Notes an audited outcome; `Pending` notes nothing (the call is running).
pub(crate) fn note_audited(outcome: Outcome) {
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
    note(label);
}

/// The command an update carries (a message whose text starts with `/`).
pub(crate) fn command_of(update: &Update) -> Option<CommandLabel> {
    let UpdateKind::Message(msg) = &update.kind else {
        return None;
    };
    let text = msg.text()?.trim_start();
    let name = text.split_whitespace().next()?;
    name.starts_with('/').then(|| CommandLabel::from_name(name))
}

/// Runs `handling` with a scope for [`note`]; returns its output and the
/// outcome noted, if any.
pub(crate) async fn observe<F: Future>(handling: F) -> (F::Output, Option<OutcomeLabel>) {
    NOTED
        .scope(Cell::new(None), async {
            let output = handling.await;
            (output, NOTED.with(Cell::get))
        })
        .await
}

/// The bot's metrics, and the ops server serving them when
/// `--metrics-listen` is set (abort the task to stop it). A bad address is a
/// setting to fix (exit 2).
pub(crate) async fn start(
    config: &Config,
    store: &Store,
) -> Result<(Metrics, Option<tokio::task::JoinHandle<()>>), RunError> {
    let Some(addr) = config.metrics_listen else {
        return Ok((Metrics::disabled(), None));
    };
    super::check_not_public(addr, config.webhook.as_ref().map(|hook| hook.listen))
        .map_err(RunError::Setting)?;
    let server = OpsServer::bind(addr)
        .await
        .map_err(|err| RunError::Setting(err.to_string()))?;
    let metrics = Metrics::new();
    let db = DbProbe::new({
        let store = store.clone();
        move || {
            let store = store.clone();
            async move { store.check_writable().await.map_err(|e| e.to_string()) }
        }
    });
    let readiness = Readiness::new(metrics.clone(), db);
    tracing::info!(%addr, "serving /healthz, /readyz and /metrics");
    let task = tokio::spawn({
        let metrics = metrics.clone();
        async move {
            if let Err(err) = server
                .serve(metrics, readiness, std::future::pending())
                .await
            {
                tracing::error!(error = %err, "the ops server stopped");
            }
        }
    });
    Ok((metrics, Some(task)))
}
