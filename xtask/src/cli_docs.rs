//! `cargo xtask cli-docs [--out DIR]`: the `wawp` command line's man pages
//! (`wawp.1`, `wawp-send.1`, …, by clap_mangen) and shell completions (by
//! clap_complete), from the `clap::Command` the binary itself parses.

use std::path::Path;

use anyhow::Context;
use clap::ValueEnum;
use clap_complete::Shell;

/// Writes the man pages and one completion script per shell into `out`.
pub fn run(out: &Path) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let command = wawp_cli::command();
    clap_mangen::generate_to(command.clone(), out)
        .with_context(|| format!("cannot write the man pages in {}", out.display()))?;
    for shell in Shell::value_variants() {
        clap_complete::generate_to(*shell, &mut command.clone(), "wawp", out)
            .with_context(|| format!("cannot write the {shell} completions"))?;
    }
    let mut written: Vec<String> = std::fs::read_dir(out)?
        .filter_map(|entry| Some(entry.ok()?.file_name().to_string_lossy().into_owned()))
        .collect();
    written.sort();
    Ok(written)
}

#[cfg(test)]
mod tests {
    #[test]
    fn man_pages_and_completions_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let written = super::run(dir.path()).unwrap();
        for name in [
            "wawp.1",
            "wawp-send.1",
            "wawp-verify.1",
            "wawp.bash",
            "_wawp",
            "wawp.fish",
        ] {
            assert!(
                written.iter().any(|w| w == name),
                "{name} missing: {written:?}"
            );
        }
        let man = std::fs::read_to_string(dir.path().join("wawp.1")).unwrap();
        assert!(man.contains("Exit codes"), "{man}");
    }
}
