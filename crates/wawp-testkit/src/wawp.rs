//! Wawp's answers: canned bodies as documented (or as seen), and the
//! `wawp-sandbox` router behind a request counter.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

/// The instance id [`CountingWawp`] accepts.
pub const INSTANCE_ID: &str = "instance-test-1";
/// The access token [`CountingWawp`] accepts.
pub const ACCESS_TOKEN: &str = "wawp-access-token-do-not-leak-42";

/// Send OTP's documented 200 body.
pub fn sent(job_id: &str) -> Value {
    json!({
        "code": "success",
        "message": "Verification code sent successfully",
        "expires_in": 300,
        "job_id": job_id,
    })
}

/// A Verify OTP 200 body (its shape is not documented beyond JSON).
pub fn verified() -> Value {
    json!({"code": "success", "message": "OTP verified successfully"})
}

/// A JSON error body with a `message`, as Wawp answers most 4xx.
pub fn error(message: &str) -> Value {
    json!({"code": "error", "message": message})
}

/// The HTML a proxy in front of Wawp answers with (e.g. 502, 503).
pub const PROXY_HTML: &str = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>";

/// The sandbox's router behind a counter of every HTTP request, on 127.0.0.1.
pub struct CountingWawp {
    /// The sandbox's state: messages "sent", codes.
    pub state: wawp_sandbox::SandboxState,
    requests: Arc<AtomicUsize>,
    /// Where it listens, `http://127.0.0.1:port`.
    pub base_url: String,
}

impl CountingWawp {
    /// Starts it with [`INSTANCE_ID`] and [`ACCESS_TOKEN`].
    pub async fn start() -> CountingWawp {
        let state = wawp_sandbox::Sandbox::builder()
            .instance_id(INSTANCE_ID)
            .access_token(ACCESS_TOKEN)
            .build_state()
            .expect("the sandbox's settings are valid");
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let app = wawp_sandbox::router(state.clone()).layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                counter.fetch_add(1, Ordering::SeqCst);
                next.run(req)
            },
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port on 127.0.0.1");
        let base_url = format!("http://{}", listener.local_addr().expect("a bound address"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        CountingWawp {
            state,
            requests,
            base_url,
        }
    }

    /// How many HTTP requests reached it.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// The last code "sent" to `chat_id` (digits only), if any.
    pub fn last_code(&self, chat_id: &str) -> Option<String> {
        self.state.last_code(chat_id)
    }
}

/// A base URL on 127.0.0.1 where nothing listens (connection refused).
pub fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port on 127.0.0.1");
    let addr = listener.local_addr().expect("a bound address");
    drop(listener);
    format!("http://{addr}")
}
