//! `wawp-sandbox`: run the sandbox server from the command line.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use wawp_sandbox::{
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_MESSAGES,
    DEFAULT_MAX_RECIPIENTS, DEFAULT_REQUEST_TIMEOUT, Sandbox,
};

/// A local server that behaves like Wawp's OTP API.
///
/// It serves GET and POST /v2/auth/otp/send and /v2/auth/otp/verify with
/// Wawp's rules: credentials as a Bearer header, JSON body or query string;
/// one send per recipient every 60 s; 6-digit codes valid 300 s and once;
/// 5 wrong codes lock the recipient out for 15 minutes.
///
/// A chatId is 7 to 15 digits (E.164), no "+", no leading 0.
///
/// Nothing is delivered. Each code "sent" is listed, newest first, at
/// GET /_sandbox/messages?chatId=<digits>&limit=<n> (limit: default 100,
/// at most 1000; no credentials: keep the sandbox on a loopback address).
/// GET /_sandbox/health answers {"status":"ok",...}.
///
/// Codes are NOT logged unless --log-codes is given; without it a send is
/// one debug-level line with neither the code nor the number.
///
/// Errors are JSON {"code","message"}: 400 bad input (the message names the
/// field, never its value), 401 credentials, 404/405 unknown path/method,
/// 408 request (body included) slower than --request-timeout, 413 body
/// over 16 KiB, 415 body not JSON, 429 cooldown or lockout (with
/// Retry-After), 503 too many busy connections. A request head over
/// 16 KiB gets hyper's 431 (no body).
///
/// Without --instance-id / --access-token it makes up credentials and prints
/// them. Point the wawp client at it with WAWP_BASE_URL=http://<listen>.
/// Logs go to stderr at info level; set RUST_LOG (e.g. RUST_LOG=debug for
/// one line per request) to change it. Stop it with Ctrl-C or SIGTERM.
#[derive(Debug, Parser)]
#[command(name = "wawp-sandbox", version, verbatim_doc_comment)]
struct Cli {
    /// Address to listen on, IP:PORT (port 0 picks a free one).
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8080")]
    listen: String,

    /// Instance id that requests must carry [default: a random one, printed].
    #[arg(
        long,
        value_name = "ID",
        env = "WAWP_INSTANCE_ID",
        hide_env_values = true
    )]
    instance_id: Option<String>,

    /// Access token that requests must carry [default: a random one, printed].
    #[arg(
        long,
        value_name = "TOKEN",
        env = "WAWP_ACCESS_TOKEN",
        hide_env_values = true
    )]
    access_token: Option<String>,

    /// Most recipients tracked at once; the oldest are forgotten beyond it.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_RECIPIENTS)]
    max_recipients: usize,

    /// Most messages kept for /_sandbox/messages; the oldest are dropped.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_MESSAGES)]
    max_messages: usize,

    /// Log every code "sent" (with its recipient) at info level. Off by
    /// default: codes are then readable only at /_sandbox/messages.
    #[arg(long)]
    log_codes: bool,

    /// Seconds a connection may take to send a request's head, counted from
    /// when it starts waiting for one; also the idle keep-alive timeout.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_HEADER_READ_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    header_read_timeout: u64,

    /// Seconds a request may take from its head to its answer, body
    /// included; a client that stalls mid-body gets 408 and is closed.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_REQUEST_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout: u64,

    /// Most connections open at once (kept below ulimit -n). Near it, each
    /// new connection closes the oldest idle one; when all are busy, one
    /// more is answered 503 and closed.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONNECTIONS, value_parser = at_least_one)]
    max_connections: usize,
}

fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a whole number, at least 1".to_owned()),
    }
}

/// A setting that cannot be used: one line on stderr, exit status 2.
fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("wawp-sandbox: {message}");
    ExitCode::from(2)
}

fn init_tracing() {
    let filter = match EnvFilter::try_from_default_env() {
        Ok(filter) => filter,
        Err(err) => {
            if std::env::var_os("RUST_LOG").is_some() {
                eprintln!("wawp-sandbox: ignoring RUST_LOG ({err}); using \"info\"");
            }
            EnvFilter::new("info")
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => err.exit(), // --help, --version
        Err(err) => {
            // clap's first line names the flag and what it expects; the
            // rest is a usage hint.
            let rendered = err.render().to_string();
            let first = rendered.lines().next().unwrap_or_default();
            return fail(first.trim_start_matches("error: "));
        }
    };
    let listen: SocketAddr = match cli.listen.trim().parse() {
        Ok(addr) => addr,
        Err(_) => {
            return fail(format_args!(
                "invalid --listen {:?}: expected IP:PORT, e.g. 127.0.0.1:8080",
                cli.listen
            ));
        }
    };
    init_tracing();

    let generated_token = cli.access_token.is_none();
    let mut builder = Sandbox::builder()
        .listen(listen)
        .max_recipients(cli.max_recipients)
        .max_messages(cli.max_messages)
        .log_codes(cli.log_codes)
        .header_read_timeout(Duration::from_secs(cli.header_read_timeout))
        .request_timeout(Duration::from_secs(cli.request_timeout))
        .max_connections(cli.max_connections);
    if let Some(id) = cli.instance_id {
        builder = builder.instance_id(id);
    }
    if let Some(token) = cli.access_token {
        builder = builder.access_token(token);
    }
    let sandbox = match builder.start().await {
        Ok(sandbox) => sandbox,
        Err(err) => return fail(err),
    };

    let url = sandbox.base_url();
    println!("wawp-sandbox listening on {url}");
    println!("  instance id:  {}", sandbox.instance_id());
    if generated_token {
        println!("  access token: {} (generated)", sandbox.access_token());
    } else {
        println!("  access token: (as given)");
    }
    let id = sandbox.instance_id();
    let token = if generated_token {
        sandbox.access_token()
    } else {
        "<your token>"
    };
    println!("Point the wawp client at it:");
    println!("  export WAWP_BASE_URL={url} WAWP_INSTANCE_ID={id} WAWP_ACCESS_TOKEN={token}");
    println!("Codes it \"sends\": curl '{url}/_sandbox/messages?chatId=201234567890'");
    if !listen.ip().is_loopback() {
        eprintln!(
            "wawp-sandbox: warning: listening on {listen}, not a loopback address; /_sandbox/messages shows codes to anyone who can reach it"
        );
    }

    match shutdown_signal().await {
        Ok(signal) => tracing::info!("{signal}: stopping"),
        Err(err) => {
            sandbox.shutdown().await;
            return fail(format_args!("cannot listen for stop signals: {err}"));
        }
    }
    sandbox.shutdown().await;
    println!("wawp-sandbox stopped");
    ExitCode::SUCCESS
}

/// Waits for Ctrl-C (SIGINT) or, on Unix, SIGTERM.
async fn shutdown_signal() -> std::io::Result<&'static str> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.map(|()| "interrupted"),
            _ = term.recv() => Ok("terminated"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map(|()| "interrupted")
    }
}
