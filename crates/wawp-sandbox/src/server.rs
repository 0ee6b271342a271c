//! Starting and stopping a sandbox server.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::clock::{Clock, SystemClock};
use crate::credentials::{self, Credentials};
pub use crate::error::StartError;
use crate::messages::SentMessage;
use crate::routes::router;
use crate::serve::{
    self, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT, Limits,
};
use crate::state::SandboxState;

/// Default cap on tracked recipients.
pub const DEFAULT_MAX_RECIPIENTS: usize = 100_000;
/// Default size of the message log.
pub const DEFAULT_MAX_MESSAGES: usize = 10_000;
/// How long [`Sandbox::shutdown`] waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Settings of a [`Sandbox`]; from [`Sandbox::builder`].
pub struct SandboxBuilder {
    instance_id: Option<String>,
    access_token: Option<String>,
    listen: SocketAddr,
    clock: Arc<dyn Clock>,
    max_recipients: usize,
    max_messages: usize,
    log_codes: bool,
    limits: Limits,
}

impl fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("instance_id", &self.instance_id)
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "[redacted]"),
            )
            .field("listen", &self.listen)
            .field("clock", &self.clock)
            .field("max_recipients", &self.max_recipients)
            .field("max_messages", &self.max_messages)
            .field("log_codes", &self.log_codes)
            .field("limits", &self.limits)
            .finish()
    }
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            instance_id: None,
            access_token: None,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            clock: Arc::new(SystemClock),
            max_recipients: DEFAULT_MAX_RECIPIENTS,
            max_messages: DEFAULT_MAX_MESSAGES,
            log_codes: false,
            limits: Limits {
                header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
                request_timeout: DEFAULT_REQUEST_TIMEOUT,
                max_connections: DEFAULT_MAX_CONNECTIONS,
            },
        }
    }
}

impl SandboxBuilder {
    /// The instance id requests must carry. Default: a random `sandbox_…`.
    /// Printable ASCII without spaces, up to 256 bytes.
    pub fn instance_id(mut self, instance_id: impl Into<String>) -> Self {
        self.instance_id = Some(instance_id.into());
        self
    }

    /// The access token requests must carry. Default: 32 random letters and
    /// digits. Printable ASCII without spaces, up to 256 bytes.
    pub fn access_token(mut self, access_token: impl Into<String>) -> Self {
        self.access_token = Some(access_token.into());
        self
    }

    /// Where to listen. Default `127.0.0.1:0` (a free port; see
    /// [`Sandbox::local_addr`]).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// The time source of the rules. Default [`SystemClock`]; tests use a
    /// [`ManualClock`](crate::ManualClock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Cap on recipients tracked at once (at least 1). Default 100,000.
    /// When full, a new recipient evicts those whose last send is oldest
    /// (exactly oldest-first below 1024, per shard above); an evicted
    /// recipient loses its code, cooldown and lockout.
    pub fn max_recipients(mut self, max: usize) -> Self {
        self.max_recipients = max;
        self
    }

    /// Size of the message log (at least 1): the newest messages kept for
    /// [`Sandbox::messages`] and `/_sandbox/messages`. Default 10,000.
    pub fn max_messages(mut self, max: usize) -> Self {
        self.max_messages = max;
        self
    }

    /// Log every code "sent" at info level, with the recipient (target
    /// `wawp_sandbox::sent`). Default off: a send is then logged at debug
    /// level without the code or the number.
    pub fn log_codes(mut self, log_codes: bool) -> Self {
        self.log_codes = log_codes;
        self
    }

    /// How long a connection may take to deliver a request's head, counted
    /// from when it starts waiting for one (opened, or idle after an
    /// answer): slow and idle clients are closed after it. Default 10 s;
    /// at least 1 ms.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// How long a request may take from its head to its answer, reading
    /// the body included: a client that stalls mid-body gets
    /// `408 request_timeout` and its connection is closed. Default 10 s; at
    /// least 1 ms.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.limits.request_timeout = timeout;
        self
    }

    /// Cap on open connections (at least 1). Default 1,024; lowered at
    /// start below the process's open-file limit. Near the cap each new
    /// connection closes the oldest idle one; when every connection is
    /// busy, one more gets `503 too_many_connections` and is closed.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.limits.max_connections = max;
        self
    }

    /// The state without a server, to serve with [`router`] yourself.
    /// Fails on unusable credentials.
    pub fn build_state(self) -> Result<SandboxState, StartError> {
        let instance_id = self
            .instance_id
            .unwrap_or_else(|| credentials::generate(true));
        let access_token = self
            .access_token
            .unwrap_or_else(|| credentials::generate(false));
        credentials::check_setting("instance id", &instance_id)?;
        credentials::check_setting("access token", &access_token)?;
        Ok(SandboxState::new(
            Credentials {
                instance_id,
                access_token,
            },
            self.clock,
            self.max_recipients,
            self.max_messages,
            self.log_codes,
        ))
    }

    /// Binds the address and serves in a background task of the current
    /// Tokio runtime. Fails on unusable settings or if the address cannot
    /// be bound.
    pub async fn start(self) -> Result<Sandbox, StartError> {
        let listen = self.listen;
        let limits = self.limits;
        if limits.max_connections == 0 {
            return Err(StartError::InvalidLimit {
                setting: "max_connections",
                expected: "at least 1",
            });
        }
        if limits.header_read_timeout < Duration::from_millis(1) {
            return Err(StartError::InvalidLimit {
                setting: "header_read_timeout",
                expected: "at least 1 ms",
            });
        }
        if limits.request_timeout < Duration::from_millis(1) {
            return Err(StartError::InvalidLimit {
                setting: "request_timeout",
                expected: "at least 1 ms",
            });
        }
        let limits = limits.fit_open_file_limit();
        let state = self.build_state()?;
        let bind = |source| StartError::Bind {
            addr: listen,
            source,
        };
        let listener = TcpListener::bind(listen).await.map_err(bind)?;
        let local_addr = listener.local_addr().map_err(bind)?;
        // A dropped sender stops the server too.
        let (stop, stopped) = oneshot::channel::<()>();
        let app = router(state.clone());
        let task = tokio::spawn(serve::serve(
            listener,
            app,
            limits,
            state.connection_gauge(),
            stopped,
        ));
        tracing::debug!(%local_addr, "sandbox listening");
        Ok(Sandbox {
            state,
            local_addr,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A running sandbox server. Dropping it stops the server too (without
/// waiting); [`Sandbox::shutdown`] waits for requests in flight.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), wawp_sandbox::StartError> {
/// let sandbox = wawp_sandbox::Sandbox::builder()
///     .instance_id("my-instance")
///     .access_token("my-token")
///     .start()
///     .await?;
/// assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
/// assert_eq!(sandbox.last_code("201234567890"), None);
/// sandbox.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Sandbox {
    state: SandboxState,
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Settings with their defaults.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// `http://IP:PORT`, to use as the API base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The instance id requests must carry.
    pub fn instance_id(&self) -> &str {
        self.state.instance_id()
    }

    /// The access token requests must carry.
    pub fn access_token(&self) -> &str {
        self.state.access_token()
    }

    /// The shared state, e.g. to inspect it or serve it elsewhere too.
    pub fn state(&self) -> &SandboxState {
        &self.state
    }

    /// The messages sent so far (the newest, up to the log's size), oldest
    /// first.
    pub fn messages(&self) -> Vec<SentMessage> {
        self.state.messages()
    }

    /// The code of the last message sent to `chat_id` (digits, as in
    /// `chatId`), whether or not it is still valid.
    pub fn last_code(&self, chat_id: &str) -> Option<String> {
        self.state.last_code(chat_id)
    }

    /// Stops accepting connections and waits (up to 5 s) for requests in
    /// flight to be answered.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => tracing::warn!(%err, "sandbox server task failed"),
                Err(_) => {
                    tracing::warn!("sandbox requests still running after 5 s; stopping anyway");
                    task.abort();
                }
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
