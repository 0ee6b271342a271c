//! Long polling, alone (SQLite) or as the leader of replicas sharing a
//! PostgreSQL database (issue 14 item 4): one replica holds the advisory lock
//! and polls, the others stand by until it is gone.

use teloxide::prelude::*;

use crate::config::Config;
use crate::error::RunError;
use crate::inbox::Receiver;
use crate::listener::{self, Polling, Stop};
use crate::ops::Metrics;
use crate::standby::{Leader, Leadership, LockKey, StandbyError};
use crate::store::StoreTarget;

/// Long polling until `stop` or, on PostgreSQL, until this replica loses
/// the polling lock (then an error: exit non-zero, restart as a standby).
pub(crate) async fn poll(
    config: &Config,
    bot: &Bot,
    leader: Option<Leader>,
    stop: &Stop,
    inbox: &Receiver,
    metrics: Metrics,
) -> Result<(), RunError> {
    tracing::info!("polling for updates");
    let polling = Polling {
        timeout: config.poll_timeout,
        metrics,
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
        return Err(RunError::Standby(
            "lost the PostgreSQL polling lock; stopped polling so that another replica takes over"
                .into(),
        ));
    }
    if let Err(err) = leader.release().await {
        tracing::warn!(error = %err, "releasing the polling lock failed; it is freed when the connection closes");
    }
    Ok(())
}

/// With PostgreSQL and long polling, waits for the polling lock (one replica
/// polls, the others stand by): `Some(Some(leader))`. `Some(None)` when no
/// lock is needed, `None` when stopped while standing by.
pub(crate) async fn lead(config: &Config, stop: &Stop) -> Result<Option<Option<Leader>>, RunError> {
    let (StoreTarget::Postgres(url), None) = (&config.store, &config.webhook) else {
        return Ok(Some(None));
    };
    let leadership = Leadership::new(url, LockKey::for_bot(config.bot_id()))
        .map_err(|err| RunError::Setting(err.to_string()))?;
    tracing::info!(
        "PostgreSQL with long polling: taking the polling lock (other replicas stand by)"
    );
    let leader = tokio::select! {
        _ = stop.wait() => return Ok(None),
        leader = leadership.acquire() => leader,
    };
    match leader {
        Ok(leader) => {
            tracing::info!("this replica holds the polling lock");
            Ok(Some(Some(leader)))
        }
        Err(err @ (StandbyError::Refused | StandbyError::InvalidUrl)) => {
            Err(RunError::Setting(err.to_string()))
        }
        Err(err) => Err(RunError::Standby(err.to_string())),
    }
}
