//! A fake Wawp that takes its time: each request waits a fixed delay, then
//! goes on to the counting fake (the sandbox's router) and its answer comes
//! back. A real Wawp call takes hundreds of milliseconds, so that commands
//! are in a replica's hands when it dies.

use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;

/// Starts the delaying front on 127.0.0.1 for the fake at `behind` (its
/// base URL); returns its own base URL.
pub async fn start(behind: &str, delay: Duration) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr: SocketAddr = listener.local_addr()?;
    let client = reqwest::Client::builder().no_proxy().build()?;
    let behind = behind.trim_end_matches('/').to_owned();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (client, behind) = (client.clone(), behind.clone());
            let service = hyper::service::service_fn(
                move |request: hyper::Request<hyper::body::Incoming>| {
                    let (client, behind) = (client.clone(), behind.clone());
                    async move { forward(&client, &behind, request, delay).await }
                },
            );
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    Ok(format!("http://{addr}"))
}

async fn forward(
    client: &reqwest::Client,
    behind: &str,
    request: hyper::Request<hyper::body::Incoming>,
    delay: Duration,
) -> Result<hyper::Response<Full<Bytes>>, hyper::Error> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await?.to_bytes();
    tokio::time::sleep(delay).await;
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut out = client.request(parts.method, format!("{behind}{path}"));
    for (name, value) in &parts.headers {
        if name != hyper::header::HOST {
            out = out.header(name, value);
        }
    }
    let response = match out.body(body).send().await {
        Ok(answer) => {
            let status = answer.status();
            let headers = answer.headers().clone();
            let body = answer.bytes().await.unwrap_or_default();
            let mut response = hyper::Response::new(Full::new(body));
            *response.status_mut() = status;
            *response.headers_mut() = headers;
            response
        }
        Err(_) => {
            let mut response = hyper::Response::new(Full::new(Bytes::new()));
            *response.status_mut() = hyper::StatusCode::BAD_GATEWAY;
            response
        }
    };
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[tokio::test]
    async fn a_request_reaches_the_fake_behind_after_the_delay() {
        let wawp = wawp_testkit::wawp::CountingWawp::start().await;
        let front = start(&wawp.base_url, Duration::from_millis(100))
            .await
            .unwrap();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let started = Instant::now();
        let answer = client.get(format!("{front}/nowhere")).send().await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert_eq!(wawp.requests(), 1, "the fake behind answered it");
        assert_eq!(answer.status(), reqwest::StatusCode::NOT_FOUND);
    }
}
