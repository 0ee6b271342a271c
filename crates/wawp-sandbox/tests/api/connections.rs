//! Slow and idle clients are reaped and connections are capped, so a flood
//! of half-sent requests cannot take the sandbox down. Timeouts are short
//! here so the tests are quick; every wait is bounded by a generous deadline
//! (no timing is asserted).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use crate::common::*;

/// How long a test waits at most for what the sandbox should do in well
/// under a second.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub const HALF_REQUEST: &[u8] = b"GET /_sandbox/health HTTP/1.1\r\nhost: 127.0.0.1\r\n";

/// `GET /_sandbox/health` over a new connection: its status.
async fn health(addr: SocketAddr) -> u16 {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(PATIENCE)
        .build()
        .unwrap();
    let response = client
        .get(format!("http://{addr}/_sandbox/health"))
        .send()
        .await
        .expect("health answers");
    response.status().as_u16()
}

/// Reads until the peer closes (or resets) the connection; what it sent
/// before. Panics if it is still open at `deadline`.
pub async fn read_until_closed(stream: &mut TcpStream, deadline: Instant) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return received,
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
            Err(_) => panic!(
                "connection still open after {PATIENCE:?}; received {:?}",
                String::from_utf8_lossy(&received)
            ),
        }
    }
}

/// Makes room for `needed` open files in this process (both ends of every
/// test connection live here): raises the soft limit up to the hard one.
#[cfg(unix)]
pub fn allow_open_files(needed: libc::rlim_t) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        if limit.rlim_cur < needed {
            limit.rlim_cur = limit.rlim_max;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
    assert!(
        limit.rlim_cur >= needed,
        "this test needs {needed} open files; the hard limit is {}",
        limit.rlim_max
    );
}

#[cfg(not(unix))]
pub fn allow_open_files(_needed: u64) {}

#[tokio::test]
async fn two_thousand_idle_half_requests_are_closed_and_health_answers_throughout() {
    // 2,000 client ends, 2,000 server ends, and room for the other tests.
    allow_open_files(6000);
    let (sandbox, _clock) = start_with(|b| {
        b.header_read_timeout(Duration::from_millis(500))
            .max_connections(4096)
    })
    .await;
    let addr = sandbox.local_addr();
    let mut idle = Vec::with_capacity(2000);
    for i in 0..2000 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(HALF_REQUEST).await.unwrap();
        idle.push(stream);
        if i % 250 == 0 {
            assert_eq!(health(addr).await, 200, "after {i} half-requests");
        }
    }
    assert_eq!(health(addr).await, 200, "with 2000 half-requests open");

    let deadline = Instant::now() + PATIENCE;
    for stream in &mut idle {
        let received = read_until_closed(stream, deadline).await;
        // hyper may say 408 before closing; it never answers the half request.
        let text = String::from_utf8_lossy(&received);
        assert!(!text.contains(" 200 "), "{text}");
    }
    assert_eq!(health(addr).await, 200, "after they were closed");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let (sandbox, _clock) = start_with(|b| b.header_read_timeout(Duration::from_millis(300))).await;
    let mut stream = TcpStream::connect(sandbox.local_addr()).await.unwrap();
    stream.write_all(HALF_REQUEST).await.unwrap();
    stream.write_all(b"\r\n").await.unwrap();
    let received = read_until_closed(&mut stream, Instant::now() + PATIENCE).await;
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    assert!(text.contains(r#""status":"ok""#), "{text}");
}

#[tokio::test]
async fn a_request_that_stalls_mid_body_gets_408_and_is_closed() {
    let (sandbox, _clock) = start_with(|b| b.request_timeout(Duration::from_millis(300))).await;
    let mut stream = TcpStream::connect(sandbox.local_addr()).await.unwrap();
    stream
        .write_all(
            b"POST /v2/auth/otp/send HTTP/1.1\r\nhost: 127.0.0.1\r\n\
              content-type: application/json\r\ncontent-length: 100\r\n\r\n{\"chatId\":",
        )
        .await
        .unwrap();
    let received = read_until_closed(&mut stream, Instant::now() + PATIENCE).await;
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains(r#""code":"request_timeout""#), "{text}");
    assert!(sandbox.messages().is_empty());
}

/// A POST whose body never arrives in full: the connection is busy.
const STALLED_POST: &[u8] = b"POST /v2/auth/otp/send HTTP/1.1\r\nhost: 127.0.0.1\r\n\
    content-type: application/json\r\ncontent-length: 100\r\n\r\n{\"chatId\":";

#[tokio::test]
async fn when_every_connection_is_busy_one_more_gets_503_and_is_closed() {
    let (sandbox, _clock) = start_with(|b| {
        b.max_connections(2)
            .request_timeout(Duration::from_millis(500))
    })
    .await;
    let addr = sandbox.local_addr();
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(STALLED_POST).await.unwrap();
        held.push(stream);
    }
    // The two are accepted and busy once this answers 503; retry until so.
    let deadline = Instant::now() + PATIENCE;
    let refused = loop {
        let mut extra = TcpStream::connect(addr).await.unwrap();
        let received = read_until_closed(&mut extra, deadline).await;
        let text = String::from_utf8_lossy(&received).into_owned();
        if text.starts_with("HTTP/1.1 503") {
            break text;
        }
        assert!(Instant::now() < deadline, "never refused: {text}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(refused.contains("retry-after: 1"), "{refused}");
    assert!(
        refused.contains(r#""code":"too_many_connections""#),
        "{refused}"
    );

    // Once the held ones time out (408), requests are served again.
    for stream in &mut held {
        read_until_closed(stream, deadline).await;
    }
    loop {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        let url = format!("http://{addr}/_sandbox/health");
        if let Ok(response) = client.get(&url).send().await
            && response.status() == 200
        {
            break;
        }
        assert!(Instant::now() < deadline, "health never recovered");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn at_the_cap_the_oldest_idle_connection_makes_room() {
    // Idle sockets that send nothing would otherwise hold both places for
    // the whole (long) header-read timeout.
    let (sandbox, _clock) = start_with(|b| {
        b.max_connections(2)
            .header_read_timeout(Duration::from_secs(600))
    })
    .await;
    let addr = sandbox.local_addr();
    let mut idle = Vec::new();
    for _ in 0..2 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    for _ in 0..3 {
        assert_eq!(health(addr).await, 200);
    }
    // The oldest idle one was closed to make room (the newest may be too).
    read_until_closed(&mut idle[0], Instant::now() + PATIENCE).await;
}

#[tokio::test]
async fn start_errors_say_which_setting_or_address_failed() {
    use wawp_sandbox::{Sandbox, StartError};

    let err = Sandbox::builder()
        .access_token("has space")
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StartError::InvalidCredential {
                setting: "access token"
            }
        ),
        "{err:?}"
    );
    let err = Sandbox::builder()
        .max_connections(0)
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, StartError::InvalidLimit { .. }), "{err:?}");
    assert!(err.to_string().contains("max_connections"), "{err}");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let err = Sandbox::builder().listen(addr).start().await.unwrap_err();
    match &err {
        StartError::Bind { addr: failed, .. } => assert_eq!(*failed, addr),
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with(&format!("cannot listen on {addr}: "))
    );
    let io: std::io::Error = err.into();
    assert_eq!(io.kind(), std::io::ErrorKind::AddrInUse);
}
