//! Client overhead: the same send, against the floor server, by a hand-written
//! reqwest request (the floor), the generated `wawp-openapi` call, and the
//! `wawp` crate's `send_otp` with validation and tracing on.

use std::future::Future;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Deserialize;

use wawp_bench_report::{Summary, Variant};

const TOKEN: &str = "bench-token";
const INSTANCE: &str = "bench-instance";
const CHAT_ID: &str = "201234567890";

/// The reqwest settings every variant shares, `wawp`'s defaults: a total and
/// a connect timeout, no redirects. The floor is what a careful hand-written
/// request costs, so that the ratios show the layers, not the settings.
fn http(builder: reqwest::ClientBuilder) -> reqwest::Client {
    builder
        .timeout(wawp::client::DEFAULT_TIMEOUT)
        .connect_timeout(wawp::client::DEFAULT_CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client")
}

/// The fields of the 200 body, parsed as every variant parses them.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // read by serde, not by the benchmark
struct Sent {
    code: String,
    message: String,
    expires_in: f64,
    job_id: String,
}

/// Runs `requests` sends with `in_flight` concurrent requests.
pub async fn run(variant: Variant, base: &str, requests: usize, in_flight: usize) -> Summary {
    match variant {
        Variant::Raw => {
            let client = http(reqwest::Client::builder());
            let url = format!("{base}/v2/auth/otp/send");
            let body =
                serde_json::json!({"instance_id": INSTANCE, "chatId": CHAT_ID, "lang": "en"});
            drive(requests, in_flight, |_| async {
                let Ok(response) = client
                    .post(&url)
                    .bearer_auth(TOKEN)
                    .json(&body)
                    .send()
                    .await
                else {
                    return false;
                };
                response.status().is_success() && response.json::<Sent>().await.is_ok()
            })
            .await
        }
        Variant::Generated => {
            let mut headers = reqwest::header::HeaderMap::new();
            let mut bearer = reqwest::header::HeaderValue::from_str(&format!("Bearer {TOKEN}"))
                .expect("a valid header");
            bearer.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, bearer);
            let http = http(reqwest::Client::builder().default_headers(headers));
            let client = wawp_openapi::Client::new_with_client(base, http, Default::default());
            let body: wawp_openapi::types::SendOtpRequest =
                wawp_openapi::types::SendOtpRequest::builder()
                    .chat_id(CHAT_ID)
                    .instance_id(INSTANCE)
                    .lang("en")
                    .try_into()
                    .expect("every required field is set");
            drive(requests, in_flight, |_| async {
                client.send_otp().body(body.clone()).send().await.is_ok()
            })
            .await
        }
        Variant::Wawp => {
            let client = wawp::Client::builder()
                .instance_id(INSTANCE)
                .access_token(TOKEN)
                .base_url(base)
                .build()
                .expect("a wawp client");
            let phone: wawp::PhoneNumber = "+201234567890".parse().expect("a valid number");
            drive(requests, in_flight, |_| async {
                client.send_otp(&phone).await.is_ok()
            })
            .await
        }
    }
}

/// Runs `op(0..requests)` with at most `in_flight` at once and times each.
pub async fn drive<F, Fut>(requests: usize, in_flight: usize, op: F) -> Summary
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    let results: Vec<(Duration, bool)> = futures::stream::iter(0..requests)
        .map(|i| {
            let fut = op(i);
            async move {
                let t = Instant::now();
                let ok = fut.await;
                (t.elapsed(), ok)
            }
        })
        .buffer_unordered(in_flight.max(1))
        .collect()
        .await;
    let elapsed = start.elapsed();
    let errors = results.iter().filter(|(_, ok)| !ok).count();
    let latencies = results
        .into_iter()
        .filter(|(_, ok)| *ok)
        .map(|(d, _)| d)
        .collect();
    Summary::new(latencies, errors, elapsed)
}
