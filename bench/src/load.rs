//! Load against a server process over keep-alive HTTP/1.1 connections.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

/// Sends `requests` POSTs spread over `connections` keep-alive connections;
/// `body(i)` makes the JSON body of request `i`. Returns each request's
/// latency and the number of non-200 answers or failures.
pub async fn post_many(
    addr: SocketAddr,
    path: &'static str,
    bearer: &str,
    requests: usize,
    connections: usize,
    body: impl Fn(usize) -> String + Clone + 'static,
) -> anyhow::Result<(Vec<Duration>, usize, Duration)> {
    let authorization = format!("Bearer {bearer}");
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..connections {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::task::spawn_local(connection);
        let authorization = authorization.clone();
        let body = body.clone();
        tasks.spawn_local(async move {
            let mut latencies = Vec::with_capacity(requests / connections + 1);
            let mut errors = 0usize;
            for i in (c..requests).step_by(connections) {
                let request = hyper::Request::post(path)
                    .header("host", "127.0.0.1")
                    .header("content-type", "application/json")
                    .header("authorization", &authorization)
                    .body(Full::new(Bytes::from(body(i))))
                    .expect("a valid request");
                let t = Instant::now();
                let ok = match sender.send_request(request).await {
                    Ok(response) => {
                        let status = response.status();
                        let drained = response.into_body().collect().await.is_ok();
                        status == 200 && drained
                    }
                    Err(_) => false,
                };
                if ok {
                    latencies.push(t.elapsed());
                } else {
                    errors += 1;
                }
            }
            (latencies, errors)
        });
    }
    let mut latencies = Vec::with_capacity(requests);
    let mut errors = 0;
    while let Some(done) = tasks.join_next().await {
        let (l, e) = done?;
        latencies.extend(l);
        errors += e;
    }
    Ok((latencies, errors, start.elapsed()))
}

/// A free port on 127.0.0.1 (bound, then released for a child to take).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Waits until something accepts connections on `addr`.
pub async fn wait_for(addr: SocketAddr, child: &mut std::process::Child) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            anyhow::bail!("the server exited before listening: {status}");
        }
        if Instant::now() > deadline {
            anyhow::bail!("nothing listens on {addr} after 30 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
