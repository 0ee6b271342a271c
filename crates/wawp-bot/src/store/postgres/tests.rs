//! PostgreSQL under faults: a lock held by another session past
//! `lock_timeout`, a read-only session, a server that cannot be reached.

use secrecy::{ExposeSecret, SecretString};

use crate::store::suite::fixture::{postgres_fixture, raw_sql, test_pg_url};
use crate::store::{
    Action, Caller, Claim, NewEntry, Outcome, Store, StoreError, StoreTarget, UnwritableKind,
};

fn entry(update: u32) -> NewEntry {
    NewEntry::new(
        Some(update),
        Caller {
            id: 42,
            username: None,
        },
        Action::Send,
        Outcome::Pending,
    )
}

/// The fixture's URL with more server options.
fn with_options(target: &StoreTarget, options: &str) -> StoreTarget {
    let StoreTarget::Postgres(url) = target else {
        unreachable!()
    };
    let url = url
        .expose_secret()
        .replace("options=", &format!("options={options}%20"));
    StoreTarget::Postgres(SecretString::from(url))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_held_past_the_lock_timeout_is_typed_and_recovers() {
    let Some(url) = test_pg_url() else { return };
    let f = postgres_fixture(&url).await;
    drop(f.open().await);
    let store = Store::open(&with_options(&f.target, "-c%20lock_timeout%3D300"))
        .await
        .unwrap();

    let StoreTarget::Postgres(raw) = &f.target else {
        unreachable!()
    };
    let (holder, connection) = tokio_postgres::connect(raw.expose_secret(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    holder
        .batch_execute("BEGIN; LOCK TABLE processed_updates IN EXCLUSIVE MODE;")
        .await
        .unwrap();
    let err = store.claim_with_pending(1, 5, entry(5)).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Unwritable(UnwritableKind::Locked)),
        "{err:?}"
    );
    holder.batch_execute("ROLLBACK").await.unwrap();
    assert!(matches!(
        store.claim_with_pending(1, 5, entry(5)).await,
        Ok(Claim::First { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_session_is_typed() {
    let Some(url) = test_pg_url() else { return };
    let f = postgres_fixture(&url).await;
    let writer = f.open().await;
    // A session on a read-only server (a hot standby) opens an up-to-date
    // database, reads it, and reports every write as "cannot be written".
    let reader = Store::open(&with_options(
        &f.target,
        "-c%20default_transaction_read_only%3Don",
    ))
    .await
    .unwrap();
    assert!(reader.recent_audit(5).await.unwrap().is_empty());
    let err = reader.claim_with_pending(1, 1, entry(1)).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Unwritable(UnwritableKind::ReadOnly)),
        "{err:?}"
    );
    assert!(reader.check_writable().await.unwrap_err().is_unwritable());
    writer.check_writable().await.unwrap();
    raw_sql(&f, "SELECT 1").await;
}

#[tokio::test]
async fn an_unreachable_server_is_one_line_without_the_password() {
    let target = StoreTarget::parse("postgres://bot:pa55word@127.0.0.1:1/audit").unwrap();
    let err = Store::open(&target).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, StoreError::Connect { .. }), "{err:?}");
    assert!(
        message.starts_with("cannot connect to PostgreSQL at postgres://bot@127.0.0.1:1/audit"),
        "{message}"
    );
    assert!(
        !message.contains("pa55word") && !message.contains('\n'),
        "{message}"
    );
}
