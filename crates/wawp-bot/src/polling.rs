//! Long polling, alone (SQLite) or as the leader of replicas sharing a
//! PostgreSQL database (issue 14 item 4, issue 19 item 3): one replica holds
//! the polling lease and polls, the others stand by until its heartbeat
//! grows old.

use teloxide::prelude::*;

use crate::config::Config;
use crate::error::RunError;
use crate::inbox::Receiver;
use crate::listener::{self, Polling, Stop};
use crate::ops::{Metrics, Readiness};
use crate::standby::{Leader, Leadership, LockKey, StandbyError};
use crate::store::StoreTarget;

/// Long polling until `stop` or, on PostgreSQL, until this replica loses
/// the polling lease (then an error: exit non-zero, restart as a standby).
pub(crate) async fn poll(
    config: &Config,
    bot: &Bot,
    leader: Option<Leader>,
    stop: &Stop,
    inbox: &Receiver,
    (metrics, readiness): (Metrics, Readiness),
) -> Result<(), RunError> {
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
        return Err(RunError::Standby(
            "lost the PostgreSQL polling lease; stopped polling so that another replica takes over"
                .into(),
        ));
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
) -> Result<Option<Option<Leader>>, RunError> {
    let (StoreTarget::Postgres(url), None) = (&config.store, &config.webhook) else {
        return Ok(Some(None));
    };
    let leadership = Leadership::new(url, LockKey::for_bot(config.bot_id()))
        .map_err(|err| RunError::Setting(err.to_string()))?;
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
        return Err(RunError::Standby(
            "seeking the polling lease stopped".into(),
        ));
    };
    match leader {
        Ok(leader) => {
            tracing::info!("this replica holds the polling lease");
            Ok(Some(Some(leader)))
        }
        Err(err @ (StandbyError::Refused | StandbyError::InvalidUrl)) => {
            Err(RunError::Setting(err.to_string()))
        }
        Err(err) => Err(RunError::Standby(err.to_string())),
    }
}
