//! `audit export` on PostgreSQL: rows streamed from a read-only
//! transaction, without migrating the database.

use std::io::Write;

use futures::TryStreamExt;
use tokio_postgres::types::ToSql;

use super::PgStore;
use crate::store::csv::CsvSink;
use crate::store::{ExportFilter, StoreError};

/// Writes the rows `filter` selects as CSV to `out`, one at a time.
pub(crate) async fn export(
    url: &str,
    filter: &ExportFilter,
    out: impl Write,
) -> Result<u64, StoreError> {
    let store = PgStore::connect(url, false)?;
    let mut client = store.first_client().await?;
    let tx = client.build_transaction().read_only(true).start().await?;
    let has_schema: bool = tx
        .query_one("SELECT to_regclass('wawp_bot_schema') IS NOT NULL", &[])
        .await?
        .get(0);
    if !has_schema {
        return Err(StoreError::Foreign {
            location: store.location.to_string(),
            what: "it holds no wawp-bot audit log".into(),
        });
    }
    super::recorded_version(&tx).await?;
    // A log from before the dry-run mark (migration 0005) holds real sends only.
    let marked: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = 'audit' AND column_name = 'dry_run')",
            &[],
        )
        .await?
        .get(0);
    let dry_run = if marked { "dry_run" } else { "FALSE" };
    let sql = format!(
        "SELECT id, at, update_id, admin_id, admin_username, action, recipient, lang, outcome, job_id, error_kind, repeat_count, reply_delivered, {dry_run}
         FROM audit WHERE at >= $1 AND ($2::timestamptz IS NULL OR at < $2) AND ($3 OR NOT {dry_run}) ORDER BY id"
    );
    let params: [&(dyn ToSql + Sync); 3] = [&filter.since, &filter.until, &filter.include_dry_runs];
    let rows = tx
        .query_raw(&sql, params.iter().map(|p| *p as &dyn ToSql))
        .await?;
    futures::pin_mut!(rows);
    let mut sink = CsvSink::new(out).map_err(StoreError::csv)?;
    while let Some(row) = rows.try_next().await? {
        sink.write(&super::ops::read_entry(&row))
            .map_err(StoreError::csv)?;
    }
    let written = sink.finish().map_err(StoreError::csv)?;
    tx.commit().await?;
    store.close();
    Ok(written)
}
