//! Hot standby for long polling (issue 14 item 4), leadership as a lease
//! (issue 19 item 3), against a real PostgreSQL
//! named by `WAWP_BOT_TEST_PG`; skipped with a notice when it is unset.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::task::JoinHandle;
use wawp_bot::standby::{Leader, Leadership, LockKey, StandbyError};
use wawp_bot::store::{Store, StoreTarget};

/// Takeover must happen within this bound (issue 14: 10 s).
const TAKEOVER: Duration = Duration::from_secs(10);

fn pg_url() -> Option<SecretString> {
    wawp_testkit::postgres::test_url("a PostgreSQL standby test").map(SecretString::from)
}

/// A fresh schema on the test server, migrated by the store (so it has the
/// `polling_lease` table), as a URL.
async fn fresh_db(url: &SecretString) -> SecretString {
    static NEXT: AtomicI64 = AtomicI64::new(0);
    let schema = format!(
        "standby_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let url = wawp_testkit::postgres::fresh_schema(url.expose_secret(), &schema).await;
    let url = SecretString::from(url);
    let store = Store::open(&StoreTarget::Postgres(url.clone()))
        .await
        .unwrap();
    store.close().unwrap();
    url
}

const KEY: LockKey = LockKey::new(42);

/// Renewals every 200 ms, taken over after 1 s without one.
fn leadership(url: &SecretString) -> Leadership {
    Leadership::new(url, KEY)
        .unwrap()
        .retry_every(Duration::from_millis(100))
        .lease(Duration::from_millis(200), Duration::from_secs(1))
}

/// The lease row as a separate connection sees it: holder and generation.
async fn lease_row(url: &SecretString) -> Option<(String, i64)> {
    let (client, connection) = tokio_postgres::connect(url.expose_secret(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .query_opt(
            "SELECT holder, generation FROM polling_lease WHERE bot_key = $1",
            &[&KEY.get()],
        )
        .await
        .unwrap()
        .map(|row| (row.get(0), row.get(1)))
}

fn contend(seeker: Leadership) -> JoinHandle<Result<Leader, StandbyError>> {
    tokio::spawn(async move { seeker.acquire().await })
}

/// Two contenders: exactly one leads; the other is still waiting.
async fn one_leader_and_one_waiting(
    first: Leadership,
    second: Leadership,
) -> (Leader, JoinHandle<Result<Leader, StandbyError>>) {
    let first = first.acquire().await.expect("the first contender leads");
    let second = contend(second);
    // Give the second several tries and the first several renewals: the
    // second must keep standing by.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !second.is_finished(),
        "a second replica must not lead while the first renews its lease"
    );
    assert!(!first.is_lost());
    (first, second)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_contenders_one_leader_then_takeover_when_the_leader_goes() {
    let Some(url) = pg_url() else { return };
    let url = fresh_db(&url).await;
    let (first, second) = one_leader_and_one_waiting(leadership(&url), leadership(&url)).await;
    let generation = first.generation();
    let lost = first.lost_signal();
    drop(first); // the process goes away: no more renewals
    assert!(lost.is_lost(), "a dropped leader's signal says so");
    let second = tokio::time::timeout(TAKEOVER, second)
        .await
        .expect("the standby takes over within 10 s")
        .unwrap()
        .unwrap();
    assert!(!second.is_lost());
    assert_eq!(second.generation(), generation + 1);
    assert_eq!(lease_row(&url).await.unwrap().1, generation + 1);
    second.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_leader_is_replaced_and_knows_it_lost_the_moment_it_resumes() {
    let Some(url) = pg_url() else { return };
    let url = fresh_db(&url).await;
    // The first leader runs on a runtime of its own, on one thread that the
    // test then freezes (as SIGSTOP would): no renewal can run.
    let (frozen_tx, frozen_rx) = std::sync::mpsc::channel::<bool>();
    let (led_tx, led_rx) = tokio::sync::oneshot::channel::<i64>();
    let first_leadership = leadership(&url);
    let frozen = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let leader = first_leadership.acquire().await.unwrap();
            let _ = led_tx.send(leader.generation());
            // Frozen until the standby leads: the thread never yields.
            let _ = frozen_rx.recv();
            // Resumed: before any await (any renewal), it knows.
            let knew = leader.is_lost();
            tokio::time::sleep(Duration::from_millis(500)).await;
            (knew, leader.is_lost())
        })
    });
    let generation = led_rx.await.unwrap();
    let second = tokio::time::timeout(TAKEOVER, leadership(&url).acquire())
        .await
        .expect("the standby takes over from a frozen leader within 10 s")
        .unwrap();
    assert_eq!(second.generation(), generation + 1);
    frozen_tx.send(true).unwrap();
    let (knew, still) = frozen.join().unwrap();
    assert!(
        knew,
        "the resumed leader knows at once that it lost the lease"
    );
    assert!(still, "and a renewal after the resume does not revive it");
    assert!(!second.is_lost(), "the new leader keeps its lease");
    second.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_whose_lease_is_taken_over_stops_at_its_next_renewal() {
    let Some(url) = pg_url() else { return };
    let url = fresh_db(&url).await;
    let first = leadership(&url).acquire().await.unwrap();
    // Another replica's takeover, as the database records it.
    let (client, connection) = tokio_postgres::connect(url.expose_secret(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .execute(
            "UPDATE polling_lease SET holder = 'other', generation = generation + 1",
            &[],
        )
        .await
        .unwrap();
    tokio::time::timeout(TAKEOVER, first.lost_signal().wait())
        .await
        .expect("the old leader learns that it lost the lease");
    assert!(first.is_lost());
    assert_eq!(lease_row(&url).await.unwrap().0, "other");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_released_lease_goes_to_the_standby_at_once_and_other_bots_are_independent() {
    let Some(url) = pg_url() else { return };
    let url = fresh_db(&url).await;
    // A lease of a minute: only the release can hand it over within 10 s.
    let long = || leadership(&url).lease(Duration::from_millis(200), Duration::from_secs(60));
    let (first, second) = one_leader_and_one_waiting(long(), long()).await;
    // Another bot's replicas lead at the same time.
    let other = Leadership::new(&url, LockKey::new(43)).unwrap();
    let other = tokio::time::timeout(TAKEOVER, other.acquire())
        .await
        .expect("another key is not blocked")
        .unwrap();
    first.release().await.unwrap();
    let second = tokio::time::timeout(TAKEOVER, second)
        .await
        .expect("the standby takes a released lease at once")
        .unwrap()
        .unwrap();
    assert!(!other.is_lost());
    drop((second, other));
}

#[tokio::test]
async fn bad_urls_and_refused_credentials_are_one_line_without_the_password() {
    let err = Leadership::new(
        &SecretString::from("postgres://u:pw@[::1"),
        LockKey::for_bot(1),
    )
    .unwrap_err();
    assert!(matches!(err, StandbyError::InvalidUrl));
    let Some(url) = pg_url() else { return };
    let mut wrong: url::Url = secrecy::ExposeSecret::expose_secret(&url).parse().unwrap();
    wrong.set_password(Some("Not-The-Password-7")).unwrap();
    let seeker =
        Leadership::new(&SecretString::from(wrong.to_string()), LockKey::for_bot(1)).unwrap();
    let Err(err) = tokio::time::timeout(TAKEOVER, seeker.acquire())
        .await
        .unwrap()
    else {
        wawp_testkit::postgres::skipped(
            "the refusal check of a wrong password",
            "the test server trusts every password",
        );
        return;
    };
    assert!(matches!(err, StandbyError::Refused), "{err:?}");
    assert!(!err.to_string().contains("Not-The-Password-7"));
    assert!(!format!("{seeker:?}").contains("Not-The-Password-7"));
}

#[test]
fn every_bot_has_its_own_lock() {
    // Bot ids above 2^32 (today's tokens) that share their lower 32 bits.
    let a = 7_123_456_789_u64;
    let b = a + (1 << 32);
    assert_ne!(LockKey::for_bot(a), LockKey::for_bot(b));
    assert_ne!(LockKey::for_bot(a), LockKey::for_bot(a + 1));
    assert_eq!(LockKey::for_bot(a), LockKey::for_bot(a));
}
