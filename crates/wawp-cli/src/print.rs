//! `say!` and `warn!`: `println!` and `eprintln!` that never panic. A
//! closed pipe (`wawp completions bash | head -1`) ends the output, not
//! the process with a panic; the exit code still says what happened.

/// One line on stdout.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// One line on stderr.
macro_rules! warn {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}
