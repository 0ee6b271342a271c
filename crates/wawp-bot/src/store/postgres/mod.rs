//! The PostgreSQL store: a `deadpool-postgres` pool of `tokio-postgres`
//! connections, shared by every replica of the bot.
//!
//! Atomic steps lock one row per key, so replicas serialise per admin and
//! per update, never globally: the update claim with its pending row is one
//! transaction (a second claim of the same id waits on the first's unique
//! key, then finds it); the send limit and the refusal count are server-side
//! functions (`migrations/postgres/0002_atomic_functions.sql`) that lock the
//! key's row (`SELECT … FOR UPDATE`) for one round trip only. Migrations run under a transaction-scoped
//! advisory lock, so replicas starting together apply them once.
//!
//! Connections are made without TLS: run the bot next to its database or
//! through a local TLS tunnel.

mod export;
mod inbox;
mod ops;
mod outbox;

pub(crate) use export::export;

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use super::StoreError;

/// The migrations, applied in order; `wawp_bot_schema.version` holds how many ran.
pub(super) const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_init",
        include_str!("../../../migrations/postgres/0001_init.sql"),
    ),
    (
        "0002_atomic_functions",
        include_str!("../../../migrations/postgres/0002_atomic_functions.sql"),
    ),
    (
        "0003_inbox",
        include_str!("../../../migrations/postgres/0003_inbox.sql"),
    ),
    (
        "0004_leader_lease",
        include_str!("../../../migrations/postgres/0004_leader_lease.sql"),
    ),
    (
        "0005_dry_run",
        include_str!("../../../migrations/postgres/0005_dry_run.sql"),
    ),
];

/// The advisory lock key taken while migrating ("wawpbot" in ASCII).
const MIGRATION_LOCK: i64 = 0x0077_6177_7062_6f74;

/// Connections per process. Each store call holds one for a round trip or a
/// short transaction, so a few serve many concurrent commands; callers
/// beyond that wait for one (at most [`POOL_WAIT`]).
const POOL_SIZE: usize = 8;

/// How long a call waits for a free connection before it reports the
/// database unreachable.
const POOL_WAIT: Duration = Duration::from_secs(30);

/// A pool of connections to one PostgreSQL database. Cheap to clone.
#[derive(Clone)]
pub(crate) struct PgStore {
    pool: Pool,
    location: Arc<str>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://…`) and migrates the database. A
    /// `dry_run` store's sessions mark every audit row they write.
    pub(crate) async fn open(url: &str, dry_run: bool) -> Result<PgStore, StoreError> {
        let store = PgStore::connect(url, dry_run)?;
        let mut client = store.first_client().await?;
        migrate(&mut client, &store.location).await?;
        Ok(store)
    }

    /// The pool, without connecting yet and without migrating.
    fn connect(url: &str, dry_run: bool) -> Result<PgStore, StoreError> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|_| StoreError::Connect {
            location: "WAWP_BOT_DB".into(),
            reason: "it is not a valid postgres:// URL".into(),
        })?;
        let location = describe(&config);
        // A write that waits on another session's lock gives up in time, as
        // SQLite's busy timeout does (unless the URL's `options` set one).
        let options = config.get_options().unwrap_or_default().to_owned();
        let mut options = options;
        if !options.contains("lock_timeout") {
            options = format!("{options} -c lock_timeout=5000");
        }
        if dry_run {
            // The `audit.dry_run` column's default reads it (migration 0005).
            options = format!("{options} -c wawp_bot.dry_run=on");
        }
        config.options(options.trim());
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(10)))
            .wait_timeout(Some(POOL_WAIT))
            .build()
            .map_err(|e| StoreError::Other(e.to_string()))?;
        Ok(PgStore {
            pool,
            location: location.into(),
        })
    }

    /// The first connection: a failure is "cannot connect", with the reason.
    async fn first_client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(|e| StoreError::Connect {
            location: self.location.to_string(),
            reason: match &e {
                deadpool_postgres::PoolError::Backend(err) => super::error::pg_message(err),
                other => other.to_string(),
            },
        })
    }

    /// Closes the pool; later calls fail with [`StoreError::Closed`].
    pub(crate) fn close(&self) {
        self.pool.close();
    }

    /// Where the database is, for messages (no password).
    pub(crate) fn location(&self) -> &str {
        &self.location
    }

    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        Ok(self.pool.get().await?)
    }
}

/// `postgres://user@host:port/db`, never the password.
pub(crate) fn describe(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or_default();
    let db = config.get_dbname().unwrap_or(user);
    format!("postgres://{user}@{host}:{port}/{db}")
}

/// The schema version in `wawp_bot_schema`; refused if newer than this build.
pub(super) async fn recorded_version(
    tx: &tokio_postgres::Transaction<'_>,
) -> Result<i64, StoreError> {
    let version: i64 = tx
        .query_one("SELECT version FROM wawp_bot_schema", &[])
        .await?
        .get(0);
    StoreError::check_schema(version, MIGRATIONS.len())?;
    Ok(version)
}

async fn migrate(client: &mut deadpool_postgres::Object, location: &str) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let has_schema: bool = tx
        .query_one("SELECT to_regclass('wawp_bot_schema') IS NOT NULL", &[])
        .await?
        .get(0);
    if !has_schema {
        let ours = [
            "audit",
            "processed_updates",
            "send_limits",
            "send_hits",
            "refusal_windows",
            "admin_menus",
            "health",
            "inbox",
            "outbox",
            "reply_budget",
        ];
        let found: Vec<String> = tx
            .query(
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_name = ANY($1) ORDER BY 1",
                &[&ours.as_slice()],
            )
            .await?
            .iter()
            .map(|row| row.get(0))
            .collect();
        if !found.is_empty() {
            return Err(StoreError::Foreign {
                location: location.to_owned(),
                what: format!(
                    "it holds tables wawp-bot did not create: {}",
                    found.join(", ")
                ),
            });
        }
        tx.batch_execute(
            "CREATE TABLE wawp_bot_schema (version BIGINT NOT NULL);
             INSERT INTO wawp_bot_schema (version) VALUES (0);",
        )
        .await?;
    }
    let version = recorded_version(&tx).await?;
    let known = MIGRATIONS.len() as i64;
    for (name, sql) in MIGRATIONS.iter().skip(version as usize) {
        tx.batch_execute(sql).await?;
        tracing::info!(migration = name, "applied database migration");
    }
    if version < known {
        tx.execute("UPDATE wawp_bot_schema SET version = $1", &[&known])
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests;
