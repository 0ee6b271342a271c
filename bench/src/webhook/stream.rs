//! An open-loop load: `/send` commands POSTed at a fixed rate whatever the
//! replies, each from a chat of its own (so each reply names its command),
//! each to the next replica when one is down or failing, as Telegram
//! resends a delivery that got a connection error or a 5xx.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wawp_testkit::updates::{From, private_message};

use super::replicas::{PATH, SECRET};

/// How long a command may go from replica to replica before it counts as
/// undelivered (a guard against a hang, not a timing).
const DELIVERY_PATIENCE: Duration = Duration::from_secs(60);

/// The pause after a failed POST before the next replica is tried.
const RETRY_PAUSE: Duration = Duration::from_millis(20);

/// What became of one command's delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// Its chat (and admin's user id).
    pub chat: i64,
    /// When its first POST started.
    pub started: Instant,
    /// When a replica answered 200; `None`: none did.
    pub acked: Option<Instant>,
    /// POSTs that failed and were made again to the next replica.
    pub redelivered: usize,
}

/// The load: `commands` commands at `per_second`, the `n`-th from chat
/// `first_chat + n`, first to replica `n % R`.
pub struct Stream {
    /// The replicas' webhook addresses.
    pub listens: Arc<Vec<SocketAddr>>,
    /// Commands to POST.
    pub commands: usize,
    /// Commands a second.
    pub per_second: usize,
    /// The first command's chat.
    pub first_chat: u64,
}

impl Stream {
    /// How long POSTing them all takes.
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.commands as f64 / self.per_second.max(1) as f64)
    }

    /// POSTs every command on its schedule; returns each one's delivery, in
    /// order.
    pub async fn run(&self, client: &reqwest::Client) -> Vec<Delivery> {
        let every = Duration::from_secs_f64(1.0 / self.per_second.max(1) as f64);
        let start = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..self.commands {
            tokio::time::sleep_until((start + every * n as u32).into()).await;
            let chat = self.first_chat + n as u64;
            let update = private_message(
                From::new(chat, "admin"),
                &format!("/send +2011{:08} en", chat),
            );
            let (client, listens) = (client.clone(), self.listens.clone());
            tasks.spawn(async move {
                let started = Instant::now();
                let (acked, redelivered) =
                    deliver_any(&client, &listens, n, update.to_string()).await;
                (
                    n,
                    Delivery {
                        chat: chat as i64,
                        started,
                        acked,
                        redelivered,
                    },
                )
            });
        }
        let mut out: Vec<Option<Delivery>> = vec![None; self.commands];
        while let Some(Ok((n, delivery))) = tasks.join_next().await {
            out[n] = Some(delivery);
        }
        out.into_iter().flatten().collect()
    }
}

/// POSTs `body` to replica `first % R`, then to the next ones in turn
/// while a POST fails (no connection, a broken one, any answer but 200),
/// for [`DELIVERY_PATIENCE`]. Returns when one answered 200 (if any) and
/// how many POSTs failed first.
async fn deliver_any(
    client: &reqwest::Client,
    listens: &[SocketAddr],
    first: usize,
    body: String,
) -> (Option<Instant>, usize) {
    let give_up = Instant::now() + DELIVERY_PATIENCE;
    let mut failed = 0;
    while Instant::now() < give_up {
        let to = listens[(first + failed) % listens.len()];
        let answer = client
            .post(format!("http://{to}{PATH}"))
            .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
            .header("Content-Type", "application/json")
            .body(body.clone())
            .send()
            .await;
        if answer.is_ok_and(|a| a.status() == reqwest::StatusCode::OK) {
            return (Some(Instant::now()), failed);
        }
        failed += 1;
        tokio::time::sleep(RETRY_PAUSE).await;
    }
    (None, failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_delivery_goes_on_to_the_next_replica_when_one_is_down() {
        let down = wawp_testkit::wawp::dead_url();
        let down: SocketAddr = down.trim_start_matches("http://").parse().unwrap();
        let up = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let up_addr = up.local_addr().unwrap();
        tokio::spawn(async move {
            use http_body_util::Full;
            use hyper::body::Bytes;
            loop {
                let (stream, _) = up.accept().await.unwrap();
                let service = hyper::service::service_fn(|_req| async {
                    hyper::Response::builder()
                        .status(200)
                        .body(Full::new(Bytes::new()))
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
                );
            }
        });
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let (acked, failed) = deliver_any(&client, &[down, up_addr], 0, "{}".into()).await;
        assert!(acked.is_some(), "the second replica took it");
        assert_eq!(failed, 1, "one POST to the replica that was down");
    }
}
