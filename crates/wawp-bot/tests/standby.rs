//! Hot standby for long polling (issue 14 item 4) against a real PostgreSQL
//! named by `WAWP_BOT_TEST_PG`; skipped with a notice when it is unset.

use std::io::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use secrecy::SecretString;
use tokio::task::JoinHandle;
use wawp_bot::standby::{Leader, Leadership, LockKey, StandbyError};

/// Takeover must happen within this bound (issue 14: 10 s).
const TAKEOVER: Duration = Duration::from_secs(10);

fn pg_url() -> Option<SecretString> {
    match std::env::var("WAWP_BOT_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(SecretString::from(url)),
        _ => {
            notice("WAWP_BOT_TEST_PG is not set: the PostgreSQL standby test is skipped");
            None
        }
    }
}

/// A line on the real stderr: the test harness captures `eprintln!` and
/// `io::stderr()`, which would hide that a test was skipped.
fn notice(text: &str) {
    match std::fs::OpenOptions::new().append(true).open("/dev/stderr") {
        Ok(mut stderr) => {
            // One write, so lines of parallel tests do not interleave.
            let _ = stderr.write_all(format!("notice: {text}\n").as_bytes());
        }
        Err(_) => eprintln!("notice: {text}"),
    }
}

/// A key no other test (or test run) holds.
fn fresh_key() -> LockKey {
    static NEXT: AtomicI64 = AtomicI64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    LockKey::new(-(i64::from(std::process::id()) << 16 | n) - 1)
}

fn leadership(url: &SecretString, key: LockKey) -> Leadership {
    Leadership::new(url, key)
        .unwrap()
        .retry_every(Duration::from_millis(200))
        .check_every(Duration::from_millis(500))
}

/// Sessions PostgreSQL shows holding `key`, seen from a separate connection.
async fn holders(url: &SecretString, key: LockKey) -> i64 {
    let (client, connection) = tokio_postgres::connect(
        secrecy::ExposeSecret::expose_secret(url),
        tokio_postgres::NoTls,
    )
    .await
    .unwrap();
    tokio::spawn(connection);
    let k = key.get();
    client
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = $1",
            &[&k],
        )
        .await
        .unwrap()
        .get(0)
}

async fn terminate(url: &SecretString, pid: i32) {
    let (client, connection) = tokio_postgres::connect(
        secrecy::ExposeSecret::expose_secret(url),
        tokio_postgres::NoTls,
    )
    .await
    .unwrap();
    tokio::spawn(connection);
    let done: bool = client
        .query_one("SELECT pg_terminate_backend($1)", &[&pid])
        .await
        .unwrap()
        .get(0);
    assert!(done, "the leader's backend was terminated");
}

fn contend(url: &SecretString, key: LockKey) -> JoinHandle<Result<Leader, StandbyError>> {
    let seeker = leadership(url, key);
    tokio::spawn(async move { seeker.acquire().await })
}

/// Two contenders: exactly one leads; the other is still waiting.
async fn one_leader_and_one_waiting(
    url: &SecretString,
    key: LockKey,
) -> (Leader, JoinHandle<Result<Leader, StandbyError>>) {
    let first = leadership(url, key)
        .acquire()
        .await
        .expect("the first contender leads");
    let second = contend(url, key);
    // Give the second several tries: it must keep standing by.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        !second.is_finished(),
        "a second replica must not lead while the first does"
    );
    assert_eq!(holders(url, key).await, 1);
    (first, second)
}

#[tokio::test]
async fn two_contenders_one_leader_then_takeover_when_the_leader_goes() {
    let Some(url) = pg_url() else { return };
    let key = fresh_key();
    let (first, second) = one_leader_and_one_waiting(&url, key).await;
    let lost = first.lost_signal();
    drop(first); // the process goes away: its connection closes
    let second = tokio::time::timeout(TAKEOVER, second)
        .await
        .expect("the standby takes over within 10 s")
        .unwrap()
        .unwrap();
    assert!(!second.is_lost());
    tokio::time::timeout(TAKEOVER, lost.wait()).await.unwrap();
    assert_eq!(holders(&url, key).await, 1);
    second.release().await.unwrap();
    assert_eq!(holders(&url, key).await, 0);
}

#[tokio::test]
async fn a_killed_leader_connection_loses_the_lock_and_the_standby_leads() {
    let Some(url) = pg_url() else { return };
    let key = fresh_key();
    let (first, second) = one_leader_and_one_waiting(&url, key).await;
    let lost = first.lost_signal();
    terminate(&url, first.backend_pid()).await;
    tokio::time::timeout(TAKEOVER, lost.wait())
        .await
        .expect("the old leader learns that it lost the lock");
    assert!(first.is_lost());
    let second = tokio::time::timeout(TAKEOVER, second)
        .await
        .expect("the standby takes over within 10 s")
        .unwrap()
        .unwrap();
    assert_ne!(second.backend_pid(), first.backend_pid());
    assert_eq!(holders(&url, key).await, 1);
    drop(first);
    second.release().await.unwrap();
}

#[tokio::test]
async fn a_released_lock_goes_to_the_standby_and_other_bots_are_independent() {
    let Some(url) = pg_url() else { return };
    let key = fresh_key();
    let (first, second) = one_leader_and_one_waiting(&url, key).await;
    // Another bot's replicas lead at the same time.
    let other = tokio::time::timeout(TAKEOVER, leadership(&url, fresh_key()).acquire())
        .await
        .expect("another key is not blocked")
        .unwrap();
    first.release().await.unwrap();
    let second = tokio::time::timeout(TAKEOVER, second)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
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
        notice("the test server trusts every password: the refusal check is skipped");
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
