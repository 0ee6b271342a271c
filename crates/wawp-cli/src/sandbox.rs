//! `wawp sandbox`: a local Wawp look-alike in this process until Ctrl-C,
//! with made-up credentials (never the ones in your environment or
//! profiles, so that no real token is ever printed) and every code it
//! "sends" printed on stderr.

use std::time::Duration;

use serde_json::json;
use wawp::PhoneNumber;
use wawp_cli::args::SandboxArgs;
use wawp_sandbox::{Sandbox, SentMessage};

use crate::backend::start_sandbox;
use crate::failure::Failure;
use crate::report::Output;

/// How often new codes are looked for.
const POLL: Duration = Duration::from_millis(200);

/// Runs until Ctrl-C or SIGTERM. Returns the exit code.
pub async fn run(args: SandboxArgs, out: Output) -> Result<u8, Failure> {
    let sandbox = start_sandbox(Sandbox::builder().listen(args.listen)).await?;
    let url = sandbox.base_url();
    let (id, token) = (sandbox.instance_id(), sandbox.access_token());
    let messages_url = format!("{url}/_sandbox/messages?chatId=");
    let text = format!(
        "wawp sandbox listening on {url}: a dry run, nothing is delivered\n\
         \x20 instance id:  {id}\n\
         \x20 access token: {token} (made up for this run)\n\
         Use it from another shell:\n\
         \x20 export WAWP_BASE_URL={url} WAWP_INSTANCE_ID={id} WAWP_ACCESS_TOKEN={token}\n\
         \x20 wawp send +201234567890\n\
         Codes it \"sends\" are printed below (stderr) and listed, newest first, at:\n\
         \x20 curl '{messages_url}201234567890'\n\
         Ctrl-C stops it."
    );
    out.done(
        "listening",
        json!({
            "base_url": url,
            "instance_id": id,
            "access_token": token,
            "messages_url": messages_url,
        }),
        &text,
    );
    if !args.listen.ip().is_loopback() {
        warn!(
            "wawp: warning: listening on {}, not a loopback address: anyone who can reach it can read the codes",
            args.listen
        );
    }

    let mut seen = None;
    let stop = stop_signal();
    tokio::pin!(stop);
    let result = loop {
        tokio::select! {
            signal = &mut stop => break signal,
            () = tokio::time::sleep(POLL) => seen = print_new(&sandbox, seen),
        }
    };
    print_new(&sandbox, seen);
    sandbox.shutdown().await;
    result.map_err(|err| Failure::settings(format!("cannot wait for Ctrl-C: {err}")))?;
    warn!("wawp: sandbox stopped");
    Ok(crate::failure::SUCCESS)
}

/// Prints the messages after the one with job id `seen`; returns the
/// newest job id.
fn print_new(sandbox: &Sandbox, seen: Option<String>) -> Option<String> {
    let messages = sandbox.messages();
    let start = seen
        .as_ref()
        .and_then(|job| messages.iter().position(|m| &m.job_id == job))
        .map_or(0, |i| i + 1);
    for message in &messages[start..] {
        warn!("{}", code_line(message));
    }
    messages.last().map(|m| m.job_id.clone()).or(seen)
}

/// `code 123456 for +20•••••7890 (lang en, job …)`: the number masked as
/// `wawp` masks it.
fn code_line(message: &SentMessage) -> String {
    let to = match format!("+{}", message.chat_id).parse::<PhoneNumber>() {
        Ok(phone) => phone.masked(),
        Err(_) => "a number wawp would refuse".to_owned(),
    };
    format!(
        "code {} for {to} (lang {}, job {})",
        message.code, message.lang, message.job_id
    )
}

/// Ctrl-C (SIGINT) or, on Unix, SIGTERM.
async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
