//! Hot standby for long polling on PostgreSQL: leadership as a lease
//! (issue 14 item 4, issue 19 item 3).
//!
//! Telegram lets one process poll a bot, so with several replicas exactly
//! one polls: the holder of the bot's row in `polling_lease` (bot key,
//! holder, generation, heartbeat). The leader renews the heartbeat every
//! [`DEFAULT_RENEW`]; a standby tries every [`DEFAULT_RETRY`] and takes the
//! row over, bumping its generation, once the heartbeat is older than
//! [`DEFAULT_LEASE`] (measured on the database's clock alone).
//!
//! The leader's own view is a [`LostSignal`]: the lease holds until a
//! renewal finds the row taken over (generation changed), or until
//! [`DEFAULT_LEASE`] minus one renewal period has passed since the last
//! renewal that succeeded, measured on this process's monotonic clock from
//! the moment that renewal was sent, so it ends before any standby can take
//! the row. A leader that was frozen (SIGSTOP, a stalled VM) therefore knows
//! it lost the lease the instant it resumes, without a round trip, and the
//! poller checks [`LostSignal::is_lost`] before every `getUpdates`. A session
//! lock would not do: a hung process keeps its connection, and its lock,
//! open. Telegram's 409 Conflict is not used as a fence either.
//!
//! ```no_run
//! # async fn demo(url: secrecy::SecretString, bot_id: u64) -> Result<(), wawp_bot::standby::StandbyError> {
//! use wawp_bot::standby::{Leadership, LockKey};
//! let leader = Leadership::new(&url, LockKey::for_bot(bot_id))?.acquire().await?;
//! let lost = leader.lost_signal();
//! // before every getUpdates: if lost.is_lost() { stop polling }
//! tokio::select! {
//!     () = lost.clone().wait() => { /* stop polling, exit non-zero: systemd restarts us as a standby */ }
//!     () = async { /* poll until SIGTERM */ } => leader.release().await?,
//! }
//! # Ok(()) }
//! ```

mod lease;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Config, NoTls};

pub use lease::{Leader, LostSignal};

/// How often a standby replica tries to take the lease.
pub const DEFAULT_RETRY: Duration = Duration::from_secs(1);
/// How often the leader renews its heartbeat.
pub const DEFAULT_RENEW: Duration = Duration::from_secs(1);
/// How old the heartbeat must be before a standby takes over.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(5);
/// Idle time before TCP keepalive probes start on the lease connection.
pub const KEEPALIVE_IDLE: Duration = Duration::from_secs(3);

/// "wawp" in the upper 32 bits, so the bot's keys are easy to spot.
const NAMESPACE: i64 = 0x7761_7770 << 32;

/// The lease's key: one per bot, shared by its replicas.
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

    /// The key as stored in `polling_lease.bot_key`.
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

/// Seeks the lease for one bot on one PostgreSQL database (migrated by the
/// store: the `polling_lease` table).
#[derive(Clone)]
pub struct Leadership {
    config: Config,
    key: LockKey,
    retry: Duration,
    renew: Duration,
    lease: Duration,
}

impl fmt::Debug for Leadership {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Leadership")
            .field("key", &self.key)
            .field("retry", &self.retry)
            .field("renew", &self.renew)
            .field("lease", &self.lease)
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
            renew: DEFAULT_RENEW,
            lease: DEFAULT_LEASE,
        })
    }

    /// How often a standby tries to take the lease (default [`DEFAULT_RETRY`]).
    pub fn retry_every(mut self, every: Duration) -> Self {
        self.retry = every;
        self
    }

    /// How often the leader renews (default [`DEFAULT_RENEW`]) and how old
    /// its heartbeat may grow before a standby takes over (default
    /// [`DEFAULT_LEASE`]). The lease must be longer than two renewals.
    pub fn lease(mut self, renew: Duration, lease: Duration) -> Self {
        self.renew = renew;
        self.lease = lease.max(renew * 2 + Duration::from_millis(1));
        self
    }

    /// Waits until this replica holds the lease. Connection failures are
    /// logged and retried (a standby outlives a PostgreSQL restart); only
    /// refused credentials end the wait with an error.
    pub async fn acquire(&self) -> Result<Leader, StandbyError> {
        let holder = format!("{}-{:016x}", std::process::id(), rand::random::<u64>());
        let mut announced = false;
        let mut client = None;
        loop {
            match self.try_once(&mut client, &holder).await {
                Ok(Some(generation)) => {
                    tracing::info!(
                        key = self.key.0,
                        generation,
                        "this replica leads: it polls Telegram"
                    );
                    return Ok(lease::Leader::start(
                        self.clone(),
                        client.take(),
                        holder,
                        generation,
                    ));
                }
                Ok(None) if !announced => {
                    announced = true;
                    tracing::info!(key = self.key.0, "another replica leads: standing by");
                }
                Ok(None) => {}
                Err(Attempt::Fatal(err)) => return Err(err),
                Err(Attempt::Retry(why)) => {
                    client = None;
                    tracing::warn!(error = %why, "standby: PostgreSQL unavailable, retrying");
                }
            }
            tokio::time::sleep(self.retry).await;
        }
    }

    /// One try to take the lease: its new generation when taken.
    async fn try_once(
        &self,
        client: &mut Option<Client>,
        holder: &str,
    ) -> Result<Option<i64>, Attempt> {
        if client.is_none() {
            *client = Some(self.connect().await?);
        }
        let Some(db) = client.as_ref() else {
            return Ok(None);
        };
        // Within one renewal, so that the first fence (one renewal period
        // from now) ends before the heartbeat taken here grows a lease old.
        let taken = tokio::time::timeout(
            self.renew,
            db.query_opt(
                "INSERT INTO polling_lease (bot_key, holder, generation, heartbeat_at) \
                 VALUES ($1, $2, 1, now()) \
                 ON CONFLICT (bot_key) DO UPDATE \
                 SET holder = EXCLUDED.holder, generation = polling_lease.generation + 1, \
                     heartbeat_at = now() \
                 WHERE polling_lease.heartbeat_at < now() - make_interval(secs => $3) \
                 RETURNING generation",
                &[&self.key.0, &holder, &self.lease.as_secs_f64()],
            ),
        )
        .await
        .map_err(|_| Attempt::Retry("taking the lease timed out".into()))?
        .map_err(classify)?;
        Ok(taken.map(|row| row.get(0)))
    }

    /// A connection of its own (never the store's pool: a busy pool must not
    /// delay a renewal).
    async fn connect(&self) -> Result<Client, Attempt> {
        let (client, connection) = self.config.connect(NoTls).await.map_err(classify)?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(client)
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
