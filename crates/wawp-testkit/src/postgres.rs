//! PostgreSQL for tests: a schema of a test's own on the server that
//! `WAWP_BOT_TEST_PG` names (`.ci/run` starts one on 127.0.0.1).

/// Creates `schema` anew (dropping any left by an earlier run) on the server
/// at `url`, and returns `url` with the connection option that makes the
/// schema the search path, so everything a store creates lands in it.
///
/// Panics when the server cannot be reached: a test that asked for
/// PostgreSQL must not pass without it.
pub async fn fresh_schema(url: &str, schema: &str) -> String {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to WAWP_BOT_TEST_PG");
    tokio::spawn(connection);
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"
        ))
        .await
        .expect("create the test schema");
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{schema}")
}
