//! Issue 19 item 3: polling leadership is a lease with a heartbeat. Two real
//! `wawp-bot` processes poll on one PostgreSQL database (`WAWP_BOT_TEST_PG`;
//! skipped with a notice otherwise), each against a fake Bot API of its own
//! so that the test sees which one polls. The leader is SIGSTOPped (hung,
//! its connection and session still open): the standby polls within 10 s,
//! and the old leader, resumed, never polls again and exits non-zero.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::common::*;

/// The bound on a takeover.
const TAKEOVER: Duration = Duration::from_secs(10);
/// A bound on other waits (a guard against a hang, not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(45);

fn replica(telegram: &FakeTelegram, wawp: &CountingWawp, db: &str) -> Child {
    let bin = env!("CARGO_BIN_EXE_wawp-bot");
    crate::bot_env(
        &mut Command::new(bin),
        telegram,
        &wawp.base_url,
        db,
        &ADMIN.to_string(),
    )
    .spawn()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigstopped_leader_is_replaced_within_10_s_and_never_polls_after_it_resumes() {
    let Some(db) = crate::replicas::fresh_schema("the SIGSTOP leadership test").await else {
        return;
    };
    let (first_api, second_api) = (FakeTelegram::start().await, FakeTelegram::start().await);
    let wawp = CountingWawp::start().await;
    let mut replicas = crate::Children(vec![replica(&first_api, &wawp, &db)]);
    first_api.wait_polling().await;
    replicas.0.push(replica(&second_api, &wawp, &db));
    // The standby renews nothing and talks to no Telegram while the
    // leader's heartbeat is fresh.
    let leader_polls = first_api.calls_to("getUpdates").len();
    wawp_testkit::wait::until("the leader to go on polling", PATIENCE, || {
        (first_api.calls_to("getUpdates").len() > leader_polls + 10).then_some(())
    })
    .await;
    assert!(
        second_api.calls().is_empty(),
        "the standby does not talk to Telegram: {:?}",
        second_api.call_names()
    );

    let leader = Pid::from_raw(replicas.0[0].id() as i32);
    kill(leader, Signal::SIGSTOP).unwrap();
    let stopped = Instant::now();
    wawp_testkit::wait::until("the standby to poll", TAKEOVER, || {
        (!second_api.calls_to("getUpdates").is_empty()).then_some(())
    })
    .await;
    let took = stopped.elapsed();

    let before = first_api.calls_to("getUpdates").len();
    kill(leader, Signal::SIGCONT).unwrap();
    let status = wawp_testkit::wait::until("the old leader to exit", PATIENCE, || {
        replicas.0[0].try_wait().unwrap()
    })
    .await;
    assert_eq!(
        status.code(),
        Some(1),
        "the old leader exits non-zero so that systemd restarts it as a standby"
    );
    assert_eq!(
        first_api.calls_to("getUpdates").len(),
        before,
        "the old leader never polled again after it resumed"
    );

    // The new leader serves.
    let reply = second_api
        .ask(private_message(ADMIN, &format!("/send {PHONE} en")))
        .await;
    assert!(reply.text.starts_with("✅ Code sent"), "{}", reply.text);
    assert!(took < TAKEOVER, "took over after {took:?}");
}
