//! The command line: subcommands, flags and the help texts (exit codes,
//! credentials) that `wawp --help` and the man page show.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

/// The exit codes, shown after every `--help` that can end with them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  sent / verified
  1  not verified: wrong code, no active code (expired, used, never sent), locked out
  2  usage or settings: a bad argument, number, code, language or footer; missing credentials
  3  Wawp refused: credentials (HTTP 401), a send during a cooldown or lockout (HTTP 429, the
     wait is in the message and in --json's retry_after_secs), another 4xx, a 5xx
  4  outcome unknown: a gateway error or timeout on send (a code may have been sent: ask the
     recipient before sending again), an answer this tool cannot read
  5  network: Wawp could not be reached";

const CREDENTIALS: &str = "\
Credentials, first found wins:
  1. --profile NAME (or WAWP_PROFILE): that profile, as saved by `wawp login`
  2. WAWP_INSTANCE_ID and WAWP_ACCESS_TOKEN (both), with WAWP_BASE_URL if set
  3. the profile named \"default\", if saved
Profiles live in $XDG_CONFIG_HOME/wawp/profiles.toml (~/.config/wawp on Linux), mode 0600.
Nothing secret is printed: never the token; the number is masked in human output.";

/// Send and check WhatsApp one-time passwords (OTP) through Wawp.
///
/// Try it with no account and no network: `wawp send --sandbox +201234567890`
/// sends to an in-process sandbox and prints the code on stderr.
#[derive(Debug, Parser)]
#[command(
    name = "wawp",
    bin_name = "wawp",
    version,
    after_help = format!("{CREDENTIALS}\n\n{EXIT_CODES}"),
)]
pub struct Cli {
    /// Print one JSON object on stdout (stable field names, see the README)
    /// instead of text; errors still print one line on stderr.
    #[arg(long, global = true)]
    pub json: bool,

    /// Use this saved profile (see `wawp login`) instead of the environment.
    #[arg(long, global = true, value_name = "NAME", env = "WAWP_PROFILE")]
    pub profile: Option<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send a one-time password to a WhatsApp number.
    #[command(after_help = EXIT_CODES)]
    Send(SendArgs),
    /// Check the code a number received.
    #[command(after_help = EXIT_CODES)]
    Verify(VerifyArgs),
    /// Run a local Wawp look-alike until Ctrl-C, printing its URL,
    /// credentials and every code it "sends".
    ///
    /// Nothing is delivered. Point `wawp` (or your own code) at it with the
    /// export line it prints; codes are also listed, newest first, at
    /// GET URL/_sandbox/messages?chatId=DIGITS.
    Sandbox(SandboxArgs),
    /// Save credentials in a profile (the token is read without echo).
    ///
    /// Writes $XDG_CONFIG_HOME/wawp/profiles.toml (created with mode 0600;
    /// a symlink there is refused). The profile is --profile NAME, or
    /// "default". When stdin is not a terminal, the token is read from its
    /// first line instead (e.g. from a password manager).
    Login(LoginArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    ///
    /// For bash: `wawp completions bash > ~/.local/share/bash-completion/completions/wawp`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `wawp send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The recipient, with + and the country code: +201234567890, "+20 123 456 7890".
    #[arg(value_name = "PHONE")]
    pub phone: String,

    /// Message language: a 2- or 3-letter code (en, ar, fr, ...).
    #[arg(long, value_name = "L", default_value = "en")]
    pub lang: String,

    /// Text appended to the message (one line, at most 200 characters).
    #[arg(long, value_name = "TEXT")]
    pub footer: Option<String>,

    /// Dry run: send to a sandbox started inside this process instead of
    /// Wawp (no credentials, no network) and print the code on stderr.
    #[arg(long)]
    pub sandbox: bool,
}

/// `wawp verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The number the code was sent to, as given to `wawp send`.
    #[arg(value_name = "PHONE")]
    pub phone: String,

    /// The 6 digits the recipient received; `-` reads them from stdin
    /// (keeps them out of your shell history).
    #[arg(value_name = "CODE")]
    pub code: String,

    /// Add the verified number to this Wawp contact list.
    #[arg(long, value_name = "ID")]
    pub list_id: Option<i64>,

    /// Dry run against a fresh sandbox started inside this process. It has
    /// sent no code, so the answer is always "no active code" (exit 1): this
    /// checks your input and wiring only. To verify a code from a dry-run
    /// send, run `wawp sandbox` and use the export line it prints.
    #[arg(long)]
    pub sandbox: bool,
}

/// `wawp sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on, IP:PORT (port 0 picks a free one). Keep it on
    /// loopback: the codes it "sends" are readable without credentials.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
}

/// `wawp login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Your Wawp instance ID [default: asked for].
    #[arg(long, value_name = "ID")]
    pub instance_id: Option<String>,

    /// The API's base URL, e.g. a sandbox's http://127.0.0.1:8080 [default:
    /// Wawp's production API].
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        <Cli as clap::CommandFactory>::command().debug_assert();
    }

    #[test]
    fn help_lists_every_exit_code() {
        let help = <Cli as clap::CommandFactory>::command()
            .render_long_help()
            .to_string();
        for code in 0..=5 {
            assert!(help.contains(&format!("\n  {code}  ")), "{help}");
        }
    }
}
