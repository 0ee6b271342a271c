//! Hot standby for long polling on PostgreSQL (issue 14 item 4).
//!
//! Telegram lets one process poll a bot (a second one gets 409 Conflict), so
//! with several replicas exactly one polls: the one holding a PostgreSQL
//! session advisory lock on a dedicated connection. The others wait and
//! retry; the lock is freed when the holder's session ends, so a replica that
//! dies (or loses its connection) is replaced within seconds:
//!
//! - process death: the kernel closes the socket, PostgreSQL ends the session
//!   at once, a contender gets the lock at its next try (every
//!   [`DEFAULT_RETRY`]);
//! - a silent network loss: the session's TCP keepalives (set by this module
//!   on both ends) end it after about [`KEEPALIVE_IDLE`] plus three probes,
//!   and the old leader learns it lost the lock sooner still, from its own
//!   health check (every [`DEFAULT_CHECK`], timed out after the same).
//!
//! Leadership is not a fence: for a moment two replicas can believe they
//! lead. That only costs a 409 from Telegram; exactly-once sends come from
//! the store's update claims, not from this lock.
//!
//! ```no_run
//! # async fn demo(url: secrecy::SecretString, bot_id: u64) -> Result<(), wawp_bot::standby::StandbyError> {
//! use wawp_bot::standby::{Leadership, LockKey};
//! let leader = Leadership::new(&url, LockKey::for_bot(bot_id))?.acquire().await?;
//! let lost = leader.lost_signal();
//! tokio::select! {
//!     () = lost.wait() => { /* stop polling, exit non-zero: systemd restarts us as a standby */ }
//!     () = async { /* poll until SIGTERM */ } => leader.release().await?,
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Config, NoTls};

/// How often a standby replica tries to take the lock.
pub const DEFAULT_RETRY: Duration = Duration::from_secs(1);
/// How often the leader checks its connection (and how long the check may take).
pub const DEFAULT_CHECK: Duration = Duration::from_secs(2);
/// Idle time before TCP keepalive probes start, on both ends of the connection.
pub const KEEPALIVE_IDLE: Duration = Duration::from_secs(3);

/// "wawp" in the upper 32 bits, so the bot's locks are easy to spot in `pg_locks`.
const NAMESPACE: i64 = 0x7761_7770 << 32;

/// The advisory lock's key: one per bot, shared by its replicas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LockKey(i64);

impl LockKey {
    /// A key of your own.
    pub const fn new(key: i64) -> Self {
        Self(key)
    }

    /// The key for the bot with this Telegram id (its token's number):
    /// the id XOR "wawp" shifted into the upper half, so two bots never share
    /// a key and the bot's keys stand apart from small hand-picked ones.
    pub const fn for_bot(bot_id: u64) -> Self {
        Self(NAMESPACE ^ bot_id as i64)
    }

    /// The key as PostgreSQL sees it (`pg_locks.classid`/`objid` are its halves).
    pub const fn get(self) -> i64 {
        self.0
    }
}

/// Why leadership could not be sought. One line, never the URL or password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StandbyError {
    /// The `postgres://` URL does not parse.
    #[error("the PostgreSQL URL in WAWP_BOT_DB is not valid")]
    InvalidUrl,
    /// PostgreSQL refused the credentials; waiting will not help.
    #[error("PostgreSQL refused the credentials in WAWP_BOT_DB")]
    Refused,
    /// A query on the leadership connection failed.
    #[error("PostgreSQL leadership query failed: {0}")]
    Query(String),
}

/// Seeks the lock for one bot on one PostgreSQL database.
#[derive(Clone)]
pub struct Leadership {
    config: Config,
    key: LockKey,
    retry: Duration,
    check: Duration,
}

impl fmt::Debug for Leadership {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Leadership")
            .field("key", &self.key)
            .field("retry", &self.retry)
            .field("check", &self.check)
            .finish_non_exhaustive()
    }
}

impl Leadership {
    /// Leadership over `url` (`postgres://…`, the store's URL) for `key`.
    pub fn new(url: &SecretString, key: LockKey) -> Result<Self, StandbyError> {
        let mut config =
            Config::from_str(url.expose_secret()).map_err(|_| StandbyError::InvalidUrl)?;
        config
            .application_name("wawp-bot standby")
            .connect_timeout(Duration::from_secs(5))
            .keepalives(true)
            .keepalives_idle(KEEPALIVE_IDLE)
            .keepalives_interval(Duration::from_secs(1))
            .keepalives_retries(3);
        Ok(Self {
            config,
            key,
            retry: DEFAULT_RETRY,
            check: DEFAULT_CHECK,
        })
    }

    /// How often a standby tries to take the lock (default [`DEFAULT_RETRY`]).
    pub fn retry_every(mut self, every: Duration) -> Self {
        self.retry = every;
        self
    }

    /// How often the leader checks its connection (default [`DEFAULT_CHECK`]).
    pub fn check_every(mut self, every: Duration) -> Self {
        self.check = every;
        self
    }

    /// Waits until this replica holds the lock. Connection failures are
    /// logged and retried (a standby outlives a PostgreSQL restart); only
    /// refused credentials end the wait with an error.
    pub async fn acquire(&self) -> Result<Leader, StandbyError> {
        let mut announced = false;
        loop {
            match self.try_once().await {
                Ok(Some(leader)) => {
                    tracing::info!(key = self.key.0, "this replica leads: it polls Telegram");
                    return Ok(leader);
                }
                Ok(None) if !announced => {
                    announced = true;
                    tracing::info!(key = self.key.0, "another replica leads: standing by");
                }
                Ok(None) => {}
                Err(Attempt::Fatal(err)) => return Err(err),
                Err(Attempt::Retry(why)) => {
                    tracing::warn!(error = %why, "standby: PostgreSQL unavailable, retrying");
                }
            }
            tokio::time::sleep(self.retry).await;
        }
    }

    /// One connection, then tries on it until it breaks.
    async fn try_once(&self) -> Result<Option<Leader>, Attempt> {
        let (client, connection) = self.config.connect(NoTls).await.map_err(classify)?;
        let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
        let mut connection = tokio::spawn(async move {
            let _ = connection.await;
            let _ = closed_tx.send(());
        });
        let client = Arc::new(client);
        // The server's side of the keepalives (ignored on Unix sockets).
        client
            .batch_execute(
                "SET tcp_keepalives_idle = 3; SET tcp_keepalives_interval = 1; \
                 SET tcp_keepalives_count = 3",
            )
            .await
            .map_err(classify)?;
        let pid: i32 = client
            .query_one("SELECT pg_backend_pid()", &[])
            .await
            .map_err(classify)?
            .get(0);
        let mut closed_rx = closed_rx;
        let mut announced = false;
        loop {
            let won: bool = client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&self.key.0])
                .await
                .map_err(classify)?
                .get(0);
            if won {
                let (lost_tx, lost_rx) = watch::channel(false);
                let watched = client.clone();
                let check = self.check;
                let watchdog = tokio::spawn(async move {
                    tokio::select! {
                        _ = &mut connection => tracing::error!("leadership connection closed: lock lost"),
                        () = health(&watched, check) => tracing::error!("leadership connection unhealthy: lock given up"),
                    }
                    connection.abort();
                    let _ = lost_tx.send(true);
                });
                return Ok(Some(Leader {
                    client,
                    key: self.key,
                    pid,
                    lost: LostSignal(lost_rx),
                    watchdog,
                }));
            }
            if !announced {
                // This loop keeps its connection while it waits, so `acquire`
                // never sees `Ok(None)`: announce the wait here.
                announced = true;
                tracing::info!(key = self.key.0, "another replica leads: standing by");
            }
            tokio::select! {
                _ = &mut closed_rx => return Err(Attempt::Retry("connection closed".into())),
                () = tokio::time::sleep(self.retry) => {}
            }
        }
    }
}

enum Attempt {
    Retry(String),
    Fatal(StandbyError),
}

fn classify(err: tokio_postgres::Error) -> Attempt {
    match err.code() {
        Some(code)
            if *code == SqlState::INVALID_PASSWORD
                || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            Attempt::Fatal(StandbyError::Refused)
        }
        // tokio-postgres's Display holds no URL or password.
        _ => Attempt::Retry(err.to_string()),
    }
}

/// Returns when a `SELECT 1` fails or takes longer than `every`.
async fn health(client: &Client, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        match tokio::time::timeout(every, client.simple_query("SELECT 1")).await {
            Ok(Ok(_)) => {}
            _ => return,
        }
    }
}

/// This replica holds the lock until [`lost_signal`](Self::lost_signal)
/// fires, [`release`](Self::release) is called or it is dropped (dropping
/// closes the connection, which frees the lock).
pub struct Leader {
    client: Arc<Client>,
    key: LockKey,
    pid: i32,
    lost: LostSignal,
    watchdog: JoinHandle<()>,
}

impl fmt::Debug for Leader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Leader")
            .field("key", &self.key)
            .field("backend_pid", &self.pid)
            .field("lost", &self.is_lost())
            .finish()
    }
}

impl Leader {
    /// Fires when the lock is lost (connection closed or unhealthy).
    pub fn lost_signal(&self) -> LostSignal {
        self.lost.clone()
    }

    /// Whether the lock is already lost.
    pub fn is_lost(&self) -> bool {
        self.lost.is_lost()
    }

    /// The PostgreSQL backend holding the lock (for `pg_terminate_backend`).
    pub fn backend_pid(&self) -> i32 {
        self.pid
    }

    /// Frees the lock at once (clean shutdown) and closes the connection.
    pub async fn release(self) -> Result<(), StandbyError> {
        let unlocked = self
            .client
            .query_one("SELECT pg_advisory_unlock($1)", &[&self.key.0])
            .await;
        // Drop closes the connection either way.
        unlocked
            .map(drop)
            .map_err(|err| StandbyError::Query(err.to_string()))
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        self.watchdog.abort();
    }
}

/// Resolves when leadership is lost. Cheap to clone.
#[derive(Clone, Debug)]
pub struct LostSignal(watch::Receiver<bool>);

impl LostSignal {
    /// Whether the lock is already lost.
    pub fn is_lost(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits until the lock is lost (or the [`Leader`] is gone).
    pub async fn wait(mut self) {
        let _ = self.0.wait_for(|lost| *lost).await;
    }
}
