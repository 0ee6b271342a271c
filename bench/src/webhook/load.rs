//! The load: a closed loop per admin. Admin `a` POSTs its command `k` to
//! replica `(a + k) % R`, as Telegram would (with the secret header, again
//! on 503), then waits for the `sendMessage` answering it before its next.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use wawp_testkit::FakeTelegram;
use wawp_testkit::updates::{From, private_message};

use super::replicas::{PATH, SECRET};

/// How often a delivery answered 503 is made again before it counts as an
/// error.
pub const MAX_DELIVERIES: usize = 100;

/// The pause before delivering an update again after a 503.
const RETRY_PAUSE: Duration = Duration::from_millis(10);

/// How long an admin waits for a reply before giving up on the rest of
/// its commands (a guard against a hang, not a timing).
const REPLY_PATIENCE: Duration = Duration::from_secs(30);

/// What one admin's loop did.
#[derive(Debug, Default)]
pub struct AdminRun {
    /// When each command delivered started (its first POST), in order.
    pub starts: Vec<Instant>,
    /// Commands that failed or were never answered.
    pub errors: usize,
    /// POSTs answered 503 and made again.
    pub retries: usize,
}

/// The replica command `k` of admin number `a` is delivered to.
pub fn replica_for(a: usize, k: usize, replicas: usize) -> usize {
    (a + k) % replicas.max(1)
}

/// Commands for admin number `a` when `commands` are spread over `admins`.
pub fn share(a: usize, commands: usize, admins: usize) -> usize {
    commands / admins + usize::from(a < commands % admins)
}

/// Routes each reply the fake Bot API receives to its admin's loop.
pub fn route_replies(
    fake: &FakeTelegram,
    admins: &[u64],
) -> HashMap<u64, mpsc::UnboundedReceiver<()>> {
    let mut senders = HashMap::new();
    let mut receivers = HashMap::new();
    for &admin in admins {
        let (tx, rx) = mpsc::unbounded_channel();
        senders.insert(admin as i64, tx);
        receivers.insert(admin, rx);
    }
    fake.on_send(move |sent| {
        if let Some(tx) = senders.get(&sent.chat_id) {
            let _ = tx.send(());
        }
    });
    receivers
}

/// One admin's closed loop of `commands` `/send` commands.
pub struct Admin {
    /// Its Telegram user id (and private chat id).
    pub id: u64,
    /// Its number, which picks the replica of each command.
    pub number: usize,
    /// Commands to send.
    pub commands: usize,
    /// The replicas' webhook addresses.
    pub listens: Arc<Vec<SocketAddr>>,
    /// Its replies, one `()` each.
    pub replies: mpsc::UnboundedReceiver<()>,
}

impl Admin {
    /// Sends its commands one by one; stops at the first that fails.
    pub async fn run(mut self, client: reqwest::Client, phones: Arc<AtomicU64>) -> AdminRun {
        let mut run = AdminRun::default();
        for k in 0..self.commands {
            let phone = phones.fetch_add(1, Ordering::Relaxed);
            let update = private_message(
                From::new(self.id, "admin"),
                &format!("/send +2010{phone:08} en"),
            );
            let to = self.listens[replica_for(self.number, k, self.listens.len())];
            let started = Instant::now();
            match deliver(&client, to, update.to_string()).await {
                Ok(retries) => run.retries += retries,
                Err(e) => {
                    eprintln!("admin {}: {e}", self.id);
                    run.errors += self.commands - k;
                    return run;
                }
            }
            run.starts.push(started);
            if tokio::time::timeout(REPLY_PATIENCE, self.replies.recv())
                .await
                .ok()
                .flatten()
                .is_none()
            {
                eprintln!("admin {}: no reply within {REPLY_PATIENCE:?}", self.id);
                run.errors += self.commands - k;
                return run;
            }
        }
        run
    }
}

/// POSTs `body` to the replica at `to` until it answers 200; returns how
/// many 503s came first. Any other answer, a broken connection, or
/// [`MAX_DELIVERIES`] 503s in a row is an error.
async fn deliver(client: &reqwest::Client, to: SocketAddr, body: String) -> anyhow::Result<usize> {
    let url = format!("http://{to}{PATH}");
    for attempt in 0..MAX_DELIVERIES {
        let response = client
            .post(&url)
            .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
            .header("Content-Type", "application/json")
            .body(body.clone())
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("POST to replica {to}: {}", e.without_url()))?;
        match response.status().as_u16() {
            200 => return Ok(attempt),
            503 => tokio::time::sleep(RETRY_PAUSE).await,
            other => anyhow::bail!("replica {to} answered {other}"),
        }
    }
    anyhow::bail!("replica {to} answered 503 {MAX_DELIVERIES} times")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_commands_of_an_admin_go_round_the_replicas() {
        let of_admin_0: Vec<usize> = (0..4).map(|k| replica_for(0, k, 3)).collect();
        assert_eq!(of_admin_0, [0, 1, 2, 0]);
        let of_admin_1: Vec<usize> = (0..3).map(|k| replica_for(1, k, 3)).collect();
        assert_eq!(of_admin_1, [1, 2, 0], "admins start on different replicas");
        assert!((0..5).all(|k| replica_for(4, k, 1) == 0));
    }

    #[test]
    fn commands_are_spread_over_the_admins_to_the_last_one() {
        let shares: Vec<usize> = (0..4).map(|a| share(a, 10, 4)).collect();
        assert_eq!(shares, [3, 3, 2, 2]);
        assert_eq!((0..50).map(|a| share(a, 60, 50)).sum::<usize>(), 60);
    }

    /// A webhook stand-in on 127.0.0.1 answering POSTs with `statuses` in
    /// turn (200 once they run out); counts those with the secret header.
    async fn replica(statuses: &[u16]) -> (SocketAddr, Arc<std::sync::Mutex<usize>>) {
        use http_body_util::{BodyExt, Full};
        use hyper::body::Bytes;

        let script = Arc::new(std::sync::Mutex::new(statuses.to_vec()));
        let authorised = Arc::new(std::sync::Mutex::new(0));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = authorised.clone();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let (script, seen) = (script.clone(), seen.clone());
                let service = hyper::service::service_fn(
                    move |request: hyper::Request<hyper::body::Incoming>| {
                        let (script, seen) = (script.clone(), seen.clone());
                        async move {
                            let secret = request.headers().get("x-telegram-bot-api-secret-token");
                            if secret.is_some_and(|s| s == SECRET) && request.uri().path() == PATH {
                                *seen.lock().unwrap() += 1;
                            }
                            let _ = request.into_body().collect().await;
                            let mut script = script.lock().unwrap();
                            let status = if script.is_empty() {
                                200
                            } else {
                                script.remove(0)
                            };
                            hyper::Response::builder()
                                .status(status)
                                .body(Full::new(Bytes::new()))
                        }
                    },
                );
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
                );
            }
        });
        (addr, authorised)
    }

    #[tokio::test]
    async fn a_503_is_delivered_again_and_counted_with_the_secret_each_time() {
        let (addr, authorised) = replica(&[503, 503]).await;
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        assert_eq!(deliver(&client, addr, "{}".into()).await.unwrap(), 2);
        assert_eq!(
            *authorised.lock().unwrap(),
            3,
            "three POSTs, each with the secret"
        );
    }

    #[tokio::test]
    async fn any_other_answer_or_endless_503s_fail_the_delivery() {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let (addr, _) = replica(&[401]).await;
        let err = deliver(&client, addr, "{}".into()).await.unwrap_err();
        assert!(err.to_string().ends_with("answered 401"), "{err}");
        let (addr, _) = replica(&[503; MAX_DELIVERIES]).await;
        let err = deliver(&client, addr, "{}".into()).await.unwrap_err();
        assert!(err.to_string().contains("answered 503 100 times"), "{err}");
    }

    #[tokio::test]
    async fn an_admin_whose_command_is_refused_counts_it_and_the_rest_as_errors() {
        let (addr, _) = replica(&[200, 500]).await;
        let (tx, replies) = mpsc::unbounded_channel();
        tx.send(()).unwrap(); // the reply to the first command
        let admin = Admin {
            id: 7,
            number: 0,
            commands: 4,
            listens: Arc::new(vec![addr]),
            replies,
        };
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let run = admin.run(client, Arc::new(AtomicU64::new(1))).await;
        assert_eq!(run.starts.len(), 1, "only the first command was delivered");
        assert_eq!(run.errors, 3, "the refused command and the two never sent");
    }
}
