//! Issue 19 item 3: the public servers (`--listen`, `--metrics-listen`)
//! have header, body and idle timeouts and a connection cap, so idle or
//! slowly trickling sockets cannot shut Telegram's deliveries out.

use std::net::SocketAddr;
use std::process::{Child, Command};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wawp_bot::accept::{self, Limits};

use crate::common::*;
use crate::{free_addr, http};

const SECRET: &str = "conn_test-SECRET_0123456789";
/// A bound on each wait (a guard against a hang, not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(60);

/// Raises this process's soft limit of open files to `needed` if it is lower.
fn allow_open_files(needed: u64) {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    if soft < needed {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
    }
    assert!(
        hard >= needed,
        "this test needs {needed} open files; the hard limit is {hard}"
    );
}

/// Waits until the server closes `stream` (EOF or reset), at most `PATIENCE`.
async fn closed_by_server(stream: &mut TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(PATIENCE, stream.read(&mut buf)).await {
            Err(_) => panic!("the server kept the connection open for {PATIENCE:?}"),
            Ok(Ok(0)) | Ok(Err(_)) => return seen,
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// The real binary with systemd's default limit of open files (1,024), in
/// webhook mode on `listen`, storing in `db`.
fn bot_process(
    telegram: &FakeTelegram,
    wawp: &CountingWawp,
    db: &str,
    listen: SocketAddr,
) -> Child {
    let mut shell = Command::new("sh");
    shell.args([
        "-c",
        "ulimit -n 1024 && exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_wawp-bot"),
    ]);
    crate::bot_env(&mut shell, telegram, &wawp.base_url, db, &ADMIN.to_string())
        .args(["--webhook-url", &format!("http://{listen}/hook")])
        .args(["--listen", &listen.to_string()])
        .env("WAWP_BOT_WEBHOOK_SECRET", SECRET)
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eleven_hundred_idle_or_trickling_connections_do_not_stop_deliveries() {
    const IDLE: usize = 1_000;
    const TRICKLING: usize = 100;
    allow_open_files(4 * (IDLE + TRICKLING) as u64);
    let telegram = FakeTelegram::start().await;
    let wawp = CountingWawp::start().await;
    let (_dir, db) = temp_db();
    let listen = free_addr();
    let _bot = crate::Children(vec![bot_process(
        &telegram,
        &wawp,
        db.to_str().unwrap(),
        listen,
    )]);
    wawp_testkit::wait::until("setWebhook", PATIENCE, || {
        (!telegram.calls_to("setWebhook").is_empty()).then_some(())
    })
    .await;

    // 1,000 sockets that say nothing, 100 that send a header line now and
    // then and never finish the request: more than the process's 1,024
    // file descriptors.
    let mut idle = Vec::with_capacity(IDLE);
    for _ in 0..IDLE {
        idle.push(TcpStream::connect(listen).await.unwrap());
    }
    let trickling = tokio::spawn(async move {
        let mut streams = Vec::with_capacity(TRICKLING);
        for _ in 0..TRICKLING {
            let mut stream = TcpStream::connect(listen).await.unwrap();
            let _ = stream
                .write_all(b"POST /hook HTTP/1.1\r\nHost: x\r\n")
                .await;
            streams.push(stream);
        }
        loop {
            for stream in &mut streams {
                let _ = stream.write_all(b"X-Slow: y\r\n").await;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });

    // Telegram's deliveries still get in, are answered 200 and handled.
    let header = [("X-Telegram-Bot-Api-Secret-Token", SECRET)];
    for n in 0..5 {
        let update = private_message(ADMIN, "/whoami").to_string();
        let answer = tokio::time::timeout(
            PATIENCE,
            http::request(listen, "POST", "/hook", &header, &update),
        )
        .await
        .unwrap_or_else(|_| panic!("delivery {n} got no answer"));
        assert_eq!(answer.0, 200, "delivery {n}: {answer:?}");
    }
    telegram.wait_for_sent(5).await;
    assert_eq!(telegram.sent().len(), 5, "{:?}", telegram.sent());
    trickling.abort();
    drop(idle);
}

async fn limited_server(limits: Limits) -> SocketAddr {
    let router = axum::Router::new().route(
        "/echo",
        axum::routing::post(|body: axum::body::Bytes| async move { body }),
    );
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    tokio::spawn(accept::serve(tcp, router, limits, std::future::pending()));
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_heads_slow_bodies_and_idle_sockets_are_closed_and_the_oldest_idle_makes_room() {
    let short = Duration::from_millis(300);
    let addr = limited_server(Limits {
        header_read: short,
        body_read: short,
        idle: short,
        max_connections: 3,
    })
    .await;

    // A head that never ends.
    let mut slow_head = TcpStream::connect(addr).await.unwrap();
    slow_head
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    closed_by_server(&mut slow_head).await;

    // A body that never arrives: an error answer, then the connection ends.
    let mut slow_body = TcpStream::connect(addr).await.unwrap();
    slow_body
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        .await
        .unwrap();
    let answer = String::from_utf8_lossy(&closed_by_server(&mut slow_body).await).into_owned();
    assert!(!answer.starts_with("HTTP/1.1 200"), "{answer}");

    // A kept-alive connection after its request: closed once idle.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
        .await
        .unwrap();
    let answer = String::from_utf8_lossy(&closed_by_server(&mut kept).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // At the cap (3) with idle sockets, a fourth is served: the oldest idle
    // one is closed to make room.
    let addr = limited_server(Limits {
        max_connections: 3,
        ..Limits::default()
    })
    .await;
    let mut oldest = TcpStream::connect(addr).await.unwrap();
    let mut others = Vec::new();
    for _ in 0..2 {
        others.push(TcpStream::connect(addr).await.unwrap());
    }
    let (status, body) = http::request(addr, "POST", "/echo", &[], "pong").await;
    assert_eq!((status, body.as_str()), (200, "pong"));
    closed_by_server(&mut oldest).await;
}
