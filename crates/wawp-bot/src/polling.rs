//! Long polling, alone (SQLite) or as the leader of replicas sharing a
//! PostgreSQL database (issue 14 item 4, issue 19 item 3): one replica holds
//! the polling lease and polls, the others stand by until its heartbeat
//! grows old.

use teloxide::prelude::*;

use crate::config::Config;
use crate::inbox::Receiver;
use crate::listener::{self, Polling, Stop};
use crate::ops::{Metrics, Readiness};
use crate::standby::{Leader, Leadership, LockKey, StandbyError};
use crate::store::StoreTarget;

/// Why long polling with PostgreSQL replicas stopped (or could not start).
/// One line without the database password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PollError {
    /// The PostgreSQL URL or its credentials cannot be used: a setting to
    /// fix (exit 2).
    #[error(transparent)]
    Setting(StandbyError),
    /// Seeking the polling lease failed: exit non-zero so that the service
    /// manager restarts this replica as a standby.
    #[error("hot standby: {0}")]
    Standby(StandbyError),
    /// The task seeking the polling lease ended without an answer.
    #[error("hot standby: seeking the polling lease stopped")]
    SeekingStopped,
    /// This replica lost the polling lease and stopped polling.
    #[error(
        "hot standby: lost the PostgreSQL polling lease; stopped polling so that another replica takes over"
    )]
    LeaseLost,
}

impl PollError {
    /// Whether a setting must be fixed (retrying cannot help).
    pub fn is_setting(&self) -> bool {
        matches!(self, PollError::Setting(_))
    }
}

impl From<StandbyError> for PollError {
    /// A bad URL or refused credentials are settings to fix; anything else
    /// leaves this replica a standby to restart.
    fn from(err: StandbyError) -> Self {
        match err {
            StandbyError::Refused | StandbyError::InvalidUrl => PollError::Setting(err),
            err => PollError::Standby(err),
        }
    }
}

/// Long polling until `stop` or, on PostgreSQL, until this replica loses
/// the polling lease (then an error: exit non-zero, restart as a standby).
pub(crate) async fn poll(
    config: &Config,
    bot: &Bot,
    leader: Option<Leader>,
    stop: &Stop,
    inbox: &Receiver,
    (metrics, readiness): (Metrics, Readiness),
) -> Result<(), PollError> {
    tracing::info!("polling for updates");
    let polling = Polling {
        timeout: config.poll_timeout,
        metrics,
        lease: leader.as_ref().map(Leader::lost_signal),
        readiness,
    };
    let Some(leader) = leader else {
        listener::run(bot, polling, stop, inbox).await;
        return Ok(());
    };
    let lost = leader.lost_signal();
    let poll_stop = Stop::on({
        let stop = stop.clone();
        async move {
            tokio::select! {
                _ = stop.wait() => {}
                () = lost.wait() => {}
            }
        }
    });
    listener::run(bot, polling, &poll_stop, inbox).await;
    if leader.is_lost() && !stop.requested() {
        return Err(PollError::LeaseLost);
    }
    if let Err(err) = leader.release().await {
        tracing::warn!(error = %err, "releasing the polling lease failed; a standby takes over once it runs out");
    }
    Ok(())
}

/// With PostgreSQL and long polling, waits for the polling lease (one replica
/// polls, the others stand by): `Some(Some(leader))`. `Some(None)` when no
/// lease is needed, `None` when stopped while standing by.
pub(crate) async fn lead(
    config: &Config,
    stop: &Stop,
    readiness: &Readiness,
) -> Result<Option<Option<Leader>>, PollError> {
    let (StoreTarget::Postgres(url), None) = (&config.store, &config.webhook) else {
        return Ok(Some(None));
    };
    // `new` fails only on a URL that does not parse: a setting.
    let leadership = Leadership::new(url, LockKey::for_bot(config.bot_id()))?;
    tracing::info!(
        "PostgreSQL with long polling: taking the polling lease (other replicas stand by)"
    );
    // A standby is alive: it waits to take over.
    let mut acquiring = tokio::spawn(async move { leadership.acquire().await });
    let alive = readiness.alive_while(acquiring.abort_handle());
    let leader = tokio::select! {
        _ = stop.wait() => {
            acquiring.abort();
            return Ok(None);
        }
        leader = &mut acquiring => leader,
    };
    alive.abort();
    let Ok(leader) = leader else {
        return Err(PollError::SeekingStopped);
    };
    let leader = leader?;
    tracing::info!("this replica holds the polling lease");
    Ok(Some(Some(leader)))
}
