//! `/readyz` (issue 19 item 3): the cached store check, the receiving loop,
//! draining, and Telegram reported without failing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use wawp_bot::ops::{DB_PROBE_TIMEOUT, DbProbe, Metrics, Readiness, router};

use super::{get, ready, sample, switchable_db};

#[tokio::test]
async fn readyz_follows_the_cached_store_check_and_recovers() {
    let metrics = Metrics::new();
    metrics.telegram_ok();
    let (db, writable) = switchable_db();
    let readiness = ready(&metrics, db).await;
    let app = router(metrics, readiness.clone());

    let (status, body) = get(&app, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("database: ok (writable"), "{body}");
    assert!(body.contains("receiving: ok"), "{body}");

    writable.store(false, Ordering::SeqCst);
    // A probe reads the last check; the next check sees the failure.
    assert_eq!(get(&app, "/readyz").await.0, StatusCode::OK);
    readiness.check_now().await;
    let (status, body) = get(&app, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body.contains("database: FAILING: attempt to write a readonly database"),
        "{body}"
    );
    assert!(body.contains("telegram: ok"), "{body}");

    // Recovers with the next check.
    writable.store(true, Ordering::SeqCst);
    readiness.check_now().await;
    assert_eq!(get(&app, "/readyz").await.0, StatusCode::OK);
}

#[tokio::test]
async fn an_unreachable_telegram_is_reported_but_readyz_stays_ready() {
    let metrics = Metrics::new();
    let (db, _) = switchable_db();
    let readiness = ready(&metrics, db)
        .await
        .telegram_max_age(Duration::from_secs(60));
    let app = router(metrics.clone(), readiness.clone());

    let (status, body) = get(&app, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("telegram: unreachable (no successful round trip yet"),
        "{body}"
    );
    assert_eq!(
        sample(&metrics.render(), "wawp_bot_telegram_reachable"),
        Some(0.0)
    );

    let Some(two_minutes_ago) = Instant::now().checked_sub(Duration::from_secs(120)) else {
        return; // a machine up for less than two minutes cannot express it
    };
    // getMe failing for two minutes: every replica sees it, none leaves the pool.
    metrics.telegram_ok_at(two_minutes_ago);
    let (status, body) = get(&app, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("telegram: unreachable (last successful round trip 120 s ago"),
        "{body}"
    );
    assert!(body.contains("database: ok"), "{body}");

    metrics.telegram_ok();
    readiness.check_now().await;
    let (status, body) = get(&app, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("telegram: ok"), "{body}");
    assert_eq!(
        sample(&metrics.render(), "wawp_bot_telegram_reachable"),
        Some(1.0)
    );
}

#[tokio::test]
async fn readyz_needs_a_receiving_loop_that_is_alive() {
    let metrics = Metrics::new();
    let (db, _) = switchable_db();
    let readiness =
        Readiness::new(metrics.clone(), db).receiving_max_age(Duration::from_millis(300));
    readiness.check_now().await;
    let app = router(metrics, readiness.clone());
    let (status, body) = get(&app, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body.contains("receiving: FAILING: not started yet"),
        "{body}"
    );

    readiness.receiving_alive();
    assert_eq!(get(&app, "/readyz").await.0, StatusCode::OK);
    // The loop goes silent: no longer ready.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = get(&app, "/readyz").await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert!(
                body.contains("receiving: FAILING: no sign of life"),
                "{body}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "still ready: {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn draining_makes_readyz_fail_at_once() {
    let metrics = Metrics::new();
    metrics.telegram_ok();
    let (db, _) = switchable_db();
    let readiness = ready(&metrics, db).await;
    let app = router(metrics, readiness.clone());
    assert_eq!(get(&app, "/readyz").await.0, StatusCode::OK);
    readiness.set_draining();
    let (status, body) = get(&app, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.starts_with("draining: "), "{body}");
    // Alive all the same.
    assert_eq!(get(&app, "/healthz").await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_never_touch_the_store_nor_wait_behind_a_hanging_check() {
    let checks = Arc::new(AtomicUsize::new(0));
    let hang = Arc::new(AtomicBool::new(false));
    let db = DbProbe::new({
        let (checks, hang) = (checks.clone(), hang.clone());
        move || {
            checks.fetch_add(1, Ordering::SeqCst);
            let hang = hang.load(Ordering::SeqCst);
            async move {
                if hang {
                    // The store's busy lock held by someone else.
                    std::future::pending::<()>().await;
                }
                Ok(())
            }
        }
    });
    let metrics = Metrics::new();
    let readiness = ready(&metrics, db).await;
    let app = router(metrics, readiness.clone());
    assert_eq!(checks.load(Ordering::SeqCst), 1);

    // 200 concurrent probes: not one store check.
    let probes = (0..200).map(|_| get(&app, "/readyz"));
    for (status, body) in futures::future::join_all(probes).await {
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(
        checks.load(Ordering::SeqCst),
        1,
        "a probe ran a store check"
    );

    // A check stuck behind a lock: probes answer from the last result
    // meanwhile, and the check itself gives up after its timeout.
    hang.store(true, Ordering::SeqCst);
    let stuck = tokio::spawn({
        let readiness = readiness.clone();
        async move { readiness.check_now().await }
    });
    wawp_testkit::wait::until("the check to start", Duration::from_secs(10), || {
        (checks.load(Ordering::SeqCst) == 2).then_some(())
    })
    .await;
    let (status, _) = tokio::time::timeout(DB_PROBE_TIMEOUT, get(&app, "/readyz"))
        .await
        .expect("a probe does not wait for the store check");
    assert_eq!(status, StatusCode::OK);
    stuck.await.unwrap();
    let (status, body) = get(&app, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body.contains("database: FAILING: no answer within"),
        "{body}"
    );
}
