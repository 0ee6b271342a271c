//! The open connections, oldest first, so that idle ones can be closed to
//! make room when the connection cap is near.
//!
//! A connection is **idle** when nothing has arrived since it last wrote (a
//! fresh connection that has sent nothing, or a keep-alive connection
//! between requests), and **busy** from the first byte of a request until
//! its answer is written; one whose socket holds bytes not yet read (a
//! request that arrived before its task ran) is busy too. Only idle
//! connections are closed to make room,
//! oldest first, through hyper's graceful shutdown, which closes an idle
//! connection at once and lets a request in flight finish. A client that
//! opens connections and sends nothing therefore cannot hold the sandbox:
//! each new connection pushes out the oldest idle one.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

const IDLE: u8 = 0;
const BUSY: u8 = 1;
const EVICTED: u8 = 2;
const CLOSED: u8 = 3;

/// One open connection, as the registry sees it.
#[derive(Debug)]
pub(crate) struct Slot {
    state: AtomicU8,
    /// The socket, to see whether bytes wait in it.
    socket: Socket,
    /// Woken when the connection is asked to close to make room.
    evict: Notify,
}

impl Slot {
    /// Waits until the connection is asked to close to make room.
    pub(crate) async fn evicted(&self) {
        self.evict.notified().await;
    }
}

/// The open connections in the order they were opened (a connection that
/// was busy when passed over moves to the back).
#[derive(Debug, Default)]
pub(crate) struct Registry {
    slots: Mutex<VecDeque<Arc<Slot>>>,
    /// Connections asked to close that have not closed yet.
    closing: AtomicUsize,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, VecDeque<Arc<Slot>>> {
        // Nothing panics while it is locked; a poisoned one is still valid.
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a connection, idle until it sends something.
    pub(crate) fn register(&self, socket: Socket) -> Arc<Slot> {
        let slot = Arc::new(Slot {
            state: AtomicU8::new(IDLE),
            socket,
            evict: Notify::new(),
        });
        let mut slots = self.lock();
        slots.push_back(slot.clone());
        // Closed connections are dropped lazily; keep the queue short.
        if slots.len() >= 64 && slots.len().is_power_of_two() {
            slots.retain(|s| s.state.load(Ordering::Acquire) < EVICTED);
        }
        slot
    }

    /// Marks a connection closed (its task has ended).
    pub(crate) fn closed(&self, slot: &Slot) {
        if slot.state.swap(CLOSED, Ordering::AcqRel) == EVICTED {
            self.closing.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// How many connections were asked to close and have not yet.
    pub(crate) fn closing(&self) -> usize {
        self.closing.load(Ordering::Acquire)
    }

    /// Asks the oldest idle connection to close; false if none is idle.
    pub(crate) fn evict_oldest_idle(&self) -> bool {
        let mut slots = self.lock();
        for _ in 0..slots.len() {
            let Some(slot) = slots.pop_front() else {
                break;
            };
            match slot.state.load(Ordering::Acquire) {
                IDLE if !slot.socket.has_unread_bytes()
                    && slot
                        .state
                        .compare_exchange(IDLE, EVICTED, Ordering::AcqRel, Ordering::Acquire)
                        .is_ok() =>
                {
                    self.closing.fetch_add(1, Ordering::AcqRel);
                    slot.evict.notify_one();
                    return true;
                }
                // Busy (or it just became so): passed over, to the back.
                IDLE | BUSY => slots.push_back(slot),
                _ => {}
            }
        }
        false
    }
}

/// A connection's socket, as the registry sees it: only asked whether bytes
/// wait in it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Socket {
    #[cfg(unix)]
    fd: std::os::fd::RawFd,
}

impl Socket {
    #[cfg(unix)]
    pub(crate) fn of(stream: &impl std::os::fd::AsRawFd) -> Self {
        Socket {
            fd: stream.as_raw_fd(),
        }
    }

    #[cfg(not(unix))]
    pub(crate) fn of<T>(_stream: &T) -> Self {
        Socket {}
    }

    /// Whether bytes have arrived that the connection has not read yet.
    #[cfg(unix)]
    fn has_unread_bytes(self) -> bool {
        let mut byte = 0u8;
        // SAFETY: a non-blocking peek of at most one byte into `byte`. The
        // connection is open (it is not marked closed); should its
        // descriptor have been closed and reused meanwhile, the answer is
        // only wrong, never unsafe, and nothing is consumed.
        let n = unsafe {
            libc::recv(
                self.fd,
                (&raw mut byte).cast(),
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        n > 0
    }

    #[cfg(not(unix))]
    fn has_unread_bytes(self) -> bool {
        false
    }
}

/// A connection's socket that tells its [`Slot`] when it is idle or busy.
#[derive(Debug)]
pub(crate) struct Tracked<T> {
    inner: T,
    slot: Arc<Slot>,
}

impl<T> Tracked<T> {
    pub(crate) fn new(inner: T, slot: Arc<Slot>) -> Self {
        Tracked { inner, slot }
    }

    fn mark(&self, from: u8, to: u8) {
        // Never undoes EVICTED or CLOSED.
        let _ = self
            .slot
            .state
            .compare_exchange(from, to, Ordering::AcqRel, Ordering::Acquire);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Tracked<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.mark(IDLE, BUSY);
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Tracked<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.mark(BUSY, IDLE);
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.mark(BUSY, IDLE);
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A socket with nothing to read (not a socket at all: the peek fails).
    fn no_socket() -> Socket {
        #[cfg(unix)]
        return Socket { fd: -1 };
        #[cfg(not(unix))]
        return Socket {};
    }

    fn state(slot: &Slot) -> u8 {
        slot.state.load(Ordering::Acquire)
    }

    #[test]
    fn the_oldest_idle_connection_goes_first_and_busy_ones_are_kept() {
        let registry = Registry::default();
        let (a, b, c) = (
            registry.register(no_socket()),
            registry.register(no_socket()),
            registry.register(no_socket()),
        );
        a.state.store(BUSY, Ordering::Release);
        assert!(registry.evict_oldest_idle());
        assert_eq!((state(&a), state(&b), state(&c)), (BUSY, EVICTED, IDLE));
        assert_eq!(registry.closing(), 1);
        registry.closed(&b);
        assert_eq!(registry.closing(), 0);
        assert!(registry.evict_oldest_idle());
        assert_eq!(state(&c), EVICTED);
        // Only a busy one is left: nothing to evict.
        assert!(!registry.evict_oldest_idle());
        assert_eq!(state(&a), BUSY);
    }

    #[tokio::test]
    async fn reads_make_a_connection_busy_and_writes_idle_again() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let registry = Registry::default();
        let slot = registry.register(no_socket());
        let (client, server) = tokio::io::duplex(64);
        let (mut client, mut server) = (client, Tracked::new(server, slot.clone()));
        client.write_all(b"GET").await.unwrap();
        let mut buf = [0u8; 3];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(state(&slot), BUSY);
        assert!(!registry.evict_oldest_idle());
        server.write_all(b"200").await.unwrap();
        assert_eq!(state(&slot), IDLE);
        assert!(registry.evict_oldest_idle());
        // Evicted stays evicted whatever the socket does next.
        server.write_all(b"x").await.unwrap();
        assert_eq!(state(&slot), EVICTED);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_connection_with_a_request_waiting_is_not_idle() {
        use tokio::io::AsyncWriteExt;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let registry = Registry::default();
        let slot = registry.register(Socket::of(&server));
        client.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        // Not read by anyone yet, but there: the connection is in use.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !Socket::of(&server).has_unread_bytes() {
            assert!(
                std::time::Instant::now() < deadline,
                "the bytes never arrived"
            );
            tokio::task::yield_now().await;
        }
        assert!(!registry.evict_oldest_idle());
        assert_eq!(state(&slot), IDLE);
    }
}
