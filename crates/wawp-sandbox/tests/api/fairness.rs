//! A flood of idle or oversized connections does not shut out a client
//! that sends requests, nor fill the sandbox's memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::Instant;

use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;

use crate::common::*;
use crate::connections::{PATIENCE, allow_open_files, read_until_closed};

const IDLE_SOCKETS: usize = 1024;
const REQUESTS: usize = 80;

#[tokio::test]
async fn a_client_is_served_while_1024_idle_sockets_keep_reconnecting() {
    // Both ends of every socket live in this process.
    allow_open_files(6000);
    // The sandbox, the idle sockets and the client each on a runtime (and
    // thread) of their own, as if in three processes: none starves another.
    // The default cap (1,024) and header-read timeout (10 s).
    let sandbox = Background::start();
    let addr = sandbox.addr;
    let connects = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let flood = std::thread::spawn({
        let (connects, stop) = (connects.clone(), stop.clone());
        move || flood(addr, &connects, &stop)
    });

    // Until the flood fills the sandbox: a probe is refused, or health
    // counts the sandbox at its cap (less the room it keeps by closing idle
    // connections early), and the sockets are already reconnecting.
    let probe = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(PATIENCE)
        .build()
        .unwrap();
    let health_url = format!("http://{addr}/_sandbox/health");
    let near_cap = wawp_sandbox::DEFAULT_MAX_CONNECTIONS * 15 / 16;
    let deadline = Instant::now() + PATIENCE;
    loop {
        let full = match probe.get(&health_url).send().await {
            Ok(response) if response.status() == 503 => true,
            Ok(response) => {
                let health: serde_json::Value = response.json().await.unwrap();
                health["connections"].as_u64().unwrap() as usize >= near_cap - 1
            }
            Err(_) => false,
        };
        if full && connects.load(Ordering::Relaxed) >= IDLE_SOCKETS + 100 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the idle sockets never filled the sandbox"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A client with a new connection for every request: the hard case.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(PATIENCE)
        .build()
        .unwrap();
    let api =
        wawp_openapi::Client::new_with_client(&format!("http://{addr}"), http, Default::default());
    let before = connects.load(Ordering::Relaxed);
    for i in 0..REQUESTS {
        send(&api, &format!("2010{i:08}")).await.sent();
    }
    assert_eq!(sandbox.state.messages().len(), REQUESTS);
    // The flood went on meanwhile.
    assert!(connects.load(Ordering::Relaxed) > before);
    stop.store(true, Ordering::Relaxed);
    flood.join().unwrap();
    sandbox.stop();
}

/// A sandbox (known credentials, manual clock) served by a runtime on a
/// thread of its own.
struct Background {
    addr: SocketAddr,
    state: wawp_sandbox::SandboxState,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Background {
    fn start() -> Self {
        let (started, ready) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let (sandbox, _clock) = start().await;
                started
                    .send((sandbox.local_addr(), sandbox.state().clone()))
                    .unwrap();
                let _ = stopped.await;
                sandbox.shutdown().await;
            });
        });
        let (addr, state) = ready.recv().expect("the sandbox starts");
        Background {
            addr,
            state,
            stop,
            thread,
        }
    }

    fn stop(self) {
        let _ = self.stop.send(());
        self.thread.join().unwrap();
    }
}

/// Runs [`IDLE_SOCKETS`] idle sockets against `addr`, each reconnecting
/// when closed, until `stop`.
fn flood(addr: SocketAddr, connects: &Arc<AtomicUsize>, stop: &AtomicBool) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut sockets = JoinSet::new();
        for _ in 0..IDLE_SOCKETS {
            // One after the other: a burst of 1,024 connects overflows the
            // kernel's queues and leaves some of them waiting for seconds.
            let first = TcpStream::connect(addr).await.unwrap();
            connects.fetch_add(1, Ordering::Relaxed);
            sockets.spawn(idle_socket(addr, first, connects.clone()));
        }
        while !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        sockets.abort_all();
    });
}

#[tokio::test]
async fn an_unfinished_400_kb_head_is_refused_early_and_closed() {
    // The header-read timeout cannot be what closes it here.
    let (sandbox, _clock) = start_with(|b| b.header_read_timeout(Duration::from_secs(600))).await;
    let mut stream = TcpStream::connect(sandbox.local_addr()).await.unwrap();
    stream
        .write_all(b"GET /_sandbox/health HTTP/1.1\r\nhost: 127.0.0.1\r\nx-padding: ")
        .await
        .unwrap();
    let chunk = [b'a'; 4096];
    let mut written = 0;
    while written < 400 * 1024 {
        // Fails once the sandbox has closed the connection.
        if stream.write_all(&chunk).await.is_err() {
            break;
        }
        written += chunk.len();
    }
    // Never finished, yet closed: by the head cap. The 431 may be lost to
    // the reset that unread bytes cause; if it arrives it is a 431.
    let received = read_until_closed(&mut stream, Instant::now() + PATIENCE).await;
    let text = String::from_utf8_lossy(&received);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 431"),
        "{text}"
    );
    assert!(sandbox.messages().is_empty());
}

#[tokio::test]
async fn a_head_just_over_the_cap_gets_431() {
    let (sandbox, _clock) = start().await;
    let mut stream = TcpStream::connect(sandbox.local_addr()).await.unwrap();
    let padding = "a".repeat(wawp_sandbox::MAX_HEAD_BYTES);
    let head =
        format!("GET /_sandbox/health HTTP/1.1\r\nhost: 127.0.0.1\r\nx-padding: {padding}\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let received = read_until_closed(&mut stream, Instant::now() + PATIENCE).await;
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 431"), "{text}");

    // A head well under the cap is served.
    let padding = "a".repeat(wawp_sandbox::MAX_HEAD_BYTES / 2);
    let response = reqwest::Client::new()
        .get(format!("{}/_sandbox/health", sandbox.base_url()))
        .header("x-padding", padding)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// Holds `stream` until the sandbox closes it, then connects again, and so
/// on; counts each new connection in `connects`.
async fn idle_socket(addr: SocketAddr, first: TcpStream, connects: Arc<AtomicUsize>) {
    let mut buf = [0u8; 256];
    let mut idle = Some(first);
    loop {
        if let Some(mut stream) = idle.take() {
            // Until the sandbox closes it (503 or to make room).
            while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
        }
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                connects.fetch_add(1, Ordering::Relaxed);
                idle = Some(stream);
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}
