//! Modules import one way: no circle between the top-level modules of the
//! crates listed here. Run alone with `cargo test -p xtask --test layout`
//! (it does not start the slow regen test).

use std::fs;
use std::path::{Path, PathBuf};

use xtask::layout::import_cycles;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Writes `files` (path under `src`, text) into a fresh folder.
fn crate_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

/// Fails listing every circle among `krate`'s top-level modules.
fn assert_one_way(krate: &str) {
    let src = workspace_root().join(krate).join("src");
    let cycles = import_cycles(&src).unwrap();
    assert!(
        cycles.is_empty(),
        "import circles in {}: {}",
        src.display(),
        cycles
            .iter()
            .map(|c| c.join(" → "))
            .collect::<Vec<_>>()
            .join("; ")
    );
}

#[test]
fn the_sandbox_modules_import_one_way() {
    assert_one_way("crates/wawp-sandbox");
}

#[test]
fn the_bot_modules_import_one_way() {
    assert_one_way("crates/wawp-bot");
}

#[test]
fn a_use_circle_is_reported_with_its_modules_in_order() {
    let dir = crate_with(&[
        ("lib.rs", "mod a; mod b; mod c; mod low;"),
        ("a.rs", "use crate::b::B;\nuse crate::low::L;"),
        ("b.rs", "use crate::{c::C, low};"),
        ("c.rs", "pub fn f() { crate::a::g() }"),
        ("low.rs", "pub struct L;"),
    ]);
    let cycles = import_cycles(dir.path()).unwrap();
    assert_eq!(cycles, [["a", "b", "c", "a"]]);
}

#[test]
fn super_paths_submodules_root_reexports_and_doc_links_count() {
    // `x/inner.rs` says `super::super::y`: module `x` imports `y`. `y`'s
    // doc link goes through the root's re-export `Top` of `x`.
    let dir = crate_with(&[
        ("lib.rs", "mod x; mod y; pub use x::Top;"),
        ("x/mod.rs", "mod inner; pub struct Top;"),
        ("x/inner.rs", "use super::super::y::Y;"),
        (
            "y.rs",
            "/// Built by [`Top`](crate::Top).\npub struct Y;\n#[cfg(test)] mod tests { use super::*; }",
        ),
    ]);
    assert_eq!(import_cycles(dir.path()).unwrap(), [["x", "y", "x"]]);
}

#[test]
fn one_way_imports_and_paths_to_other_crates_are_no_circle() {
    let dir = crate_with(&[
        ("lib.rs", "pub mod top; mod bottom; pub use bottom::B;"),
        (
            "top.rs",
            "use crate::bottom::B;\nuse std::fmt;\n/// Uses [`crate::B`].\npub fn f() -> B { B }",
        ),
        (
            "bottom.rs",
            "pub struct B;\nimpl B { fn new() -> Self { Self } }\n/// `my_crate::top` is another crate.\npub fn g() {}",
        ),
        ("main.rs", "use my_crate::top; fn main() {}"),
    ]);
    assert!(import_cycles(dir.path()).unwrap().is_empty());
}

#[test]
fn an_unparsable_file_is_named() {
    let dir = crate_with(&[("lib.rs", "mod a;"), ("a.rs", "fn (")]);
    let err = import_cycles(dir.path()).unwrap_err();
    assert!(err.contains("a.rs"), "{err}");
}
