//! The one store the replicas of a run share: a SQLite file in a temporary
//! folder, or a schema of the run's own on a PostgreSQL server, dropped at
//! the end.

use std::sync::atomic::{AtomicU32, Ordering};

use std::path::{Path, PathBuf};

use wawp_bench_report::Store;

/// A store made for one run.
pub enum Shared {
    /// A SQLite file in the run's temporary folder.
    Sqlite {
        /// The file (created by the first replica).
        path: PathBuf,
    },
    /// A fresh schema on the server.
    Postgres {
        /// The schema's name.
        schema: String,
        /// The store URL that makes it the search path.
        url: String,
        /// A connection to drop it with.
        client: tokio_postgres::Client,
    },
}

impl Shared {
    /// Makes the store: a file in `dir`, or a schema on `pg_url`'s server.
    pub async fn create(store: Store, dir: &Path, pg_url: Option<&str>) -> anyhow::Result<Shared> {
        match store {
            Store::Sqlite => Ok(Shared::Sqlite {
                path: dir.join("audit.sqlite3"),
            }),
            Store::Postgres => {
                let server = pg_url.ok_or_else(|| {
                    anyhow::anyhow!("--store postgres needs --pg-url (or WAWP_BOT_TEST_PG)")
                })?;
                // Reached here first, so that an unreachable server is an
                // error with its reason (the error names no URL or password).
                let (client, connection) = tokio_postgres::connect(server, tokio_postgres::NoTls)
                    .await
                    .map_err(|e| {
                        let why = std::error::Error::source(&e)
                            .map(|s| format!(": {s}"))
                            .unwrap_or_default();
                        anyhow::anyhow!("cannot reach the PostgreSQL server of --pg-url: {e}{why}")
                    })?;
                tokio::spawn(connection);
                let schema = schema_name(std::process::id());
                let url = wawp_testkit::postgres::fresh_schema(server, &schema).await;
                Ok(Shared::Postgres {
                    schema,
                    url,
                    client,
                })
            }
        }
    }

    /// What each replica gets as `--db`.
    pub fn target(&self) -> String {
        match self {
            Shared::Sqlite { path } => path.display().to_string(),
            Shared::Postgres { url, .. } => url.clone(),
        }
    }

    /// Removes what the run left: the schema and everything in it (call
    /// once the replicas are stopped). The SQLite file goes with its folder.
    pub async fn remove(self) -> anyhow::Result<()> {
        if let Shared::Postgres { schema, client, .. } = self {
            client
                .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .await
                .map_err(|e| anyhow::anyhow!("dropping the run's schema {schema}: {e}"))?;
        }
        Ok(())
    }
}

/// A schema name unique to this process and run.
fn schema_name(pid: u32) -> String {
    static RUN: AtomicU32 = AtomicU32::new(0);
    format!("wawp_bench_{pid}_{}", RUN.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_run_of_a_process_gets_a_schema_of_its_own() {
        let (a, b) = (schema_name(42), schema_name(42));
        assert_ne!(a, b);
        assert!(a.starts_with("wawp_bench_42_") && b.starts_with("wawp_bench_42_"));
        assert_ne!(schema_name(43), schema_name(42));
        // A plain identifier: no quoting needed in DROP SCHEMA.
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
        );
    }
}
