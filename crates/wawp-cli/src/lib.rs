#![deny(missing_docs)]
//! `wawp`, the command line for sending and checking WhatsApp one-time
//! passwords through Wawp.
//!
//! This library part only describes the command line ([`command`]), so
//! that `cargo xtask cli-docs` can generate the man page and shell
//! completions from the very definition the binary parses. Install the
//! binary with `cargo install --locked --path crates/wawp-cli`.

pub mod args;

/// The `wawp` command line, as the binary parses it.
pub fn command() -> clap::Command {
    <args::Cli as clap::CommandFactory>::command()
}
