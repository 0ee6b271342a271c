//! The accept loop: each connection is served by hyper's HTTP/1 connection
//! builder with a timer, so clients that stall are reaped, and a cap on open
//! connections keeps the sandbox below its file limit (axum's `serve` has
//! neither).
//!
//! - **Header-read timeout** (default 10 s): from the moment a connection
//!   waits for a request (just opened, or idle after an answer) until that
//!   request's head has arrived in full. hyper closes the connection when it
//!   runs out, so this is also the idle keep-alive timeout.
//! - **Request timeout** (default 10 s): from the head until the answer,
//!   reading the body included. A client that stalls in the middle of its
//!   body is answered `408 request_timeout` and the connection is closed.
//! - **Connection cap** (default 1,024): a connection beyond it is answered
//!   `503 too_many_connections` (JSON, `Retry-After: 1`) and closed at once.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot};

use crate::error::{ApiError, ErrorCode};

/// Default header-read (and idle keep-alive) timeout.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed from a request's head to its answer.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Default cap on open connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// How long the loop pauses after an accept error such as "too many open
/// files", instead of spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The connection limits of the accept loop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) header_read_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) max_connections: usize,
}

/// Accepts and serves connections until `stop` fires (or its sender is
/// dropped), then stops accepting, closes the listener and waits for the
/// open connections to finish their requests in flight.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    mut stop: oneshot::Receiver<()>,
) {
    let app = app.layer(middleware::from_fn_with_state(
        limits.request_timeout,
        answer_in_time,
    ));
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
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
                tracing::warn!(%err, "cannot accept a connection; retrying shortly");
                tokio::select! {
                    _ = &mut stop => break,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            refuse(&tcp, limits.max_connections);
            continue;
        };
        // Small request/response pairs: do not wait to coalesce writes.
        let _ = tcp.set_nodelay(true);
        let connection =
            http.serve_connection(TokioIo::new(tcp), TowerToHyperService::new(app.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%err, "connection closed");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
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
