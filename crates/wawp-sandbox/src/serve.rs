//! The accept loop: each connection is served by hyper's HTTP/1 connection
//! builder with a timer, so clients that stall are reaped, and a cap on open
//! connections keeps the sandbox below its file limit (axum's `serve` has
//! neither).
//!
//! - **Header-read timeout** (default 10 s): from the moment a connection
//!   waits for a request (just opened, or idle after an answer) until that
//!   request's head has arrived in full. hyper closes the connection when it
//!   runs out, so this is also the idle keep-alive timeout.
//! - **Request heads** of at most [`MAX_HEAD_BYTES`] (hyper's read buffer
//!   is capped there): a longer head is answered `431` and the connection
//!   closed, so a half-sent huge head costs at most that much memory, freed
//!   with the connection.
//! - **Request timeout** (default 10 s): from the head until the answer,
//!   reading the body included. A client that stalls in the middle of its
//!   body is answered `408 request_timeout` and the connection is closed.
//! - **Connection cap** (default 1,024, lowered below the open-file limit
//!   read at start): when it is near (within a sixteenth), each new
//!   connection closes the oldest **idle** one (see `conns`), so idle
//!   sockets, however many reconnect, cannot shut out a client that sends
//!   requests. Only when every connection is busy is a new one answered
//!   `503 too_many_connections` (JSON, `Retry-After: 1`) and closed.
//! - **Accept errors** (such as "too many open files") pause the loop
//!   briefly, close the oldest idle connection, and are logged as a WARN at
//!   most once a minute.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot, watch};

use crate::conns::{Registry, Socket, Tracked};
use crate::error::{ApiError, ErrorCode};
use crate::fdlimit::{self, WarnPace};

/// Default header-read (and idle keep-alive) timeout.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed from a request's head to its answer.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Default cap on open connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// The longest request head (request line and headers) read; a longer one
/// is answered `431 Request Header Fields Too Large` (by hyper, without a
/// body) and its connection closed.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// How long the loop pauses after an accept error such as "too many open
/// files", instead of spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// How long a new connection waits for the room an evicted idle one frees.
const ROOM_WAIT: Duration = Duration::from_secs(1);

/// The connection limits of the accept loop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) header_read_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) max_connections: usize,
}

impl Limits {
    /// The connection cap, lowered below the process's open-file limit;
    /// says so (once) when it is.
    pub(crate) fn fit_open_file_limit(mut self) -> Self {
        let limit = fdlimit::open_file_limit();
        let cap = fdlimit::cap_below(self.max_connections, limit);
        if cap < self.max_connections {
            tracing::warn!(
                asked = self.max_connections,
                cap,
                open_file_limit = limit,
                "connection cap lowered below the open-file limit (ulimit -n)"
            );
            self.max_connections = cap;
        }
        self
    }
}

/// Accepts and serves connections until `stop` fires (or its sender is
/// dropped), then stops accepting, closes the listener and waits for the
/// open connections to finish their requests in flight.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    gauge: Arc<AtomicUsize>,
    mut stop: oneshot::Receiver<()>,
) {
    let app = app.layer(middleware::from_fn_with_state(
        limits.request_timeout,
        answer_in_time,
    ));
    let max = limits.max_connections;
    // Idle connections start to be closed from here on.
    let near = max - max / 16;
    let open = Arc::new(Semaphore::new(max));
    let registry = Arc::new(Registry::default());
    let (shutdown, shutting_down) = watch::channel(());
    // Each connection task holds a sender; all gone = all closed.
    let (running, mut all_closed) = mpsc::channel::<()>(1);
    let mut warn_pace = WarnPace::default();
    // New connections waiting for room (each holds a descriptor).
    let waiting = Arc::new(AtomicUsize::new(0));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        let tcp = match accepted {
            Ok((tcp, _peer)) => tcp,
            Err(err) if is_connection_error(&err) => continue,
            Err(err) => {
                // Out of descriptors, most likely: make room, and say so
                // at most once a minute.
                registry.evict_oldest_idle();
                if let Some(held_back) = warn_pace.allow(std::time::Instant::now()) {
                    tracing::warn!(%err, held_back, "cannot accept a connection; retrying shortly (this warning: at most once a minute)");
                } else {
                    tracing::debug!(%err, "cannot accept a connection");
                }
                tokio::select! {
                    _ = &mut stop => break,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        let in_use = max - open.available_permits();
        if in_use.saturating_sub(registry.closing()) >= near {
            registry.evict_oldest_idle();
        }
        let permit = match open.clone().try_acquire_owned() {
            Ok(permit) => Some(permit),
            // Full: wait for the room an evicted idle connection frees,
            // unless every connection is busy (or enough already wait).
            Err(_)
                if (registry.closing() > 0 || registry.evict_oldest_idle())
                    && waiting.load(Ordering::Acquire) <= max / 16 =>
            {
                // Counted here, so a burst cannot outrun the bound.
                waiting.fetch_add(1, Ordering::AcqRel);
                None
            }
            Err(_) => {
                refuse(&tcp, max);
                continue;
            }
        };
        // Small request/response pairs: do not wait to coalesce writes.
        let _ = tcp.set_nodelay(true);
        let connection = Connection {
            http: http.clone(),
            app: app.clone(),
            registry: registry.clone(),
            open: open.clone(),
            shutting_down: shutting_down.clone(),
            running: running.clone(),
            gauge: gauge.clone(),
            waiting: waiting.clone(),
            max,
        };
        tokio::spawn(connection.serve(tcp, permit));
    }
    drop(listener);
    let _ = shutdown.send(());
    drop(running);
    let _ = all_closed.recv().await;
}

/// What one connection's task needs.
struct Connection {
    http: http1::Builder,
    app: Router,
    registry: Arc<Registry>,
    open: Arc<Semaphore>,
    shutting_down: watch::Receiver<()>,
    running: mpsc::Sender<()>,
    /// Open connections, for `/_sandbox/health`.
    gauge: Arc<AtomicUsize>,
    /// New connections waiting for room.
    waiting: Arc<AtomicUsize>,
    max: usize,
}

impl Connection {
    /// Serves `tcp` until it closes, is evicted to make room, or the server
    /// stops. Without a `permit` it first waits briefly for the room an
    /// evicted connection frees.
    async fn serve(mut self, tcp: TcpStream, permit: Option<OwnedSemaphorePermit>) {
        let _permit = match permit {
            Some(permit) => permit,
            None => {
                let room = tokio::time::timeout(ROOM_WAIT, self.open.clone().acquire_owned()).await;
                self.waiting.fetch_sub(1, Ordering::AcqRel);
                match room {
                    Ok(Ok(permit)) => permit,
                    _ => {
                        refuse(&tcp, self.max);
                        return;
                    }
                }
            }
        };
        self.gauge.fetch_add(1, Ordering::Relaxed);
        let slot = self.registry.register(Socket::of(&tcp));
        let io = TokioIo::new(Tracked::new(tcp, slot.clone()));
        let connection = self
            .http
            .serve_connection(io, TowerToHyperService::new(self.app.clone()));
        let mut connection = std::pin::pin!(connection);
        let mut closing = false;
        loop {
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(err) = result {
                        tracing::debug!(%err, "connection closed");
                    }
                    break;
                }
                () = slot.evicted(), if !closing => {
                    tracing::debug!("idle connection closed to make room");
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                }
                _ = self.shutting_down.changed(), if !closing => {
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
        self.registry.closed(&slot);
        self.gauge.fetch_sub(1, Ordering::Relaxed);
        drop(self.running);
    }
}

/// Answers `408 request_timeout` (and closes the connection) when a request
/// takes longer than `limit`, reading its body included.
async fn answer_in_time(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let mut response = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                ErrorCode::RequestTimeout,
                format!(
                    "request timeout: the request (body included) must arrive within {} ms",
                    limit.as_millis()
                ),
            )
            .into_response();
            response.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
            response
        }
    }
}

/// Errors of one connection (the next accept may well succeed).
fn is_connection_error(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Answers a connection beyond the cap with a 503 if the socket takes it at
/// once (never waits for a slow client), then closes it.
fn refuse(tcp: &TcpStream, max: usize) {
    tracing::debug!(max, "connection refused: too many open connections");
    let body = format!(
        r#"{{"code":"{}","message":"the sandbox serves at most {max} connections at once; retry later"}}"#,
        ErrorCode::TooManyConnections.as_str()
    );
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = tcp.try_write(answer.as_bytes());
}
