//! Serving HTTP on a socket that strangers can reach: the webhook
//! (`--listen`) and the ops server (`--metrics-listen`).
//!
//! `axum::serve` has no timeouts and no connection cap, so a thousand idle
//! or slowly trickling sockets exhaust the process's file descriptors and
//! Telegram's deliveries find no room (issue 19 item 3). Here:
//!
//! - the request head must arrive within [`Limits::header_read`];
//! - the request body within [`Limits::body_read`] (its stream then fails:
//!   the route answers an error, and Telegram delivers again);
//! - a connection with no request in progress is closed after
//!   [`Limits::idle`];
//! - at most [`Limits::max_connections`] are open; when a new one arrives at
//!   the cap, the connection idle the longest is closed to make room (so
//!   idle sockets cannot shut Telegram out); only when every open connection
//!   is in the middle of a request is the new one closed at once.
//!
//! A request's handler runs in a task of its own: closing its connection
//! (a client gone, a reaped socket) never cancels it half-way, e.g. between
//! claiming an update in the store and handing it on.
//!
//! ```no_run
//! # async fn demo(router: axum::Router) -> std::io::Result<()> {
//! let tcp = tokio::net::TcpListener::bind("127.0.0.1:8443").await?;
//! wawp_bot::accept::serve(tcp, router, wawp_bot::accept::Limits::default(), std::future::pending()).await;
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::time::Instant;
use tower::ServiceExt;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// Default of [`Limits::header_read`].
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default of [`Limits::idle`].
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default of [`Limits::body_read`].
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default of [`Limits::max_connections`]. The systemd unit's
/// `LimitNOFILE=` leaves room above it for the database and Telegram.
pub const MAX_CONNECTIONS: usize = 512;
/// The pause after an `accept` error such as "too many open files".
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The timeouts and the connection cap of [`serve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long the request line and headers may take to arrive.
    pub header_read: Duration,
    /// How long the request body may take to arrive.
    pub body_read: Duration,
    /// How long a connection may stay open with no request in progress.
    pub idle: Duration,
    /// How many connections may be open at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read: HEADER_READ_TIMEOUT,
            body_read: BODY_READ_TIMEOUT,
            idle: IDLE_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

/// One open connection as the accept loop sees it.
#[derive(Debug)]
struct Slot {
    state: Mutex<SlotState>,
    /// Tells the connection's task to close it.
    close: Notify,
}

#[derive(Debug)]
struct SlotState {
    /// Requests in progress.
    busy: u32,
    /// Since when no request is in progress (when `busy` is 0).
    idle_since: Instant,
}

impl Slot {
    fn new() -> Slot {
        Slot {
            state: Mutex::new(SlotState {
                busy: 0,
                idle_since: Instant::now(),
            }),
            close: Notify::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// When this connection has been idle too long, if it stays idle.
    fn idle_deadline(&self, idle: Duration) -> Option<Instant> {
        let state = self.state();
        (state.busy == 0).then_some(state.idle_since + idle)
    }
}

/// Marks its connection busy while a request is in progress.
struct Busy(Arc<Slot>);

impl Busy {
    fn start(slot: Arc<Slot>) -> Busy {
        slot.state().busy += 1;
        Busy(slot)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.busy -= 1;
        if state.busy == 0 {
            state.idle_since = Instant::now();
        }
    }
}

/// The open connections, by arrival.
#[derive(Debug, Default)]
struct Open {
    next: u64,
    slots: BTreeMap<u64, Arc<Slot>>,
}

type Shared = Arc<Mutex<Open>>;

fn lock(open: &Shared) -> MutexGuard<'_, Open> {
    open.lock().unwrap_or_else(|e| e.into_inner())
}

/// Makes room for one more connection: `true` when there is room (after
/// closing the one idle the longest, if needed).
fn make_room(open: &Shared, max: usize) -> bool {
    let mut open = lock(open);
    if open.slots.len() < max {
        return true;
    }
    let oldest_idle = open
        .slots
        .iter()
        .filter_map(|(id, slot)| {
            let state = slot.state();
            (state.busy == 0).then_some((state.idle_since, *id))
        })
        .min();
    let Some((_, id)) = oldest_idle else {
        return false;
    };
    if let Some(slot) = open.slots.remove(&id) {
        // `notify_one` keeps the wake-up if the task is not waiting yet.
        slot.close.notify_one();
    }
    true
}

/// Serves `router` on `listener` within `limits` until `shutdown`
/// resolves; then stops accepting and closes the open connections (the
/// handlers already running finish in their own tasks).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) {
    let router = router.layer(RequestBodyTimeoutLayer::new(limits.body_read));
    let open: Shared = Arc::default();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let tcp = match accepted {
            Ok((tcp, _peer)) => tcp,
            Err(err) => {
                // Per-connection errors (reset before accept) and a full
                // descriptor table alike: pause, never spin.
                tracing::warn!(error = %err, "cannot accept a connection; retrying shortly");
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        if !make_room(&open, limits.max_connections) {
            tracing::debug!(
                max = limits.max_connections,
                "every connection is busy: a new one is closed"
            );
            continue;
        }
        let slot = Arc::new(Slot::new());
        let id = {
            let mut open = lock(&open);
            let id = open.next;
            open.next += 1;
            open.slots.insert(id, slot.clone());
            id
        };
        let task = connection(tcp, &http, router.clone(), slot, limits.idle);
        let open = open.clone();
        tokio::spawn(async move {
            task.await;
            lock(&open).slots.remove(&id);
        });
    }
    drop(listener);
    for slot in std::mem::take(&mut lock(&open).slots).into_values() {
        slot.close.notify_one();
    }
}

/// Serves one connection until it ends, is reaped or stays idle too long.
fn connection(
    tcp: TcpStream,
    http: &http1::Builder,
    router: Router,
    slot: Arc<Slot>,
    idle: Duration,
) -> impl Future<Output = ()> + Send + 'static {
    let _ = tcp.set_nodelay(true);
    let service = service_fn({
        let slot = slot.clone();
        move |request: Request<Incoming>| {
            let busy = Busy::start(slot.clone());
            let handled = tokio::spawn(router.clone().oneshot(request.map(Body::new)));
            async move {
                let response = handled.await;
                drop(busy);
                match response {
                    Ok(Ok(response)) => Ok(response),
                    Ok(Err(never)) => match never {},
                    Err(panicked) => Err(panicked),
                }
            }
        }
    });
    let conn = http.serve_connection(TokioIo::new(tcp), service);
    async move {
        tokio::pin!(conn);
        loop {
            let deadline = slot
                .idle_deadline(idle)
                .unwrap_or_else(|| Instant::now() + idle);
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(err) = result {
                        tracing::debug!(error = %err, "connection closed");
                    }
                    return;
                }
                () = slot.close.notified() => return,
                () = tokio::time::sleep_until(deadline) => {
                    if slot.idle_deadline(idle).is_some_and(|at| at <= Instant::now()) {
                        return;
                    }
                }
            }
        }
    }
}
