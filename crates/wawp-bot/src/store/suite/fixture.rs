//! A fresh empty database per test, for each backend.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use secrecy::{ExposeSecret, SecretString};

use crate::store::{Caller, ManualClock, Store, StoreTarget};

/// One empty database and what is needed to open handles on it.
pub(crate) struct Fixture {
    pub target: StoreTarget,
    pub clock: Arc<ManualClock>,
    _dir: Option<tempfile::TempDir>,
}

impl Fixture {
    /// A new handle (a new connection or pool) on the fixture's database.
    pub async fn open(&self) -> Store {
        Store::open(&self.target)
            .await
            .unwrap_or_else(|e| panic!("open {}: {e}", self.target))
            .with_clock(self.clock.clone())
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.target, StoreTarget::Postgres(_))
    }
}

pub(crate) fn caller(id: u64) -> Caller {
    Caller {
        id,
        username: Some(format!("user{id}")),
    }
}

static SCHEMAS: AtomicU32 = AtomicU32::new(0);

/// A SQLite file in a temporary directory, and a PostgreSQL schema when
/// `WAWP_BOT_TEST_PG` is set.
/// The PostgreSQL test server's URL, or `None` with a `skipped:` line.
pub(crate) fn test_pg_url() -> Option<String> {
    wawp_testkit::postgres::test_url("the PostgreSQL run of a store test")
}

pub(crate) async fn fixtures() -> Vec<Fixture> {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec![Fixture {
        target: StoreTarget::Sqlite(dir.path().join("bot.sqlite3")),
        clock: Arc::new(ManualClock::new()),
        _dir: Some(dir),
    }];
    if let Some(url) = test_pg_url() {
        all.push(postgres_fixture(&url).await);
    }
    all
}

pub(crate) async fn postgres_fixture(url: &str) -> Fixture {
    let schema = format!(
        "store_test_{}_{}",
        std::process::id(),
        SCHEMAS.fetch_add(1, Ordering::Relaxed)
    );
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to WAWP_BOT_TEST_PG");
    tokio::spawn(connection);
    // Schemas left by test processes that have ended.
    let stale: Vec<String> = client
        .query(
            "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'store\\_test\\_%'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<_, String>(0))
        .filter(|name| {
            let pid = name.split('_').nth(2).unwrap_or_default();
            !pid.is_empty()
                && pid.bytes().all(|b| b.is_ascii_digit())
                && !std::path::Path::new("/proc").join(pid).exists()
        })
        .collect();
    for name in stale {
        let _ = client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
            .await;
    }
    let url = wawp_testkit::postgres::fresh_schema(url, &schema).await;
    Fixture {
        target: StoreTarget::Postgres(SecretString::from(url)),
        clock: Arc::new(ManualClock::new()),
        _dir: None,
    }
}

/// Runs raw SQL on the fixture's database (to set up foreign tables).
pub(crate) async fn raw_sql(fixture: &Fixture, sql: &str) {
    match &fixture.target {
        StoreTarget::Sqlite(path) => {
            rusqlite::Connection::open(path)
                .unwrap()
                .execute_batch(sql)
                .unwrap();
        }
        StoreTarget::Postgres(url) => {
            let (client, connection) =
                tokio_postgres::connect(url.expose_secret(), tokio_postgres::NoTls)
                    .await
                    .unwrap();
            tokio::spawn(connection);
            client.batch_execute(sql).await.unwrap();
        }
    }
}
