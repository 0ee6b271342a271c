//! The lease once held: its renewals, and the leader's own view of whether
//! it still leads ([`LostSignal`]).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_postgres::Client;

use super::{Attempt, Leadership, StandbyError};

/// Until when the lease holds, and whether it was lost for good.
#[derive(Debug)]
struct Fence {
    base: Instant,
    /// Nanoseconds after `base` until which the lease holds.
    until: AtomicU64,
    /// Set once for good: taken over, not renewed in time, released or dropped.
    lost: watch::Sender<bool>,
}

impl Fence {
    fn new(valid_for: Duration) -> Fence {
        let fence = Fence {
            base: Instant::now(),
            until: AtomicU64::new(0),
            lost: watch::channel(false).0,
        };
        fence.extend(fence.base, valid_for);
        fence
    }

    fn deadline(&self) -> Instant {
        self.base + Duration::from_nanos(self.until.load(Ordering::Acquire))
    }

    /// A renewal sent at `sent` succeeded: the lease holds `valid_for` past it.
    fn extend(&self, sent: Instant, valid_for: Duration) {
        let until = (sent + valid_for).saturating_duration_since(self.base);
        let nanos = u64::try_from(until.as_nanos()).unwrap_or(u64::MAX);
        self.until.fetch_max(nanos, Ordering::AcqRel);
    }

    fn lose(&self) {
        self.lost.send_replace(true);
    }

    fn is_lost(&self) -> bool {
        if *self.lost.borrow() {
            return true;
        }
        if Instant::now() >= self.deadline() {
            // Sticky: a late renewal never revives a lease once seen lost.
            self.lose();
            return true;
        }
        false
    }
}

/// Resolves when leadership is lost; [`is_lost`](Self::is_lost) is the
/// check to make before every `getUpdates`. Cheap to clone.
#[derive(Clone, Debug)]
pub struct LostSignal(Arc<Fence>);

impl LostSignal {
    /// Whether the lease is lost: taken over, released, or not renewed in
    /// time (judged on this process's clock, so a process that was frozen
    /// knows it the moment it resumes). Once lost, always lost.
    pub fn is_lost(&self) -> bool {
        self.0.is_lost()
    }

    /// Waits until the lease is lost (or the [`Leader`] is gone).
    pub async fn wait(self) {
        let mut lost = self.0.lost.subscribe();
        while !self.0.is_lost() {
            tokio::select! {
                _ = lost.changed() => {}
                () = tokio::time::sleep_until(self.0.deadline()) => {}
            }
        }
    }
}

/// This replica holds the lease until [`lost_signal`](Self::lost_signal)
/// fires, [`release`](Self::release) is called or it is dropped (then the
/// lease runs out and a standby takes over).
pub struct Leader {
    leadership: Leadership,
    holder: String,
    generation: i64,
    fence: Arc<Fence>,
    client: Arc<Mutex<Option<Client>>>,
    renewer: JoinHandle<()>,
}

impl fmt::Debug for Leader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Leader")
            .field("key", &self.leadership.key)
            .field("generation", &self.generation)
            .field("lost", &self.is_lost())
            .finish()
    }
}

impl Leader {
    /// The lease was just taken (the query was sent less than a lease ago:
    /// the first fence is one renewal period, until the first renewal).
    pub(super) fn start(
        leadership: Leadership,
        client: Option<Client>,
        holder: String,
        generation: i64,
    ) -> Leader {
        let fence = Arc::new(Fence::new(leadership.renew));
        let client = Arc::new(Mutex::new(client));
        let renewer = tokio::spawn(renew(
            leadership.clone(),
            client.clone(),
            holder.clone(),
            generation,
            fence.clone(),
        ));
        Leader {
            leadership,
            holder,
            generation,
            fence,
            client,
            renewer,
        }
    }

    /// Fires when the lease is lost.
    pub fn lost_signal(&self) -> LostSignal {
        LostSignal(self.fence.clone())
    }

    /// Whether the lease is already lost.
    pub fn is_lost(&self) -> bool {
        self.fence.is_lost()
    }

    /// The lease's generation: one more at every change of leader.
    pub fn generation(&self) -> i64 {
        self.generation
    }

    /// Gives the lease up at once (clean shutdown): a standby takes over at
    /// its next try instead of waiting for the heartbeat to grow old.
    pub async fn release(self) -> Result<(), StandbyError> {
        self.renewer.abort();
        self.fence.lose();
        let mut client = self.client.lock().await;
        let released = tokio::time::timeout(
            self.leadership.lease,
            update(
                &self.leadership,
                &mut client,
                "UPDATE polling_lease SET heartbeat_at = '-infinity' \
                 WHERE bot_key = $1 AND holder = $2 AND generation = $3",
                &self.holder,
                self.generation,
            ),
        )
        .await;
        match released {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(why)) => Err(StandbyError::Query(why)),
            Err(_) => Err(StandbyError::Query("releasing the lease timed out".into())),
        }
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        self.renewer.abort();
        self.fence.lose();
    }
}

/// Renews the heartbeat every `renew` until the lease is lost.
async fn renew(
    leadership: Leadership,
    client: Arc<Mutex<Option<Client>>>,
    holder: String,
    generation: i64,
    fence: Arc<Fence>,
) {
    let valid_for = leadership.lease.saturating_sub(leadership.renew);
    let mut ticks = tokio::time::interval(leadership.renew);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if fence.is_lost() {
            tracing::error!(
                generation,
                "the polling lease was not renewed in time: this replica stops polling"
            );
            return;
        }
        let sent = Instant::now();
        let renewed = tokio::time::timeout(leadership.renew, async {
            let mut client = client.lock().await;
            update(
                &leadership,
                &mut client,
                "UPDATE polling_lease SET heartbeat_at = now() \
                 WHERE bot_key = $1 AND holder = $2 AND generation = $3",
                &holder,
                generation,
            )
            .await
        })
        .await;
        match renewed {
            Ok(Ok(1)) => {
                if !fence.is_lost() {
                    fence.extend(sent, valid_for);
                }
            }
            Ok(Ok(_)) => {
                tracing::error!(
                    generation,
                    "another replica took over the polling lease: this one stops polling"
                );
                fence.lose();
                return;
            }
            Ok(Err(why)) => {
                tracing::warn!(error = %why, "renewing the polling lease failed; retrying");
            }
            Err(_) => tracing::warn!("renewing the polling lease timed out; retrying"),
        }
    }
}

/// Runs `sql` on the lease row, connecting first if needed; the rows changed.
async fn update(
    leadership: &Leadership,
    client: &mut Option<Client>,
    sql: &str,
    holder: &str,
    generation: i64,
) -> Result<u64, String> {
    if client.as_ref().is_none_or(Client::is_closed) {
        *client = Some(
            leadership
                .connect()
                .await
                .map_err(|attempt| match attempt {
                    Attempt::Retry(why) => why,
                    Attempt::Fatal(err) => err.to_string(),
                })?,
        );
    }
    let db = client.as_ref().ok_or("no connection")?;
    let changed = db
        .execute(sql, &[&leadership.key.0, &holder, &generation])
        .await;
    changed.map_err(|err| {
        *client = None;
        // tokio-postgres's Display holds no URL or password.
        err.to_string()
    })
}
