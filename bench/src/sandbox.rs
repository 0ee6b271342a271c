//! The sandbox under load: sends with distinct recipients over keep-alive
//! connections to the real `wawp-sandbox` binary, and its memory meanwhile.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use wawp_bench_report::{SandboxRun, Summary};

use crate::load;
use crate::memory::memory_kib;

const TOKEN: &str = "bench-token";

/// Starts `binary`, loads it, stops it.
pub async fn run(binary: &Path, requests: usize, connections: usize) -> anyhow::Result<SandboxRun> {
    let port = load::free_port()?;
    let addr = ([127, 0, 0, 1], port).into();
    let mut child = Command::new(binary)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--instance-id", "bench", "--access-token", TOKEN])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot start {}: {e}", binary.display()))?;
    let pid = child.id();
    let result = async {
        load::wait_for(addr, &mut child).await?;
        // Two halves with distinct recipients, to see whether memory grows.
        let half = requests / 2;
        let body = |offset: usize| {
            move |i: usize| {
                format!(
                    r#"{{"instance_id":"bench","chatId":"2010{:08}","lang":"en"}}"#,
                    offset + i
                )
            }
        };
        let (mut l1, e1, d1) =
            load::post_many(addr, "/v2/auth/otp/send", TOKEN, half, connections, body(0)).await?;
        let rss_half = memory_kib(pid).map(|m| m.1).unwrap_or(0);
        let (l2, e2, d2) = load::post_many(
            addr,
            "/v2/auth/otp/send",
            TOKEN,
            requests - half,
            connections,
            body(half),
        )
        .await?;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (peak, end) = memory_kib(pid).unwrap_or((0, 0));
        l1.extend(l2);
        Ok(SandboxRun {
            connections,
            summary: Summary::new(l1, e1 + e2, d1 + d2),
            peak_rss_kib: peak,
            rss_half_kib: rss_half,
            rss_end_kib: end,
        })
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    result
}
